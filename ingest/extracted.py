"""What a reader gives back, and the one way readers lay out the text they extract.

Every reader (PDF, Word, HTML) turns a file into `Extracted`: plain text whose paragraphs are
separated by blank lines, where each page starts in it, and which spans are headings. The
text is then stored as it is (index folder, `sources/`) and every offset points into it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ingest.records import Heading

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
# Characters that PDF fonts map to look-alikes of ordinary ones: Kangxi and CJK radicals for
# the ideographs (⽂ for 文), compatibility ideographs, and Latin ligatures (ﬁ for fi).
_LOOKALIKES = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff\ufb00-\ufb06]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\ufeff]")


def clean_line(text: str) -> str:
    """One line of extracted text: look-alike characters made ordinary, spaces collapsed."""
    text = _LOOKALIKES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Extracted:
    text: str
    pages: tuple[int, ...] = ()
    headings: tuple[Heading, ...] = ()
    title: str = ""


@dataclass
class TextBuilder:
    """Paragraphs, one after another with a blank line between, with pages and headings noted."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    pages: list[int | None] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)

    def new_page(self) -> None:
        """The next text written starts a new page."""
        self.pages.append(None)

    def _write(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def _mark_pages(self) -> None:
        for i in range(len(self.pages) - 1, -1, -1):
            if self.pages[i] is not None:
                break
            self.pages[i] = self.length

    def paragraph(self, text: str, heading_level: int = 0) -> None:
        text = clean_line(text)
        if not text:
            return
        if self.length:
            self._write("\n\n")
        self._mark_pages()
        start = self.length
        self._write(text)
        if heading_level:
            self.headings.append(Heading(start, self.length, heading_level))

    def continue_paragraph(self, text: str, joiner: str) -> None:
        """More of the last paragraph (its sentence goes on past a column or page break)."""
        text = clean_line(text)
        if not text:
            return
        self._write(joiner)
        self._mark_pages()
        self._write(text)

    def build(self, title: str = "") -> Extracted:
        self._mark_pages()
        pages = tuple(p if p is not None else self.length for p in self.pages)
        return Extracted("".join(self.parts), pages, tuple(self.headings), clean_line(title))
