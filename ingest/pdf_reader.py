"""PDF: the text of every page in reading order, with where each page starts.

pdfminer.six (MIT) finds the characters, lines and text boxes of each page; the order is ours:
side-by-side boxes are read column by column (two-column pages are never interleaved line by
line), the lines of a box are joined (without a space between Japanese characters, with words
broken by a hyphen joined again), a paragraph cut by a column or page break is joined again,
and page headers, footers and page numbers are left out. Larger type makes a heading.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTChar, LTPage, LTTextBox, LTTextLine
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from ingest.errors import DocumentError
from ingest.extracted import Extracted, TextBuilder, clean_line
from ingest.lang import detect_lang, has_japanese
from ingest.sentences import ends_sentence

logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings are not the user's concern

# Characters closer than one character width make a line: a gutter between columns (usually
# two characters or more) keeps the columns apart.
_LAYOUT = LAParams(char_margin=1.0, line_margin=0.5, word_margin=0.1, boxes_flow=None)
# Header and footer zones (share of the page height), and the outer band only furniture uses.
_ZONE = 0.12
_EDGE = 0.05
_FURNITURE_MAX_CHARS = 100
_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]?\s*\d{1,4}\s*[-–—]?|\d{1,4}\s*(?:/|of)\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}"
    r"|\d{1,4}\s*(?:ページ|頁))$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
# A box spanning more than this share of the page width is not in a column.
_FULL_WIDTH = 0.55
_HEADING_SCALE = 1.2
_HEADING_MAX_CHARS = 150
_MAX_HEADING_LEVELS = 6
# Shorter open paragraphs are labels, not sentences cut by a column or page break.
_OPEN_MIN = 20
_TAIL = 400


@dataclass
class _Box:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    lines: list[str]
    size: float
    heading_level: int = 0

    @property
    def text(self) -> str:
        return join_lines(self.lines)


@dataclass
class _Page:
    """What is kept of a page once laid out: its size and its text boxes (not every character)."""

    width: float
    height: float
    boxes: list[_Box]


# Layouts set a little space between Japanese and digits (2021 年); it is not a space in the text.
_KANA_KANJI = "\u3040-\u30ff\u3400-\u9fff"
_AUTOSPACE = re.compile(rf"(?<=[{_KANA_KANJI}])[ \u00a0](?=\d)|(?<=\d)[ \u00a0](?=[{_KANA_KANJI}])")


def _joiner(left: str, right: str) -> str:
    return "" if has_japanese(left[-1:]) or has_japanese(right[:1]) else " "


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one line: words broken by a hyphen at a line end joined again."""
    text = ""
    for raw in lines:
        line = clean_line(raw)  # look-alikes first: ⽂ (a radical) must join as 文 does
        if not line:
            continue
        if not text:
            text = line
        elif text.endswith("\u00ad") or (text.endswith("-") and text[-2:-1].isalpha()
                                         and line[:1].islower()):
            text = text[:-1] + line
        else:
            text += _joiner(text, line) + line
    return _AUTOSPACE.sub("", text)


def _char_size(line: LTTextLine) -> list[float]:
    return [round(ch.size, 1) for ch in line if isinstance(ch, LTChar) and ch.get_text().strip()]


