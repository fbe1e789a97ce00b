"""The small typed records that flow from the seeds to the index."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Lang = Literal["ja", "en"]
SegmentKind = Literal["text", "heading", "title", "caption", "footnote", "furniture"]


# What a file holds, told by its content: plain text, Markdown, PDF, Word (.docx) or HTML.
DocFormat = Literal["text", "markdown", "pdf", "docx", "html"]


@dataclass(frozen=True)
class Heading:
    """A heading the file itself marks (Word styles, HTML <h1>-<h6>, a PDF's larger type)."""

    start: int
    end: int
    level: int


@dataclass(frozen=True)
class Document:
    """A source file's text; every offset in the system points into `text`.

    For `.txt` and `.md` the text is the file itself (strict UTF-8). For PDF, Word and HTML it
    is the text a reader extracted, kept in the index folder so that every citation can be
    checked against it. `pages[i]` is where page i + 1 starts in `text` (empty: not paged).
    """

    name: str
    text: str
    sha256: str
    format: DocFormat = "text"
    pages: tuple[int, ...] = ()
    headings: tuple[Heading, ...] = ()
    title: str = ""
    size: int = 0  # bytes of the file


@dataclass(frozen=True)
class Located:
    """Where a piece of a document lies: character offsets, lines (from 1) and its language."""

    doc: str
    start: int
    end: int
    line_start: int
    line_end: int
    lang: Lang


@dataclass(frozen=True)
class Segment(Located):
    """One paragraph-like block (or one line of a bilingual block) of a document."""

    kind: SegmentKind
    text: str
    title: str = ""
    # Index (into the document's segment list) of the piece that continues a sentence this
    # segment leaves open: the report breaks sentences across columns of the other language.
    continued_by: int | None = None


@dataclass(frozen=True)
class Chunk(Located):
    """An exact span of a document: `text == source[start:end]`, never altered."""

    id: str
    title: str
    text: str
    # Words of a sentence broken across a column, found elsewhere in the document. They are
    # added to what is embedded and keyword-indexed, never to the cited text.
    context_before: str = ""
    context_after: str = ""
    # Absolute (start, end) of each sentence of the chunk, in order: the units answers quote.
    sentences: list[tuple[int, int]] = field(default_factory=list)

    def indexed_text(self) -> str:
        """The text the embedder and the keyword index see."""
        return "".join(
            part
            for part in (self.context_before, self.context_before and " ", self.text,
                         self.context_after and " ", self.context_after)
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        data = dict(data)
        data["sentences"] = [tuple(span) for span in data.get("sentences", [])]
        return cls(**data)
