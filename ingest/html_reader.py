"""HTML: the main content of a page (trafilatura), without navigation, scripts, styles or footers.

trafilatura (Apache-2.0) finds the main content and gives it back as XML: headings, paragraphs,
lists, tables and quotes, which become paragraphs of the text and headings of its sections.
"""

from __future__ import annotations

import logging

import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from ingest.errors import DocumentError
from ingest.extracted import Extracted, TextBuilder

logging.getLogger("trafilatura").setLevel(logging.ERROR)

# Short pages keep their structure (trafilatura otherwise falls back to a flat text below 250
# characters), and the size limit is ours (`limits.max_document_mb`), checked before reading.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
_CONFIG.set("DEFAULT", "MAX_FILE_SIZE", str(2**40))

_BLOCKS = {"p", "item", "quote", "code", "row"}


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _walk(element: etree._Element, builder: TextBuilder) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "head":
            rend = child.get("rend", "h2")
            level = int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 2
            builder.paragraph(_text(child), min(max(level, 1), 6))
        elif tag == "row":
            cells = [_text(cell) for cell in child if _text(cell)]
            builder.paragraph(" | ".join(cells))
        elif tag in _BLOCKS and not any(isinstance(c.tag, str) and c.tag in _BLOCKS | {"list"}
                                        for c in child):
            builder.paragraph(_text(child))
        else:
            _walk(child, builder)


def read_html(data: bytes) -> Extracted:
    try:
        xml = trafilatura.extract(data, output_format="xml", include_comments=False,
                                  include_tables=True, include_images=False, include_links=False,
                                  with_metadata=True, favor_recall=True, config=_CONFIG)
    except Exception as err:  # trafilatura wraps lxml; a page it cannot parse is damaged
        raise DocumentError(f"damaged HTML, cannot be read ({type(err).__name__}: {err})") from None
    if not xml:
        raise DocumentError("no main text found in the page")
    root = etree.fromstring(xml.encode("utf-8"))
    builder = TextBuilder()
    for main in root.iter("main"):
        _walk(main, builder)
    extracted = builder.build(root.get("title") or "")
    if not extracted.text.strip():
        raise DocumentError("no main text found in the page")
    return extracted
