"""The index on disk: a folder a person can open and understand.

    manifest.json   what was indexed, with which model and settings (checked at every load)
    chunks.jsonl    one chunk a line: exact spans of the seeds
    vectors.faiss   FAISS index, row i = chunk i
    keywords.json   BM25 tokens of each chunk
    sentences.npz   an embedding for each sentence of the chunks (NumPy arrays, no pickle)
    parallel.json   chunk id -> id of the same passage in the other language

Writes go to a temporary folder that is renamed into place, so a crash never leaves half an
index; anything missing, truncated or inconsistent raises `IndexCorruptError`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.keyword_index import KeywordIndex
from index.sentence_table import SentenceTable
from index.vector_store import new_faiss_index, read_faiss_index
from ingest.records import Chunk

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
KEYWORDS = "keywords.json"
SENTENCES = "sentences.npz"
PARALLEL = "parallel.json"


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


def write_index(folder: Path, manifest: dict[str, Any], chunks: list[Chunk],
                vectors: np.ndarray, keywords: KeywordIndex, sentences: SentenceTable,
                parallel: dict[str, str]) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        index = new_faiss_index(vectors.shape[1], len(vectors))
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(tmp / VECTORS))
        with open(tmp / CHUNKS, "w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(json.dumps(chunk.to_json(), ensure_ascii=False) + "\n")
        (tmp / KEYWORDS).write_text(json.dumps(keywords.to_json(), ensure_ascii=False),
                                    encoding="utf-8")
        sentences.save(tmp / SENTENCES)
        (tmp / PARALLEL).write_text(json.dumps(parallel, ensure_ascii=False, indent=0),
                                    encoding="utf-8")
        # The manifest is written last: an index folder without one is never trusted.
        full = {**manifest, "format_version": FORMAT_VERSION, "chunk_count": len(chunks),
                "dimension": int(vectors.shape[1])}
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
        vectors = read_faiss_index(folder / VECTORS)
        sentences = SentenceTable.load(folder / SENTENCES)
        parallel = json.loads((folder / PARALLEL).read_text(encoding="utf-8"))
        if not isinstance(parallel, dict):
            raise ValueError("parallel.json must map chunk ids to chunk ids")
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
    return StoredIndex(manifest, chunks, vectors, keywords, sentences, parallel)
