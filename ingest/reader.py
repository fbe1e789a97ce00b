"""Reading source documents: strict UTF-8, so that character offsets mean one thing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ingest.records import Document

SOURCE_SUFFIXES = (".txt", ".md")
CATALOG_NAME = "catalog.json"
MAX_DOCUMENT_BYTES = 50_000_000


class DocumentError(ValueError):
    """A source document that cannot be read as it is."""


def read_document(path: Path) -> Document:
    data = path.read_bytes()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{path.name}: {len(data):,} bytes is more than {MAX_DOCUMENT_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DocumentError(
            f"{path.name}: not valid UTF-8 at byte {err.start} ({err.reason}); "
            "save the file as UTF-8 and index again"
        ) from None
    if "\x00" in text:
        raise DocumentError(f"{path.name}: contains NUL characters; is it really a text file?")
    return Document(name=path.name, text=text, sha256=hashlib.sha256(data).hexdigest())


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
