"""A LangChain vector store over a FAISS inner-product index, persisted without pickle.

LangChain's own FAISS store saves its docstore with pickle; here the vectors go to
`faiss.write_index` and the documents stay with the caller (the chunks file), so nothing a
user could swap is ever unpickled.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

# Exact search is fast up to tens of thousands of vectors; past that a graph index pays.
HNSW_FROM = 50_000


def new_faiss_index(dimension: int, expected_size: int) -> faiss.Index:
    if expected_size >= HNSW_FROM:
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 96
        return index
    return faiss.IndexFlatIP(dimension)


class FaissStore(VectorStore):
    """Rows of the FAISS index line up with `documents`; vectors are L2-normalized."""

    def __init__(self, embedding: Embeddings, index: faiss.Index, documents: list[Document]) -> None:
        if index.ntotal != len(documents):
            raise ValueError(f"FAISS index has {index.ntotal} vectors for {len(documents)} documents")
        self._embedding = embedding
        self.index = index
        self.documents = documents
        self._selectors: dict[tuple[tuple[str, Any], ...], tuple[faiss.IDSelector, int]] = {}

    def _selector(self, filter: dict[str, Any]) -> tuple[faiss.IDSelector, int]:
        """A FAISS id selector for the rows whose metadata match `filter` (cached)."""
        key = tuple(sorted(filter.items()))
        if key not in self._selectors:
            rows = np.array([i for i, doc in enumerate(self.documents)
                             if all(doc.metadata.get(k) == v for k, v in filter.items())],
                            dtype=np.int64)
            self._selectors[key] = (faiss.IDSelectorBatch(rows), len(rows))
        return self._selectors[key]

    @property
    def embeddings(self) -> Embeddings:
        return self._embedding

    def add_vectors(self, vectors: np.ndarray, documents: list[Document]) -> None:
        if len(vectors) != len(documents):
            raise ValueError("one vector per document")
        if len(vectors):
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            self.documents.extend(documents)
            self._selectors.clear()

    def add_texts(self, texts: Iterable[str], metadatas: list[dict[str, Any]] | None = None,
                  *, ids: list[str] | None = None, **kwargs: Any) -> list[str]:
        texts = list(texts)
        metadatas = metadatas or [{} for _ in texts]
        ids = ids or [str(len(self.documents) + i) for i in range(len(texts))]
        vectors = np.asarray(self._embedding.embed_documents(texts), dtype=np.float32)
        self.add_vectors(vectors, [Document(page_content=t, metadata=m, id=i)
                                   for t, m, i in zip(texts, metadatas, ids)])
        return ids

    def similarity_search_with_score_by_vector(
            self, embedding: list[float] | np.ndarray, k: int = 4,
            filter: dict[str, Any] | None = None, **kwargs: Any,
    ) -> list[tuple[Document, float]]:
        """Nearest documents by inner product; `filter` keeps documents whose metadata match it."""
        query = np.asarray(embedding, dtype=np.float32).reshape(1, -1)
        size, params = self.index.ntotal, None
        if filter:
            selector, size = self._selector(filter)
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(96, k)) \
                if isinstance(self.index, faiss.IndexHNSW) else faiss.SearchParameters(sel=selector)
        if size == 0 or k <= 0:
            return []
        scores, rows = self.index.search(query, min(k, size), params=params)
        hits = [(self.documents[row], float(score)) for row, score in zip(rows[0], scores[0]) if row >= 0]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0].id or ""))  # equal scores: by id

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4,
                                    **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score_by_vector(embedding, k)]

    def similarity_search_with_score(self, query: str, k: int = 4,
                                     **kwargs: Any) -> list[tuple[Document, float]]:
        return self.similarity_search_with_score_by_vector(self._embedding.embed_query(query), k)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k)]

    def _select_relevance_score_fn(self):
        return lambda score: score  # cosine of normalized vectors is already a relevance

    @classmethod
    def from_texts(cls, texts: list[str], embedding: Embeddings,
                   metadatas: list[dict[str, Any]] | None = None, *,
                   ids: list[str] | None = None, **kwargs: Any) -> FaissStore:
        dimension = len(embedding.embed_query("dimension probe"))
        store = cls(embedding, new_faiss_index(dimension, len(texts)), [])
        store.add_texts(texts, metadatas, ids=ids)
        return store

    def save_vectors(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))


def read_faiss_index(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))
