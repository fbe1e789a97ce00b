"""A LangChain vector store over a FAISS inner-product index, persisted without pickle.

LangChain's own FAISS store saves its docstore with pickle; here the vectors go to
`faiss.write_index` and the documents stay with the caller (the chunks file), so nothing a
user could swap is ever unpickled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

# Measured with `kakehashi bench --scale` (README, "Performance and scale"): exact search of both languages
# costs about 0.27 ms per 1,000 chunks a question on two cores (26 ms at 100k, as much as
# embedding the question), so past 20,000 chunks each language gets an IVF index, which keeps
# recall@10 >= 0.97 at 0.4 ms and builds faster than HNSW (3.8 s against 5.9 s at 100k).
APPROXIMATE_FROM = 20_000
HNSW_FROM = APPROXIMATE_FROM  # the former name
IVF_NPROBE = 32  # lists searched a query: recall@10 0.975 at 100k chunks, 0.98 at 10k
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


def ivf_lists(size: int) -> int:
    return max(16, int(4 * math.sqrt(size)))


def new_faiss_index(dimension: int, expected_size: int) -> faiss.Index:
    """The index for `expected_size` vectors searched together: exact below APPROXIMATE_FROM,
    IVF (to be trained, see `fill_index`) above."""
    if expected_size >= APPROXIMATE_FROM:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, ivf_lists(expected_size),
                                   faiss.METRIC_INNER_PRODUCT)
        index.nprobe = IVF_NPROBE
        return index
    return faiss.IndexFlatIP(dimension)


def fill_index(index: faiss.Index, vectors: np.ndarray) -> faiss.Index:
    """Train (IVF: k-means on at most 64 vectors a list) and add `vectors`."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if not index.is_trained:
        sample = np.random.default_rng(0).permutation(len(vectors))[:64 * index.nlist]
        index.train(vectors[np.sort(sample)])
    if len(vectors):
        index.add(vectors)
    return index


def build_partitions(vectors: np.ndarray, langs: list[str]) -> dict[str, faiss.Index]:
    """One index per language for a large corpus ({} for a small one).

    The retriever searches each language on its own (`filter={"lang": ...}`). One approximate
    index searched with a language filter finds the other language's neighbourhood poorly
    (the two languages sit apart in embedding space): recall@10 0.5 for a single HNSW graph at
    10k and 100k chunks, against 0.97-0.99 for an index per language. A language with fewer
    than APPROXIMATE_FROM chunks gets an exact index. Rows of a partition are the language's
    chunk rows in ascending order.
    """
    if len(vectors) < APPROXIMATE_FROM:
        return {}
    column = np.array(langs)
    partitions = {}
    for lang in sorted(set(langs)):
        rows = np.flatnonzero(column == lang)
        partitions[lang] = fill_index(new_faiss_index(vectors.shape[1], len(rows)), vectors[rows])
    return partitions


class FaissStore(VectorStore):
    """Rows of the FAISS index line up with `documents`; vectors are L2-normalized."""

    def __init__(self, embedding: Embeddings, index: faiss.Index, documents: list[Document],
                 partitions: dict[str, faiss.Index] | None = None) -> None:
        if index.ntotal != len(documents):
            raise ValueError(f"FAISS index has {index.ntotal} vectors for {len(documents)} documents")
        self._embedding = embedding
        self.index = index
        self.documents = documents
        self._selectors: dict[tuple[tuple[str, Any], ...], tuple[faiss.IDSelector, int]] = {}
        # lang -> (index of that language's vectors, their rows in `index`), see build_partitions
        self.partitions: dict[str, tuple[faiss.Index, list[int]]] = {}
        for lang, part in (partitions or {}).items():
            rows = [i for i, doc in enumerate(documents) if doc.metadata.get("lang") == lang]
            if part.ntotal != len(rows):
                raise ValueError(f"FAISS partition {lang!r} has {part.ntotal} vectors for {len(rows)} rows")
            self.partitions[lang] = (part, rows)

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
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            first = self.index.ntotal
            self.index.add(vectors)
            for i, doc in enumerate(documents):
                part = self.partitions.get(doc.metadata.get("lang"))  # type: ignore[arg-type]
                if part is not None:
                    part[0].add(vectors[i:i + 1])
                    part[1].append(first + i)
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
        if filter and set(filter) == {"lang"} and filter["lang"] in self.partitions and k > 0:
            return self._search_partition(query, k, filter["lang"])
        size, params = self.index.ntotal, None
        if filter:
            selector, size = self._selector(filter)
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(96, k)) \
                if isinstance(self.index, faiss.IndexHNSW) else \
                faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe) \
                if isinstance(self.index, faiss.IndexIVF) else faiss.SearchParameters(sel=selector)
        if size == 0 or k <= 0:
            return []
        scores, rows = self.index.search(query, min(k, size), params=params)
        hits = [(self.documents[row], float(score)) for row, score in zip(rows[0], scores[0]) if row >= 0]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0].id or ""))  # equal scores: by id

    def _search_partition(self, query: np.ndarray, k: int, lang: str) -> list[tuple[Document, float]]:
        index, rows = self.partitions[lang]
        if index.ntotal == 0:
            return []
        params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k)) \
            if isinstance(index, faiss.IndexHNSW) else None  # IVF: its own nprobe
        scores, found = index.search(query, min(k, index.ntotal), params=params)
        hits = [(self.documents[rows[r]], float(score)) for r, score in zip(found[0], scores[0]) if r >= 0]
        return sorted(hits, key=lambda hit: (-hit[1], hit[0].id or ""))

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
        store = cls(embedding, faiss.IndexFlatIP(dimension), [])  # exact: any size, no training
        store.add_texts(texts, metadatas, ids=ids)
        return store

    def save_vectors(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))


def read_faiss_index(path: Path, mmap: bool = False) -> faiss.Index:
    """`mmap`: a flat index's vectors stay in the page cache, not in this process's memory."""
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC if mmap else 0)
