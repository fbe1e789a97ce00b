"""Adding and removing documents of the documents folder: what the web app's uploads do.

An upload is checked as a file of the folder is (its type told by its content, the size limit,
read by its reader: a file that cannot be read is refused with the reason and never stored),
stored under a cleaned name that cannot leave the folder, and never over another file. Removing
a document moves its file out of the folder into `<data_dir>/removed/`; nothing is deleted.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

from app.inputs import is_loopback
from ingest.formats import CANONICAL_SUFFIX, SUFFIX_FORMATS
from ingest.reader import DocumentError, read_document_bytes, source_files, too_large
from ingest.records import Document

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_MAX_STEM = 100


def uploads_allowed(mode: str, host: str, auth: tuple[str, str] | None) -> bool:
    """Whether the web app may add and remove documents: `server.uploads` on or off, or auto:
    on when the server listens on loopback only, or when basic auth is on."""
    if mode in ("on", "off"):
        return mode == "on"
    if auth is not None:
        return True
    return is_loopback(host)


def safe_name(original: str, fmt: str) -> str:
    """A file name for an upload: no folders, no control or reserved characters, not hidden,
    and a suffix that says its format (so that the folder reads it again as what it is)."""
    name = unicodedata.normalize("NFC", re.split(r"[\\/]", original)[-1])
    name = " ".join(_UNSAFE.sub("_", name).split()).strip(" .")
    path = PurePath(name)
    stem, suffix = (path.stem, path.suffix) if SUFFIX_FORMATS.get(path.suffix.lower()) == fmt \
        else (name, CANONICAL_SUFFIX[fmt])  # type: ignore[index]
    stem = stem.lstrip(".").strip()[:_MAX_STEM].strip() or "document"
    return stem + suffix


@dataclass
class UploadReport:
    added: list[str] = field(default_factory=list)  # names as stored
    refused: list[str] = field(default_factory=list)  # "name: why"
    documents: list[Document] = field(default_factory=list)  # what was read from each added file


class DocumentsFolder:
    """The documents folder, as the web app changes it."""

    def __init__(self, folder: Path, removed_dir: Path, max_bytes: int) -> None:
        self.folder = folder
        self.removed_dir = removed_dir
        self.max_bytes = max_bytes

    def _inside(self, name: str) -> Path:
        path = self.folder / name
        if PurePath(name).name != name or name.startswith(".") or \
                path.resolve().parent != self.folder.resolve():
            raise DocumentError(f"{name}: not a file name of the documents folder")
        return path

    def add(self, original_name: str, source: Path) -> str:
        """Store the uploaded file `source` (named `original_name` by the user): its stored name."""
        return self.add_document(original_name, source).name

    def add_document(self, original_name: str, source: Path) -> Document:
        """Store the uploaded file `source`: the document read from it, under its stored name."""
        shown = PurePath(re.split(r"[\\/]", original_name)[-1]).name or "upload"
        reason = too_large(source.stat().st_size, self.max_bytes)
        if reason:
            raise DocumentError(f"{shown}: {reason}")
        data = source.read_bytes()
        doc = read_document_bytes(shown, data, self.max_bytes)  # refused here if it cannot be read
        name = safe_name(shown, doc.format)
        stem, suffix = PurePath(name).stem, PurePath(name).suffix
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self._inside(name).with_name(f".upload-{uuid.uuid4().hex}{suffix}")
        tmp.write_bytes(data)
        try:
            for n in range(1, 1000):
                target = self._inside(name if n == 1 else f"{stem} ({n}){suffix}")
                if target.exists() and target.read_bytes() == data:
                    raise DocumentError(f"{shown}: already in the documents folder as {target.name}")
                try:
                    os.link(tmp, target)  # never replaces a file that is there
                    return replace(doc, name=target.name)
                except FileExistsError:
                    continue
            raise DocumentError(f"{shown}: too many files of that name")
        finally:
            tmp.unlink(missing_ok=True)

    def add_many(self, uploads: list[tuple[str, Path]]) -> UploadReport:
        report = UploadReport()
        for original, path in uploads:
            try:
                doc = self.add_document(original, path)
                report.added.append(doc.name)
                report.documents.append(doc)
            except DocumentError as err:
                report.refused.append(str(err))
            except OSError as err:
                report.refused.append(f"{PurePath(original).name}: cannot be stored ({err.strerror})")
        return report

    def remove(self, name: str) -> Path:
        """Move document `name` out of the folder (into the removed folder): where it went."""
        path = self._inside(name)
        if path not in source_files(self.folder):
            raise DocumentError(f"{name}: no such document in the documents folder")
        self.removed_dir.mkdir(parents=True, exist_ok=True)
        target = self.removed_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}-{name}"
        shutil.move(path, target)
        return target
