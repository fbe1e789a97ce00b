"""Passage vectors in Milvus (Milvus Lite file or a cluster), through langchain-milvus.

The index folder stays the source of truth: chunks, keyword index, sentence table and the
manifest are local; Milvus holds one row per chunk (its vector, chunk id, language and text)
and is brought in line with the index at start-up:

- a row's primary key is a hash of the chunk id and the text that was embedded, so an edited
  passage is a new row and an unchanged one is never sent again;
- the collection name carries the model, so vectors of two models never mix;
- a small state file records what was last synced; when it matches, start-up costs one
  `has_collection` call, otherwise the collection's keys are read, stale rows are deleted and
  missing rows inserted in batches (`insert_batch`).

Searches go through `similarity_search_with_score_by_vector(vector, k, filter={"lang": "en"})`
like the FAISS store: the filter becomes a Milvus boolean expression (`lang == "en"`) and the
score is the inner product of normalized vectors (cosine, higher is better).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_milvus import Milvus

from index.builder import embedding_text
from ingest.records import Chunk

PRIMARY = "pk"
QUERY_BATCH = 10_000  # keys read per page when comparing a collection with the index


def is_local_uri(uri: str) -> bool:
    """A Milvus Lite file (a path ending in .db) rather than a server address."""
    return "://" not in uri


def filter_expr(filter: dict[str, Any]) -> str:
    """{"lang": "en", "year": 2020} -> 'lang == "en" and year == 2020' (a Milvus expression)."""
    parts = []
    for key, value in sorted(filter.items()):
        if not key.isidentifier():
            raise ValueError(f"not a field name: {key!r}")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"filter on {key!r}: only strings and numbers are supported")
        parts.append(f"{key} == {json.dumps(value, ensure_ascii=False)}")
    return " and ".join(parts)


def row_key(chunk: Chunk) -> str:
    return hashlib.sha256(f"{chunk.id}\x00{embedding_text(chunk)}".encode()).hexdigest()[:32]


def collection_name(prefix: str, model_key: str, dimension: int) -> str:
    digest = hashlib.sha256(f"{model_key}\x00{dimension}".encode()).hexdigest()[:12]
    return f"{prefix}_{digest}"


class MilvusStore(Milvus):
    """langchain-milvus's store, answering the calls `HybridRetriever` makes of a store."""

    def similarity_search_with_score_by_vector(  # type: ignore[override]
            self, embedding: list[float] | np.ndarray, k: int = 4, param: dict | None = None,
            expr: str | None = None, timeout: float | None = None,
            filter: dict[str, Any] | None = None, **kwargs: Any,
    ) -> list[tuple[Document, float]]:
        if filter:
            expr = filter_expr(filter) if expr is None else f"({expr}) and ({filter_expr(filter)})"
        if k <= 0:
            return []
        vector = np.asarray(embedding, dtype=np.float32).ravel().tolist()
        hits = super().similarity_search_with_score_by_vector(
            vector, k=k, param=param, expr=expr, timeout=timeout, **kwargs)
        found = [(Document(page_content=doc.page_content, metadata=doc.metadata,
                           id=doc.metadata.get("chunk_id")), float(score)) for doc, score in hits]
        return sorted(found, key=lambda hit: (-hit[1], hit[0].id or ""))  # equal scores: by id

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4,  # type: ignore[override]
                                    **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score_by_vector(embedding, k, **kwargs)]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        return lambda score: score  # inner product of normalized vectors: a cosine already

    # --- keeping the collection in line with the index ---------------------------------------

    def stored_keys(self) -> set[str]:
        if not self.client.has_collection(self.collection_name):
            return set()
        keys: set[str] = set()
        iterator = self.client.query_iterator(self.collection_name, batch_size=QUERY_BATCH,
                                              filter="", output_fields=[PRIMARY])
        try:
            while page := iterator.next():
                keys.update(row[PRIMARY] for row in page)
        finally:
            iterator.close()
        return keys

    def sync(self, chunks: list[Chunk], vectors: np.ndarray | Callable[[list[int]], np.ndarray],
             batch: int, log: Callable[[str], None]) -> tuple[int, int]:
        """Delete rows no chunk has, insert the chunks it lacks: (inserted, deleted)."""
        wanted = {row_key(chunk): row for row, chunk in enumerate(chunks)}
        stored = self.stored_keys()
        stale = sorted(stored - wanted.keys())
        missing = [row for key, row in wanted.items() if key not in stored]
        for start in range(0, len(stale), batch):
            self.client.delete(self.collection_name, ids=stale[start:start + batch])
        if missing:
            log(f"Loading {len(missing)} vectors into Milvus collection {self.collection_name} ...")
        for start in range(0, len(missing), batch):
            rows = missing[start:start + batch]
            part = vectors(rows) if callable(vectors) else vectors[rows]
            self.add_embeddings(
                [chunks[r].text for r in rows], np.asarray(part, dtype=np.float32).tolist(),
                [{"chunk_id": chunks[r].id, "lang": chunks[r].lang, "doc": chunks[r].doc} for r in rows],
                ids=[row_key(chunks[r]) for r in rows], batch_size=batch)
        if stale or missing:
            self.client.flush(self.collection_name)
        return len(missing), len(stale)


def faiss_rows(index: faiss.Index) -> Callable[[list[int]], np.ndarray]:
    """Rows of a FAISS index as vectors (flat, HNSW and IVF indexes alike)."""
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()

    def rows(ids: list[int]) -> np.ndarray:
        return np.vstack([index.reconstruct(int(i)) for i in ids]) if ids \
            else np.zeros((0, index.d), dtype=np.float32)

    return rows


def _state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_state(path: Path | None, state: dict[str, Any]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state, out)
        os.replace(tmp, path)
    except OSError:
        pass  # without the state file the next start compares keys again: slower, still right


def open_milvus_store(embedding: Embeddings, chunks: list[Chunk], vectors: faiss.Index | np.ndarray, *,
                      uri: str, collection: str, model_key: str, token: str | None = None,
                      index_type: str = "", insert_batch: int = 1000, state_path: Path | None = None,
                      log: Callable[[str], None] = lambda message: None) -> MilvusStore:
    """A Milvus store holding exactly the vectors of `chunks` (synced when it does not)."""
    dimension = int(vectors.d if isinstance(vectors, faiss.Index) else vectors.shape[1])
    name = collection_name(collection, model_key, dimension)
    connection: dict[str, Any] = {"uri": uri}
    if token:
        connection["token"] = token
    if is_local_uri(uri):
        if not uri.endswith(".db"):
            raise ValueError(f"Milvus Lite needs a file name ending in .db, not {uri!r}")
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    kind = index_type or ("FLAT" if is_local_uri(uri) else "AUTOINDEX")
    store = MilvusStore(
        embedding, collection_name=name, connection_args=connection,
        index_params={"index_type": kind, "metric_type": "IP", "params": {}},
        search_params={"metric_type": "IP", "params": {}},
        consistency_level="Strong", auto_id=False, primary_field=PRIMARY)
    digest = hashlib.sha256("\n".join(sorted(row_key(c) for c in chunks)).encode()).hexdigest()
    target = {"uri": uri, "collection": name, "rows": digest}
    if _state(state_path) == target and (not chunks or store.client.has_collection(name)):
        return store
    rows = faiss_rows(vectors) if isinstance(vectors, faiss.Index) else vectors
    store.sync(chunks, rows, insert_batch, log)
    _save_state(state_path, target)
    return store
