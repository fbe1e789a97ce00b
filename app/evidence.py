"""Scoring the sentences of retrieved passages as evidence for a question or a claim.

Every sentence already has an embedding (built with the index), so scoring costs a few dot
products and a tokenization, not another pass through the model.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

from app.numbers import Number, extract_numbers, missing_numbers
from app.question import SHAPED_KINDS, Question, fit
from index.keyword_index import KeywordIndex
from index.sentence_table import SentenceTable
from index.tokenizer import KeywordTokenizer
from ingest.records import Chunk
from ingest.sentences import ends_sentence

_LABEL_CHARS = 60
_LABEL = re.compile(r"^(?:#|●|図|表|Fig|Figure|Table)", re.IGNORECASE)
_NEUTRAL = re.compile(r"^[a-z0-9][a-z0-9&.+'-]*$")
# Across languages the question's words cannot be matched, only its names and numbers; a
# sentence in the other language gets this share for free and the rest through them.
_CROSS_PRIOR = 0.3


def _share_found(asked: list[Number], text: str) -> float:
    if not asked:
        return 0.0
    return 1 - len(missing_numbers(asked, extract_numbers(text))) / len(asked)


def is_label(text: str) -> bool:
    """A heading, caption or title rather than a sentence: it names things but states nothing."""
    text = text.strip()
    return bool(_LABEL.match(text)) or (len(text) < _LABEL_CHARS and not ends_sentence(text))


@dataclass(frozen=True)
class EvidenceWeights:
    overlap: float = 0.15  # share of the question's words (weighted by rarity) in the sentence
    kind: float = 0.06  # the sentence holds the kind of thing asked for (a number, a date, ...)
    rank: float = 0.002  # per rank of the passage in retrieval
    label: float = 0.08  # taken off a heading or caption: it names a topic but answers nothing
    context: float = 0.05  # the question's words in the sentence before (what "it" refers to)
    numbers: float = 0.1  # the question's own numbers and dates, in any script ("June 2015" = 2015年6月)
    phrase: float = 0.05  # the question's word pairs, in order: 国際連携大学院 is not 連携大学院


@dataclass(frozen=True)
class Scored:
    chunk: Chunk
    rank: int  # of the chunk in retrieval, from 0
    start: int
    end: int
    dense: float  # cosine to the question minus the language offset
    overlap: float
    fit: int  # 0-2: how well the sentence has the shape of the answer
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
        self._token_cache: dict[tuple[str, int, int], list[str]] = {}

    def tokens(self, doc: str, start: int, end: int, text: str) -> list[str]:
        """Keyword tokens of a sentence (or, with start = end = -1, a title), computed once:
        MeCab is the slow part of scoring."""
        key = (doc, start, end) if start >= 0 else (text, start, end)
        cached = self._token_cache.get(key)
        if cached is None:
            cached = self._token_cache[key] = self.tokenizer.tokenize(text)
        return cached

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

    def score(self, vector: np.ndarray, terms: list[str], question: Question,
              chunks: list[Chunk]) -> list[Scored]:
        """Every sentence of `chunks` (ranked best first), best evidence first."""
        scored: dict[tuple[str, int, int], Scored] = {}
        w = self.weights
        neutral = [t for t in terms if _NEUTRAL.match(t)]
        asked_numbers = extract_numbers(question.text)
        pairs = set(itertools.pairwise(terms))
        for rank, chunk in enumerate(chunks):
            title_tokens = set(self.tokens(chunk.doc, -1, -1, chunk.title))
            previous: list[str] = []
            for start, end in chunk.sentences:
                row = self.sentences.row(chunk.doc, start, end)
                if row is None or (chunk.doc, start, end) in scored:
                    continue
                text = chunk.text[start - chunk.start:end - chunk.start]
                own = self.tokens(chunk.doc, start, end, text)
                tokens = set(own) | title_tokens
                if chunk.lang == question.lang:
                    overlap = self.overlap(terms, tokens)
                    context = self.overlap(terms, set(previous))
                    around = previous + own
                    phrase = len(pairs & set(itertools.pairwise(around))) / len(pairs) if pairs else 0.0
                else:
                    overlap = _CROSS_PRIOR * (1 + (self.overlap(neutral, tokens) if neutral else 0))
                    context = phrase = 0.0
                previous = own
                numbers = _share_found(asked_numbers, text)
                shape = fit(question, text)
                dense = self.dense(vector, row)
                # For a shaped question a sentence without the shape loses what a fitting one gains.
                bonus = (shape - 1) if question.kind in SHAPED_KINDS else (shape == 2)
                label = is_label(text) and shape < 2
                score = (dense + w.overlap * overlap + w.context * context + w.kind * bonus
                         + w.numbers * numbers + w.phrase * phrase - w.rank * rank - w.label * label)
                scored[(chunk.doc, start, end)] = Scored(chunk, rank, start, end, dense, overlap,
                                                         shape, score)
        return sorted(scored.values(), key=lambda s: -s.score)
