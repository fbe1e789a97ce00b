"""Word (.docx): paragraphs and tables in document order, headings from the paragraph styles.

A .docx file has no fixed pages (Word lays them out when it opens the file), so its citations
give the section and lines of the extracted text, not a page.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.errors import DocumentError
from ingest.extracted import Extracted, TextBuilder

_HEADING_STYLE = re.compile(r"^(?:Heading|見出し)\s*(\d)$", re.IGNORECASE)


def _heading_level(paragraph: Paragraph) -> int:
    name = paragraph.style.name if paragraph.style is not None else ""
    if name == "Title":
        return 1
    match = _HEADING_STYLE.match(name or "")
    return min(int(match.group(1)), 6) if match else 0


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        rows.append(" | ".join(cells))
    return rows


def read_docx(data: bytes) -> Extracted:
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise DocumentError(f"damaged Word file, cannot be read ({type(err).__name__}: {err})") from None
    builder = TextBuilder()
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            builder.paragraph(block.text, _heading_level(block))
        else:
            for row in _table_rows(block):
                builder.paragraph(row)
    extracted = builder.build(document.core_properties.title or "")
    if not extracted.text.strip():
        raise DocumentError("no text in it")
    return extracted
