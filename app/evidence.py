"""Scoring the sentences of retrieved passages as evidence for a question or a claim.

Every sentence already has an embedding (built with the index), so scoring costs a few dot
products and a tokenization, not another pass through the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.question import Kind, fits_kind
from index.keyword_index import KeywordIndex
from index.sentence_table import SentenceTable
from index.tokenizer import KeywordTokenizer
from ingest.records import Chunk


@dataclass(frozen=True)
class EvidenceWeights:
    overlap: float = 0.15  # share of the question's words (weighted by rarity) in the sentence
    kind: float = 0.04  # the sentence holds the kind of thing asked for (a number, a date, ...)
    rank: float = 0.004  # per rank of the passage in retrieval


@dataclass(frozen=True)
class Scored:
    chunk: Chunk
    rank: int  # of the chunk in retrieval, from 0
    start: int
    end: int
    dense: float  # cosine to the question minus the language offset
    overlap: float
    fits: bool
    score: float

    @property
    def text(self) -> str:
        return self.chunk.text[self.start - self.chunk.start:self.end - self.chunk.start]

    @property
    def lang(self) -> str:
        return self.chunk.lang


class EvidenceScorer:
    def __init__(self, sentences: SentenceTable, keywords: KeywordIndex,
                 tokenizer: KeywordTokenizer, weights: EvidenceWeights) -> None:
        self.sentences = sentences
        self.keywords = keywords
        self.tokenizer = tokenizer
        self.weights = weights
        langs = sentences.langs
        self.centroids = {lang: sentences.vectors[langs == lang].mean(axis=0)
                          for lang in set(langs.tolist())}
        # A word the documents never use is as telling as their rarest word.
        self._unknown_idf = keywords.max_idf()
        self._langs = langs

    def idf(self, term: str) -> float:
        known = self.keywords.idf(term)
        return known if known > 0 else self._unknown_idf

    def overlap(self, terms: list[str], tokens: set[str]) -> float:
        """Share of the terms found in `tokens`, each term weighted by its rarity."""
        unique = set(terms)
        total = sum(self.idf(t) for t in unique)
        return sum(self.idf(t) for t in unique if t in tokens) / total if total else 0.0

    def dense(self, vector: np.ndarray, row: int) -> float:
        lang = str(self._langs[row])
        return float(self.sentences.vectors[row] @ vector - self.centroids[lang] @ vector)

    def score(self, vector: np.ndarray, terms: list[str], kind: Kind,
              chunks: list[Chunk]) -> list[Scored]:
        """Every sentence of `chunks` (ranked best first), best evidence first."""
        scored: dict[tuple[str, int, int], Scored] = {}
        w = self.weights
        for rank, chunk in enumerate(chunks):
            title_tokens = set(self.tokenizer.tokenize(chunk.title))
            for start, end in chunk.sentences:
                row = self.sentences.row(chunk.doc, start, end)
                if row is None or (chunk.doc, start, end) in scored:
                    continue
                text = chunk.text[start - chunk.start:end - chunk.start]
                overlap = self.overlap(terms, set(self.tokenizer.tokenize(text)) | title_tokens)
                fits = fits_kind(kind, text)
                dense = self.dense(vector, row)
                score = dense + w.overlap * overlap + w.kind * fits - w.rank * rank
                scored[(chunk.doc, start, end)] = Scored(chunk, rank, start, end, dense, overlap,
                                                         fits, score)
        return sorted(scored.values(), key=lambda s: -s.score)
