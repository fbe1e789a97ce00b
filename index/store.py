"""The index on disk: a folder a person can open and understand.

    manifest.json   what was indexed, with which model and settings (checked at every load)
    chunks.jsonl    one chunk a line: exact spans of the seeds
    vectors.faiss   FAISS index, row i = chunk i (exact; memory-mapped for large corpora)
    vectors-<lang>.faiss   large corpora only: an HNSW index of each language's chunks
    keywords.json   BM25 tokens of each chunk
    sentences.npz   an embedding for each sentence of the chunks (NumPy arrays, no pickle)
    parallel.json   chunk id -> id of the same passage in the other language
    documents.json  each document: format, size, hash, title, languages, where its pages start
                    and which spans are headings
    sources/NAME.txt  the text of each document, UTF-8, exactly what every offset points into
                    (for .txt and .md files a copy of the file; for PDF, Word and HTML the
                    extracted text): `kakehashi source NAME` prints it

Writes go to a temporary folder that is renamed into place, so a crash never leaves half an
index; anything missing, truncated or inconsistent raises `IndexCorruptError`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.keyword_index import KeywordIndex
from index.sentence_table import SentenceTable
from index.token_store import TokenStateStore
from index.vector_store import build_partitions, read_faiss_index
from ingest.records import Chunk

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
KEYWORDS = "keywords.json"
SENTENCES = "sentences.npz"
PARALLEL = "parallel.json"
DOCUMENTS = "documents.json"
SOURCES = "sources"


class IndexCorruptError(RuntimeError):
    """The index folder exists but cannot be used as it is."""


@dataclass
class StoredIndex:
    manifest: dict[str, Any]
    chunks: list[Chunk]
    vectors: faiss.Index
    keywords: KeywordIndex
    sentences: SentenceTable
    parallel: dict[str, str]
    partitions: dict[str, faiss.Index] = field(default_factory=dict)  # lang -> its own index
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> documents.json entry
    folder: Path | None = None
    token_states: TokenStateStore | None = None  # every sentence read by the encoder, when kept

    def source_text(self, name: str) -> str:
        """The text every offset into document `name` points into."""
        if self.folder is None or name not in self.documents:
            raise IndexCorruptError(f"no document {name!r} in the index")
        return read_source(self.folder, name)


def source_path(folder: Path, name: str) -> Path:
    if "/" in name or "\\" in name or name.startswith("."):
        raise IndexCorruptError(f"not a document name: {name!r}")
    return folder / SOURCES / f"{name}.txt"


def read_source(folder: Path, name: str) -> str:
    try:
        return source_path(folder, name).read_bytes().decode("utf-8")  # \r\n kept: offsets exact
    except (OSError, UnicodeDecodeError) as err:
        raise IndexCorruptError(f"{folder}: the text of {name} is missing or damaged ({err}); "
                                "run `kakehashi index --rebuild`") from None


def read_documents_info(folder: Path) -> dict[str, dict[str, Any]]:
    """documents.json of the index in `folder`: what each indexed document is."""
    try:
        data = json.loads((folder / DOCUMENTS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexCorruptError(f"{folder}: damaged index (documents.json: {err})") from None
    if not isinstance(data, dict):
        raise IndexCorruptError(f"{folder}: damaged index (documents.json is not an object)")
    return data


def _partition_file(lang: str) -> str:
    if not re.fullmatch(r"[a-z]{2,8}", lang):
        raise ValueError(f"not a language code: {lang!r}")
    return f"vectors-{lang}.faiss"


def write_index(folder: Path, manifest: dict[str, Any], chunks: list[Chunk],
                vectors: np.ndarray, keywords: KeywordIndex, sentences: SentenceTable,
                parallel: dict[str, str],
                documents: Sequence[tuple[dict[str, Any], str]] = (),
                token_states: TokenStateStore | None = None) -> None:
    """Write the index folder; `documents`: (documents.json entry with its "name", text) each."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(tmp / VECTORS))
        partitions = build_partitions(vectors, [chunk.lang for chunk in chunks])
        for lang, part in partitions.items():
            faiss.write_index(part, str(tmp / _partition_file(lang)))
        with open(tmp / CHUNKS, "w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
        (tmp / KEYWORDS).write_text(json.dumps(keywords.to_json(), ensure_ascii=False),
                                    encoding="utf-8")
        sentences.save(tmp / SENTENCES)
        if token_states is not None:
            token_states.save(tmp)
        (tmp / PARALLEL).write_text(json.dumps(parallel, ensure_ascii=False, indent=0),
                                    encoding="utf-8")
        (tmp / SOURCES).mkdir()
        for info, text in documents:
            source_path(tmp, info["name"]).write_text(text, encoding="utf-8", newline="")
        (tmp / DOCUMENTS).write_text(
            json.dumps({info["name"]: info for info, _ in documents}, ensure_ascii=False, indent=1),
            encoding="utf-8")
        # The manifest is written last: an index folder without one is never trusted.
        full = {**manifest, "format_version": FORMAT_VERSION, "chunk_count": len(chunks),
                "dimension": int(vectors.shape[1]), "vector_partitions": sorted(partitions)}
        (tmp / MANIFEST).write_text(json.dumps(full, ensure_ascii=False, indent=2),
                                    encoding="utf-8")
        _swap_into_place(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, folder: Path) -> None:
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    os.replace(tmp, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest, or None when there is no index; corrupt manifests raise."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise IndexCorruptError(f"{path}: unreadable manifest ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(f"{path}: not a version {FORMAT_VERSION} index manifest")
    return manifest


def read_index(folder: Path) -> StoredIndex:
    manifest = read_manifest(folder)
    if manifest is None:
        raise IndexCorruptError(f"{folder}: no index here (manifest.json missing)")
    try:
        with open(folder / CHUNKS, encoding="utf-8") as lines:
            chunks = [Chunk.from_json(json.loads(line)) for line in lines if line.strip()]
        keywords = KeywordIndex.from_json(
            json.loads((folder / KEYWORDS).read_text(encoding="utf-8")))
        if not (folder / VECTORS).is_file():
            raise FileNotFoundError(folder / VECTORS)
        langs = manifest.get("vector_partitions") or []
        vectors = read_faiss_index(folder / VECTORS, mmap=bool(langs))
        partitions = {lang: read_faiss_index(folder / _partition_file(lang)) for lang in langs}
        for lang, part in partitions.items():
            expected = sum(chunk.lang == lang for chunk in chunks)
            if part.ntotal != expected or part.d != vectors.d:
                raise ValueError(f"{_partition_file(lang)} has {part.ntotal} vectors of {part.d} "
                                 f"dimensions for {expected} chunks")
        sentences = SentenceTable.load(folder / SENTENCES)
        parallel = json.loads((folder / PARALLEL).read_text(encoding="utf-8"))
        if not isinstance(parallel, dict):
            raise ValueError("parallel.json must map chunk ids to chunk ids")
        documents = read_documents_info(folder)
        token_states = TokenStateStore.load(folder) if manifest.get("token_states") else None
        if token_states is not None and len(token_states) != manifest["token_states"].get("sentences"):
            raise ValueError(f"{len(token_states)} sentences' token states, manifest says "
                             f"{manifest['token_states'].get('sentences')}")
    except (OSError, ValueError, TypeError, KeyError, RuntimeError, EOFError,
            zipfile.BadZipFile) as err:
        raise IndexCorruptError(f"{folder}: damaged index ({type(err).__name__}: {err})") from None
    count = manifest.get("chunk_count")
    if not (len(chunks) == vectors.ntotal == len(keywords) == count):
        raise IndexCorruptError(
            f"{folder}: damaged index ({len(chunks)} chunks, {vectors.ntotal} vectors, "
            f"{len(keywords)} keyword rows, manifest says {count})")
    if vectors.d != manifest.get("dimension"):
        raise IndexCorruptError(f"{folder}: vectors have {vectors.d} dimensions, "
                                f"manifest says {manifest.get('dimension')}")
    if sentences.vectors.shape[1:] != (vectors.d,):
        raise IndexCorruptError(f"{folder}: sentence vectors do not match the passage vectors")
    return StoredIndex(manifest, chunks, vectors, keywords, sentences, parallel, partitions,
                       documents, folder, token_states)
