"""Hybrid retrieval: dense (FAISS) and keyword (BM25) rankings joined by reciprocal rank fusion."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore
from pydantic import ConfigDict, Field

from index.embedder import Embedder
from index.keyword_index import KeywordIndex
from index.tokenizer import KeywordTokenizer
from ingest.lang import detect_lang
from ingest.records import Chunk


@dataclass(frozen=True)
class FusionParams:
    """How the dense and keyword rankings are joined (the `[retrieval]` settings)."""

    candidates: int = 30  # how deep each ranking is read before fusing
    # Chosen on the public tuning split (`python -m eval.training --fusion`): passage hit@1 0.787
    # (English) and 0.780 (Japanese), against 0.800 / 0.743 at keyword weight 0.5; keyword hits in
    # the other language than the question at 0.25: 0.730 / 0.561 on the hand-written cross-lingual
    # tuning questions, against 0.703 / 0.537 at 1.0 (0 was one question better, but would drop
    # the names and acronyms that only keywords match across languages).
    rrf_k: int = 10
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    # Keyword hits in the other language than the question can only match names and numbers:
    # mostly noise in the ranking, so they weigh less.
    cross_keyword_weight: float = 0.25
    # 1.0 removes the same-language advantage of dense scores entirely; 0 keeps raw cosines.
    language_centering: float = 1.0


@dataclass(frozen=True)
class Retrieved:
    chunk: Chunk
    score: float  # fused reciprocal-rank score
    dense: float | None = None  # cosine similarity, when the dense side found it
    keyword: float | None = None  # BM25, when the keyword side found it


@dataclass
class SearchResult:
    query: str
    hits: list[Retrieved]
    timings_ms: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None  # the query embedding, for scoring sentences afterwards


def reciprocal_rank_fusion(rankings: list[tuple[list[str], float]], rrf_k: int) -> dict[str, float]:
    """score(id) = sum over rankings of weight / (rrf_k + rank), ranks from 1."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, key in enumerate(ids, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (rrf_k + rank)
    return fused


class HybridRetriever(BaseRetriever):
    """A LangChain retriever: `invoke(question)` returns Documents with the chunk in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embedder: Embedder
    vector_store: VectorStore
    keywords: KeywordIndex
    tokenizer: KeywordTokenizer
    chunks: list[Chunk]
    fusion: FusionParams = FusionParams()
    k: int  # the settings' (`RetrievalSettings.k`)
    language_centroids: dict[str, Any] = Field(default_factory=dict)

    def search(self, query: str, k: int | None = None) -> SearchResult:
        started = time.perf_counter()
        vector = self.embedder.encode_query(query)
        embedded = time.perf_counter()
        result = self.search_by_vector(query, vector, k)
        result.timings_ms["embed"] = (embedded - started) * 1000
        result.timings_ms["search"] = (time.perf_counter() - started) * 1000
        return result

    def search_by_vector(self, query: str, vector: np.ndarray, k: int | None = None) -> SearchResult:
        """`search` with the query already embedded (many queries embedded in one batch)."""
        k = self.k if k is None else k
        timings: dict[str, float] = {}
        started = mark = time.perf_counter()
        dense = self._dense(vector)
        timings["dense"] = (time.perf_counter() - mark) * 1000
        mark = time.perf_counter()
        keyword_hits = self.keywords.top(self.tokenizer.tokenize(query), self.fusion.candidates)
        keyword = {self.chunks[row].id: score for row, score in keyword_hits}
        timings["keyword"] = (time.perf_counter() - mark) * 1000
        lang = detect_lang(query)
        by_id = self._chunks_by_id()
        same = [key for key in keyword if by_id[key].lang == lang]
        other = [key for key in keyword if by_id[key].lang != lang]
        fused = reciprocal_rank_fusion(
            [(list(dense), self.fusion.dense_weight), (same, self.fusion.keyword_weight),
             (other, self.fusion.cross_keyword_weight)], self.fusion.rrf_k)
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        hits = [Retrieved(by_id[key], score, dense.get(key), keyword.get(key)) for key, score in ranked]
        timings["search"] = (time.perf_counter() - started) * 1000
        return SearchResult(query, hits, timings, vector)

    def _dense(self, vector: np.ndarray) -> dict[str, float]:
        """Dense candidates, best first, scored by cosine minus the language offset.

        Each language is searched on its own and its scores shifted by the question's
        similarity to that language's centroid, so English passages compete fairly for a
        Japanese question and the reverse. The raw cosine is kept in `self.last_cosines`.
        """
        store, k = self.vector_store, self.fusion.candidates
        if len(self.language_centroids) < 2 or not self.fusion.language_centering:
            hits = store.similarity_search_with_score_by_vector(vector, k=k)
            scored = [(doc.id, score, score) for doc, score in hits]
        else:
            scored = []
            for lang, centroid in self.language_centroids.items():
                shift = self.fusion.language_centering * float(vector @ centroid)
                hits = store.similarity_search_with_score_by_vector(vector, k=k, filter={"lang": lang})
                scored += [(doc.id, score - shift, score) for doc, score in hits]
        scored.sort(key=lambda item: -item[1])
        return {key: cosine for key, _, cosine in scored[:k] if key is not None}

    def _chunks_by_id(self) -> dict[str, Chunk]:
        cached = getattr(self, "_by_id", None)
        if cached is None:
            cached = {chunk.id: chunk for chunk in self.chunks}
            object.__setattr__(self, "_by_id", cached)
        return cached

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(hit) for hit in self.search(query).hits]


def to_document(hit: Retrieved) -> Document:
    metadata: dict[str, Any] = hit.chunk.to_json()
    metadata.pop("text")
    metadata.update(score=hit.score, dense_score=hit.dense, keyword_score=hit.keyword)
    return Document(page_content=hit.chunk.text, metadata=metadata, id=hit.chunk.id)
