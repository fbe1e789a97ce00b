"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates, ordered by the learned passage
ranker (`index.passage_ranker`), or joined by reciprocal rank fusion when no ranker is given."""

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
from index.passage_ranker import PassageFeatures, PassageRanker, QuestionSide
from index.sentence_table import SentenceTable
from index.tokenizer import KeywordTokenizer
from ingest.lang import detect_lang
from ingest.records import Chunk


@dataclass(frozen=True)
class FusionParams:
    """How the dense and keyword rankings are joined (the `[retrieval]` settings)."""

    candidates: int = 30  # how deep each ranking is read; the union is ranked
    # Reciprocal rank fusion orders the candidates where no learned passage ranker is given: for
    # statements to check (the ranker learned questions), in unit tests, and beside the ranker in
    # `kakehashi eval --sets public`. Its constants were chosen on the public tuning split.
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
    score: float  # the passage ranker's probability (or the fused reciprocal-rank score)
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
    ranker: PassageRanker | None = None
    sentences: SentenceTable | None = None  # the best sentence of a passage, for the ranker

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
        terms = self.tokenizer.tokenize(query)
        keyword_hits, bm25 = self.keywords.top_and_scores(terms, self.fusion.candidates)
        keyword = {self.chunks[row].id: score for row, score in keyword_hits}
        timings["keyword"] = (time.perf_counter() - mark) * 1000
        lang = detect_lang(query)
        by_id = self._chunks_by_id()
        if self.ranker is None:
            same = [key for key in keyword if by_id[key].lang == lang]
            other = [key for key in keyword if by_id[key].lang != lang]
            fused = reciprocal_rank_fusion(
                [(list(dense), self.fusion.dense_weight), (same, self.fusion.keyword_weight),
                 (other, self.fusion.cross_keyword_weight)], self.fusion.rrf_k)
        else:
            rows, features = self._described(terms, lang, vector, dense, keyword_hits, bm25)
            fused = {self.chunks[row].id: float(p) for row, p in zip(rows, self.ranker.scores(features))}
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        hits = [Retrieved(by_id[key], score, dense[key][1] if key in dense else None, keyword.get(key))
                for key, score in ranked]
        timings["search"] = (time.perf_counter() - started) * 1000
        return SearchResult(query, hits, timings, vector)

    def candidates(self, query: str, vector: np.ndarray) -> tuple[list[int], np.ndarray]:
        """The rows of the passages either side found for `query`, and their ranker features."""
        terms = self.tokenizer.tokenize(query)
        keyword_hits, bm25 = self.keywords.top_and_scores(terms, self.fusion.candidates)
        return self._described(terms, detect_lang(query), vector, self._dense(vector), keyword_hits, bm25)

    def _described(self, terms: list[str], lang: str, vector: np.ndarray,
                   dense: dict[str, tuple[float, float]], keyword_hits: list[tuple[int, float]],
                   bm25: dict[int, float]) -> tuple[list[int], np.ndarray]:
        row_of = self._rows_by_id()
        dense_rows = {row_of[key]: (rank, centred) for rank, (key, (centred, _)) in enumerate(dense.items())}
        keyword_rank = {row: rank for rank, (row, _) in enumerate(keyword_hits)}
        rows = list(dict.fromkeys([*dense_rows, *keyword_rank]))
        question = QuestionSide(lang, vector, self._shifts(vector),
                                {t: self.keywords.idf(t) for t in set(terms)})
        return rows, self._passage_features().describe(question, rows, dense_rows, bm25, keyword_rank)

    def _shifts(self, vector: np.ndarray) -> dict[str, float]:
        if len(self.language_centroids) < 2 or not self.fusion.language_centering:
            return {}
        return {lang: self.fusion.language_centering * float(vector @ centroid)
                for lang, centroid in self.language_centroids.items()}

    def _dense(self, vector: np.ndarray) -> dict[str, tuple[float, float]]:
        """Dense candidates, best first: id -> (cosine minus the language offset, cosine).

        Each language is searched on its own and its scores shifted by the question's
        similarity to that language's centroid, so English passages compete fairly for a
        Japanese question and the reverse.
        """
        store, k = self.vector_store, self.fusion.candidates
        shifts = self._shifts(vector)
        if not shifts:
            hits = store.similarity_search_with_score_by_vector(vector, k=k)
            scored = [(doc.id, score, score) for doc, score in hits]
        else:
            scored = []
            for lang, shift in shifts.items():
                hits = store.similarity_search_with_score_by_vector(vector, k=k, filter={"lang": lang})
                scored += [(doc.id, score - shift, score) for doc, score in hits]
        scored.sort(key=lambda item: -item[1])
        return {key: (centred, cosine) for key, centred, cosine in scored[:k] if key is not None}

    def _chunks_by_id(self) -> dict[str, Chunk]:
        cached = getattr(self, "_by_id", None)
        if cached is None:
            cached = {chunk.id: chunk for chunk in self.chunks}
            object.__setattr__(self, "_by_id", cached)
        return cached

    def _rows_by_id(self) -> dict[str, int]:
        cached = getattr(self, "_row_of", None)
        if cached is None:
            cached = {chunk.id: row for row, chunk in enumerate(self.chunks)}
            object.__setattr__(self, "_row_of", cached)
        return cached

    def _passage_features(self) -> PassageFeatures:
        cached = getattr(self, "_features", None)
        if cached is None:
            titles = {chunk.title for chunk in self.chunks}
            cached = PassageFeatures(self.chunks, self.keywords, self.sentences,
                                     {title: set(self.tokenizer.tokenize(title)) for title in titles})
            object.__setattr__(self, "_features", cached)
        return cached

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(hit) for hit in self.search(query).hits]


def to_document(hit: Retrieved) -> Document:
    metadata: dict[str, Any] = hit.chunk.to_json()
    metadata.pop("text")
    metadata.update(score=hit.score, dense_score=hit.dense, keyword_score=hit.keyword)
    return Document(page_content=hit.chunk.text, metadata=metadata, id=hit.chunk.id)
