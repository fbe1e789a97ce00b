"""What a file is, told by its content first and its name second."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from ingest.errors import DocumentError
from ingest.records import DocFormat

# The files of a documents folder that are read; anything else there is left alone.
SUFFIX_FORMATS: dict[str, DocFormat] = {
    ".txt": "text", ".md": "markdown", ".markdown": "markdown",
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html",
}
SOURCE_SUFFIXES = tuple(SUFFIX_FORMATS)
# The suffix a file of each format gets when it is stored under a name that lacks one.
CANONICAL_SUFFIX: dict[DocFormat, str] = {
    "text": ".txt", "markdown": ".md", "pdf": ".pdf", "docx": ".docx", "html": ".html"}
_HEAD = 1024
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def detect_format(name: str, data: bytes) -> DocFormat:
    """The format of a file from its bytes; its suffix decides only between kinds of text."""
    head = data[:_HEAD].removeprefix(b"\xef\xbb\xbf")
    suffix = PurePath(name).suffix.lower()
    # A PDF starts with %PDF-; readers accept some bytes before it, in a file named .pdf.
    if head.lstrip().startswith(b"%PDF-") or (b"%PDF-" in head and suffix == ".pdf"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if _is_docx(data):
            return "docx"
        raise DocumentError("a ZIP archive that is not a Word .docx document")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentError("an old binary Office file (.doc, .xls, .ppt): save it as .docx")
    if _HTML_START.match(head) and suffix not in (".txt", ".md", ".markdown"):
        return "html"
    if suffix in (".pdf", ".docx"):
        raise DocumentError(f"not a {suffix[1:].upper()} file: its content does not start like one")
    if suffix in (".html", ".htm"):
        return "html"
    return "markdown" if suffix in (".md", ".markdown") else "text"