def _boxes(page: LTPage, number: int) -> list[_Box]:
    boxes = []
    for element in page:
        if not isinstance(element, LTTextBox):
            continue
        lines = [ln for ln in element if isinstance(ln, LTTextLine)]
        texts = [ln.get_text() for ln in lines]
        sizes = sorted(s for ln in lines for s in _char_size(ln))
        if not any(clean_line(t) for t in texts) or not sizes:
            continue
        boxes.append(_Box(number, *element.bbox, texts, sizes[len(sizes) // 2]))
    return boxes


def _zone(box: _Box, height: float) -> str:
    if box.y0 >= height * (1 - _ZONE):
        return "top"
    if box.y1 <= height * _ZONE:
        return "bottom"
    return ""


def _body_size(boxes: list[_Box]) -> float:
    """The type size most of the text is set in."""
    weights: Counter[float] = Counter()
    for box in boxes:
        weights[box.size] += len(box.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _furniture(pages: list[_Page], body: float) -> set[int]:
    """Ids of the boxes that are page headers, footers or page numbers.

    Headings set larger than the text are never furniture, even when every page opens with one
    (`第1章`, `第2章`, ... look alike once their numbers are set aside).
    """
    candidates = []
    for page in pages:
        for box in page.boxes:
            zone = _zone(box, page.height)
            text = clean_line(box.text)
            heading = box.size >= body * _HEADING_SCALE and not _PAGE_NUMBER.match(text)
            if zone and not heading and len(box.lines) <= 2 and len(text) <= _FURNITURE_MAX_CHARS:
                candidates.append((box, zone, text, page.height))
    # A header or footer comes back on other pages, the same but for its numbers.
    seen = {(box.page, zone, _DIGITS.sub("#", text)) for box, zone, text, _ in candidates}
    shapes = Counter((zone, shape) for _, zone, shape in seen)
    found = set()
    for box, zone, text, height in candidates:
        repeated = shapes[(zone, _DIGITS.sub("#", text))] >= 2
        at_edge = box.y0 >= height * (1 - _EDGE) or box.y1 <= height * _EDGE
        if repeated or at_edge or _PAGE_NUMBER.match(text):
            found.add(id(box))
    return found


def _beside(a: _Box, b: _Box) -> bool:
    """Whether two boxes share some height and no width: in different columns."""
    return a.y0 < b.y1 and b.y0 < a.y1 and (a.x1 <= b.x0 or b.x1 <= a.x0)


def _side_by_side(boxes: list[_Box]) -> bool:
    return any(_beside(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def _columns(band: list[_Box]) -> list[_Box]:
    """Boxes between two that span the columns: column by column when some sit side by side."""
    if not _side_by_side(band):
        return sorted(band, key=lambda b: -b.y1)
    columns: list[list[_Box]] = []
    right = float("-inf")
    for box in sorted(band, key=lambda b: b.x0):
        if columns and box.x0 < right:
            columns[-1].append(box)
            right = max(right, box.x1)
        else:
            columns.append([box])
            right = box.x1
    return [box for column in columns for box in sorted(column, key=lambda b: -b.y1)]


def _reading_order(boxes: list[_Box], width: float, body: float) -> list[_Box]:
    """Top to bottom, in bands separated by boxes that span the columns: full-width ones, and
    headings with nothing beside them (a new section whose columns start below its heading)."""
    ordered: list[_Box] = []
    band: list[_Box] = []
    for box in sorted(boxes, key=lambda b: -b.y1):
        heading = box.size >= body * _HEADING_SCALE and not any(_beside(box, b) for b in boxes)
        if box.x1 - box.x0 > width * _FULL_WIDTH or heading:
            ordered += [*_columns(band), box]
            band = []
        else:
            band.append(box)
    return ordered + _columns(band)


def _mark_headings(boxes: list[_Box], body: float) -> None:
    """Boxes in type clearly larger than the body text are headings, the largest level 1."""
    heads = [b for b in boxes if b.size >= body * _HEADING_SCALE and len(b.lines) <= 3
             and len(b.text) <= _HEADING_MAX_CHARS]
    sizes = sorted({b.size for b in heads}, reverse=True)
    for box in heads:
        box.heading_level = min(sizes.index(box.size) + 1, _MAX_HEADING_LEVELS)


def _continues(previous: _Box | None, box: _Box, previous_text: str, text: str) -> bool:
    """Whether `box` goes on with the sentence `previous` left open (across a column or page)."""
    if previous is None or previous.heading_level or box.heading_level:
        return False
    if ends_sentence(previous_text) or len(previous_text) < _OPEN_MIN:
        return False
    if detect_lang(previous_text) != detect_lang(text):
        return False
    return detect_lang(text) == "ja" or text[:1].islower()


def _title(document: PDFDocument) -> str:
    for info in document.info:
        raw = resolve1(info.get("Title")) if isinstance(info, dict) else None
        if isinstance(raw, bytes):
            return decode_text(raw)
        if isinstance(raw, str):
            return raw
    return ""


def read_pdf(data: bytes) -> Extracted:
    try:
        parser = PDFParser(io.BytesIO(data))
        document = PDFDocument(parser)
        manager = PDFResourceManager(caching=True)
        device = PDFPageAggregator(manager, laparams=_LAYOUT)
        interpreter = PDFPageInterpreter(manager, device)
        pages = []
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            interpreter.process_page(page)
            layout = device.get_result()
            pages.append(_Page(layout.width, layout.height, _boxes(layout, number)))
        title = _title(document)
    except PDFEncryptionError:
        raise DocumentError("protected by a password (or encrypted in a way that cannot be read)") from None
    except Exception as err:  # pdfminer raises many kinds on damaged files
        raise DocumentError(f"damaged PDF, cannot be read ({type(err).__name__}: {err})") from None
    if not pages:
        raise DocumentError("a PDF without pages")
    body = _body_size([b for page in pages for b in page.boxes])
    furniture = _furniture(pages, body)
    for page in pages:
        page.boxes = [b for b in page.boxes if id(b) not in furniture]
    _mark_headings([b for page in pages for b in page.boxes], body)
    builder = TextBuilder()
    previous: _Box | None = None
    previous_text = ""
    for page in pages:
        builder.new_page()
        for box in _reading_order(page.boxes, page.width, body):
            text = clean_line(box.text)
            if not text:
                continue
            if _continues(previous, box, previous_text, text):
                builder.continue_paragraph(text, _joiner(previous_text, text))
                # the paragraph's end is what the next box is compared with
                previous_text = (previous_text + _joiner(previous_text, text) + text)[-_TAIL:]
            else:
                builder.paragraph(text, box.heading_level)
                previous_text = text
            previous = box
    extracted = builder.build(title)
    if not extracted.text.strip():
        raise DocumentError("no text in it: a scanned or image-only PDF "
                            "(text recognition, OCR, is not supported)")
    return extracted
