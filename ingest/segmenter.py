"""Cutting a document into segments: paragraphs with their language, kind, and title.

Nothing here changes the text: a segment is a span `(start, end)` of the document, and its
`text` is `document.text[start:end]`. What is page furniture, a heading or a title is decided
from the shape of the blocks, so that a user's own `.md` or `.txt` file is read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.lang import detect_lang, has_japanese, japanese_share
from ingest.lines import LineIndex, strip_span
from ingest.records import Document, Lang, Segment, SegmentKind
from ingest.sentences import ends_sentence

_BLOCK = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|$))+")
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FURNITURE = (
    re.compile(r"^\d{1,4}$"),  # bare page number
    re.compile(r"^-\s*\d{1,4}\s*-$"),
    re.compile(r"^J[A-Z]{0,3}TEC\s+REPORT\s+VOL\.?\s*\d+$", re.IGNORECASE),  # running header
    # A figure placeholder with no caption text: "図1 / Fig 1", "Figure 3"
    re.compile(r"^(?:図|Fig\.?|Figure)\s*[\d-]+(?:\s*/\s*(?:図|Fig\.?|Figure)\s*[\d-]+)?$",
               re.IGNORECASE),
    re.compile(r"^[\W_]+$"),  # only punctuation or symbols
)
_CAPTION = re.compile(r"^(?:●\s*)?(?:図|表|Fig\.?|Figure|Table)\s*[\d-]+", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^(?:<sup>\s*\d+\s*</sup>|※|\*\d)")
_NUMBERED = re.compile(r"^(?:\d{1,2}[.．)]|[(（]\d{1,2}[)）]|\d{1,2}\))\s*\S")
_AFFILIATION = re.compile(
    r"^(?:公益社団法人|公益財団法人|一般社団法人|一般財団法人|国立研究開発法人|独立行政法人|国立大学法人|駐日)"
    r"|(?:大使|教授|研究員|会長|理事長|部長|室長|President|Director|Professor|Ambassador|Fellow"
    r"|Researcher|Advisor|Chair\b)"
)
# Short lines without a sentence end are heading-like; these bounds keep prose out.
_HEADING_MAX = {"ja": 60, "en": 120}
_PROSE_MIN = 60
# Short lines right after a title are its byline (author, affiliation), not headings.
_BYLINE_ZONE = 4
# Shorter open lines are labels rather than sentences cut by a column.
_OPEN_MIN = {"ja": 8, "en": 20}


@dataclass
class _Draft:
    start: int
    end: int
    lang: Lang
    kind: SegmentKind
    whole_block: bool
    heading_level: int = 0
    heading_text: str = ""


def _is_furniture(line: str) -> bool:
    stripped = line.strip()
    return any(pattern.match(stripped) for pattern in _FURNITURE)


def _drafts(text: str) -> list[_Draft]:
    """Blocks separated by blank lines; a block whose lines differ in language is split."""
    drafts: list[_Draft] = []
    for match in _BLOCK.finditer(text):
        start, end = strip_span(text, match.start(), match.end())
        if start == end:
            continue
        lines: list[tuple[int, int]] = []
        pos = start
        for line in text[start:end].split("\n"):
            line_start, line_end = strip_span(text, pos, pos + len(line))
            pos += len(line) + 1
            if line_start < line_end:
                lines.append((line_start, line_end))
        langs = {detect_lang(text[a:b]) for a, b in lines if not _is_furniture(text[a:b])}
        pieces = lines if len(langs) > 1 or any(_is_furniture(text[a:b]) for a, b in lines) \
            else [(start, end)]
        for piece_start, piece_end in pieces:
            piece = text[piece_start:piece_end]
            drafts.append(_Draft(piece_start, piece_end, detect_lang(piece),
                                 "furniture" if _is_furniture(piece) else "text",
                                 whole_block=len(pieces) == 1))
    return drafts


def _heading_like(text: str, draft: _Draft) -> bool:
    piece = text[draft.start:draft.end]
    return ("\n" not in piece and len(piece) <= _HEADING_MAX[draft.lang]
            and piece[-1] not in ".。,、，:：;；"
            and not _CAPTION.match(piece) and not _AFFILIATION.search(piece)
            and (draft.lang == "ja" or ((piece[0].isupper() or piece[0].isdigit() or piece[0] == "(")
                 and " " in piece)))


def _starts_lowercase(text: str) -> bool:
    return text[:1].islower()


def _classify(text: str, drafts: list[_Draft], marked: dict[tuple[int, int], int] | None = None,
              plain: bool = True) -> None:
    """Mark headings and titles in place; the rest stays text (or furniture).

    `marked`: the headings the file itself marks (span -> level), for PDF, Word and HTML;
    `plain`: the text is a text or Markdown file, where `#` lines are headings.
    """
    content = [d for d in drafts if d.kind != "furniture"]
    has_markdown = plain and any(_MARKDOWN_HEADING.match(text[d.start:d.end]) for d in content)
    since_title = _BYLINE_ZONE
    for i, draft in enumerate(content):
        since_title += 1
        piece = text[draft.start:draft.end]
        level = (marked or {}).get((draft.start, draft.end))
        if level:
            draft.kind, draft.heading_level, draft.heading_text = "heading", level, piece
            continue
        markdown = _MARKDOWN_HEADING.match(piece) if plain else None
        if markdown:
            draft.kind, draft.heading_level = "heading", len(markdown.group(1))
            draft.heading_text = markdown.group(2)
            continue
        if _CAPTION.match(piece):
            draft.kind = "caption"
            continue
        if _FOOTNOTE.match(piece):
            draft.kind = "footnote"
            continue
        # In a markdown file or a Word or HTML one the author marked the headings; everything
        # else is text.
        if has_markdown or marked is not None or draft.kind != "text" or not draft.whole_block \
                or not _heading_like(text, draft):
            continue
        nxt = content[i + 1] if i + 1 < len(content) else None
        if nxt is None:
            continue
        nxt_text = text[nxt.start:nxt.end]
        numbered = bool(_NUMBERED.match(piece))
        # An article of the report opens with its title in Japanese and then in English,
        # or with a title followed by its author's affiliation or a numbered first section.
        pair = (nxt.whole_block and not numbered and japanese_share(piece) >= 0.5
                and nxt.lang == "en"
                and _heading_like(text, nxt) and not has_japanese(nxt_text)
                and not _NUMBERED.match(nxt_text))
        opens_article = since_title > _BYLINE_ZONE and not numbered and (
            bool(_AFFILIATION.search(nxt_text)) or bool(_NUMBERED.match(nxt_text)))
        if pair:
            draft.kind = nxt.kind = "title"
            draft.heading_text, nxt.heading_text = piece, nxt_text
            since_title = -1
        elif opens_article:
            draft.kind, draft.heading_text = "title", piece
            since_title = 0
        elif since_title > _BYLINE_ZONE and nxt.kind == "text" and nxt.lang == draft.lang \
                and not _starts_lowercase(nxt_text) and (numbered or len(nxt_text) >= _PROSE_MIN):
            draft.kind, draft.heading_level, draft.heading_text = "heading", 7, piece


def _titles(drafts: list[_Draft]) -> list[str]:
    """The title shown for each draft: its article or section, in its own language."""
    article: dict[str, str] = {}
    sections: dict[str, list[tuple[int, str]]] = {"ja": [], "en": []}
    markdown_path: list[tuple[int, str]] = []
    titles: list[str] = []
    previous_title_lang = ""
    for draft in drafts:
        if draft.kind == "title":
            article[draft.lang] = draft.heading_text
            sections[draft.lang] = []
            # A new article in one language ends the old article in the other too.
            other = "en" if draft.lang == "ja" else "ja"
            if not (other == "ja" and previous_title_lang == "ja"):
                article[other] = draft.heading_text
                sections[other] = []
        elif draft.kind == "heading" and draft.heading_level <= 6:
            markdown_path = [h for h in markdown_path if h[0] < draft.heading_level]
            markdown_path.append((draft.heading_level, draft.heading_text))
        elif draft.kind == "heading":
            sections[draft.lang] = [(draft.heading_level, draft.heading_text)]
        if markdown_path:
            parts = [h[1] for h in markdown_path[-2:]]
        else:
            parts = [article.get(draft.lang, "")] + [h[1] for h in sections[draft.lang]]
        titles.append(" › ".join(p for p in parts if p))
        if draft.kind != "furniture":
            previous_title_lang = draft.lang if draft.kind == "title" else ""
    return titles


def _link_broken_sentences(segments: list[Segment]) -> list[Segment]:
    """Link a paragraph that stops mid-sentence to where the sentence goes on.

    The report sets Japanese and English in columns, so a sentence cut at the foot of a column
    goes on in the next block of the same language, after a block of the other language or page
    furniture: 「…によ」 / English / 「る…」.
    """
    linked = list(segments)
    for i, seg in enumerate(segments):
        if seg.kind != "text" or ends_sentence(seg.text) or _AFFILIATION.search(seg.text) \
                or len(seg.text) < _OPEN_MIN[seg.lang]:
            continue
        interrupted = False
        for j in range(i + 1, len(segments)):
            other = segments[j]
            if other.kind in ("title", "heading"):
                break
            if other.lang != seg.lang or other.kind in ("furniture", "footnote", "caption"):
                interrupted = True
                continue
            if other.kind == "text" and interrupted and (
                    seg.lang == "ja" or _starts_lowercase(other.text) or len(seg.text) >= 40):
                linked[i] = replace(seg, continued_by=j)
            break
    return linked


def segment_document(doc: Document) -> list[Segment]:
    """All segments of `doc`, furniture included (marked), in document order."""
    text = doc.text
    drafts = _drafts(text)
    # Word and HTML files mark every heading; a PDF's larger type marks some (others are found
    # as in text files).
    marked = {(h.start, h.end): h.level for h in doc.headings}
    structured = doc.format in ("docx", "html") or (doc.format == "pdf" and bool(marked))
    _classify(text, drafts, marked if structured else None, plain=doc.format in ("text", "markdown"))
    titles = _titles(drafts)
    lines = LineIndex(text)
    segments = [
        Segment(doc.name, d.start, d.end, *lines.span_lines(d.start, d.end),
                lang=d.lang, kind=d.kind, text=text[d.start:d.end], title=title)
        for d, title in zip(drafts, titles)
    ]
    return _link_broken_sentences(segments)
