"""Reading source documents: one reader a format, all behind `read_document`.

Text and Markdown are read as strict UTF-8 and kept exactly as they are, so that character
offsets mean one thing; PDF, Word and HTML files are turned into text by their readers
(`ingest/*_reader.py`), with where each page starts and which spans are headings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import DocumentError
from ingest.extracted import Extracted
from ingest.formats import SOURCE_SUFFIXES, detect_format
from ingest.records import DocFormat, Document

__all__ = ["SOURCE_SUFFIXES", "CatalogEntry", "DocumentError", "read_catalog", "read_document",
           "read_document_bytes", "source_files"]

CATALOG_NAME = "catalog.json"
MAX_DOCUMENT_BYTES = 50_000_000


def read_text(data: bytes) -> Extracted:
    """A text or Markdown file: the file itself, decoded as strict UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DocumentError(
            f"not valid UTF-8 at byte {err.start} ({err.reason}); "
            "save the file as UTF-8 and index again"
        ) from None
    if "\x00" in text:
        raise DocumentError("contains NUL characters; is it really a text file?")
    if not text.strip():
        raise DocumentError("empty: no text in it")
    return Extracted(text)


def _reader(fmt: DocFormat) -> Callable[[bytes], Extracted]:
    """The reader of a format (imported when first needed: PDF and HTML readers are large)."""
    if fmt == "pdf":
        from ingest.pdf_reader import read_pdf

        return read_pdf
    if fmt == "docx":
        from ingest.docx_reader import read_docx

        return read_docx
    if fmt == "html":
        from ingest.html_reader import read_html

        return read_html
    return read_text


def too_large(size: int, max_bytes: int) -> str | None:
    """Why a file of `size` bytes is refused, or None."""
    if size > max_bytes:
        return f"{size:,} bytes is more than the limit of {max_bytes:,} (setting limits.max_document_mb)"
    return None


def read_document_bytes(name: str, data: bytes, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """A document from a file's bytes; DocumentError says, with the name, why it cannot be read."""
    try:
        reason = too_large(len(data), max_bytes)
        if reason:
            raise DocumentError(reason)
        if not data.strip():
            raise DocumentError("empty file")
        fmt = detect_format(name, data)
        extracted = _reader(fmt)(data)
    except DocumentError as err:
        raise DocumentError(f"{name}: {err}") from None
    return Document(name=name, text=extracted.text, sha256=hashlib.sha256(data).hexdigest(),
                    format=fmt, pages=extracted.pages, headings=extracted.headings,
                    title=extracted.title, size=len(data))


def read_document(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    size = path.stat().st_size
    reason = too_large(size, max_bytes)
    if reason:  # refused before a byte of it is read
        raise DocumentError(f"{path.name}: {reason}")
    return read_document_bytes(path.name, path.read_bytes(), max_bytes)


def source_files(folder: Path) -> list[Path]:
    """The files of `folder` that are indexed, in a stable order."""
    if not folder.is_dir():
        raise DocumentError(f"{folder}: no such folder of source documents")
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES and not p.name.startswith(".")
    )


@dataclass(frozen=True)
class CatalogEntry:
    """What the app shows about a document: kept beside the seeds, one entry a file."""

    doc: str
    title: str
    publisher: str = ""
    year: int | None = None
    languages: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"doc": self.doc, "title": self.title, "publisher": self.publisher,
                "year": self.year, "languages": list(self.languages)}


def read_catalog(folder: Path) -> dict[str, CatalogEntry]:
    """The catalog of `folder`, or an empty one; files it does not list get a derived title."""
    path = folder / CATALOG_NAME
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            name: CatalogEntry(doc=name, title=str(entry["title"]),
                               publisher=str(entry.get("publisher", "")),
                               year=entry.get("year"),
                               languages=tuple(entry.get("languages", ())))
            for name, entry in raw.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise DocumentError(f"{path}: malformed catalog ({err})") from None
