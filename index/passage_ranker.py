"""The learned passage ranker: which retrieved passage holds the answer, from both rankings' scores.

Reciprocal rank fusion keeps only ranks and two hand-set weights; the ranker reads the scores
themselves (the language-centred cosine of the passage and of its best sentence, BM25, how much of
the question's rarer words the passage and its title hold, how strongly the rest of its document
matches) and weighs them linearly, the weights fitted on public Japanese and English
reading-comprehension questions (`eval/passage_training.py`, `make train`) with a softmax over
each question's candidates. The weights are a small safetensors file checked against the sha256
manifest at load (`app/weights`); this module only runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.keyword_index import KeywordIndex
from index.sentence_table import SentenceTable
from ingest.records import Chunk

# The features of a candidate passage, in the order the ranker reads them.
PASSAGE_FEATURES: tuple[str, ...] = (
    "dense",  # cosine of question and passage minus the question's similarity to its language
    "dense_gap",  # dense minus the best dense among the candidates
    "dense_rank",  # 1 / (1 + rank in the dense ranking); 0 when the dense side did not find it
    "keyword",  # BM25 over the best BM25 of the candidates; passages in the question's language
    "keyword_log",  # log(1 + BM25), same
    "keyword_rank",  # 1 / (1 + rank in the keyword ranking); 0 when not found
    "same_lang",  # the passage is in the question's language
    "coverage",  # share of the question's words (by rarity) in the passage
    "coverage_same",  # the same, in the question's language only
    "title",  # share of the question's words (by rarity) in the passage's title
    "title_same",  # the same, in the question's language only
    "doc_keyword",  # the best `keyword` among the candidates of the same document
    "doc_dense",  # the best `dense_gap` among the candidates of the same document
    "doc_share",  # share of the candidates from the same document
    "sentence",  # the best language-centred cosine of the question and one of its sentences
    "sentence_gap",  # that minus the best among the candidates
    "plain",  # the same with the sentences embedded alone
    "plain_gap",
    "length",  # log of the passage's length in characters, over 6
)


@dataclass(frozen=True)
class PassageRanker:
    """score = w · standardised features + b; a softmax over a question's candidates."""

    mean: np.ndarray  # [features]
    scale: np.ndarray
    weights: np.ndarray
    bias: float = 0.0
    fingerprint: str = ""

    def __post_init__(self) -> None:
        width = len(PASSAGE_FEATURES)
        if not (self.mean.shape == self.scale.shape == self.weights.shape == (width,)):
            raise ValueError(f"a passage ranker reads {width} features")

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The probability of each candidate (rows of `features`) being the one that answers."""
        if not len(features):
            return np.zeros(0)
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        z = np.exp(z - z.max())
        return z / z.sum()

    def tensors(self) -> dict[str, np.ndarray]:
        return {"mean": self.mean, "scale": self.scale, "weights": self.weights,
                "bias": np.array([self.bias])}

    @classmethod
    def of_tensors(cls, tensors: dict[str, np.ndarray], fingerprint: str = "") -> PassageRanker:
        return cls(tensors["mean"].astype(np.float64), tensors["scale"].astype(np.float64),
                   tensors["weights"].astype(np.float64), float(tensors["bias"][0]), fingerprint)


@dataclass(frozen=True)
class QuestionSide:
    """What the features need of the question."""

    lang: str
    vector: np.ndarray  # its embedding
    shifts: dict[str, float]  # lang -> its similarity to that language's centroid (0 when absent)
    terms: dict[str, float]  # its keyword terms -> their rarity (idf)


class PassageFeatures:
    """Describes candidate passages for the ranker; built once per index."""

    def __init__(self, chunks: list[Chunk], keywords: KeywordIndex, sentences: SentenceTable | None,
                 title_terms: dict[str, set[str]]) -> None:
        self.chunks = chunks
        self.keywords = keywords
        self.sentences = sentences
        self.title_terms = title_terms  # a chunk's title -> its keyword terms
        self._sentence_rows: list[np.ndarray] = []
        for chunk in chunks:
            rows = [] if sentences is None else [sentences.row(chunk.doc, s, e) for s, e in chunk.sentences]
            self._sentence_rows.append(np.array([r for r in rows if r is not None], dtype=np.int64))

    def _sentence_best(self, question: QuestionSide, row: int, shift: float,
                       dense: float) -> tuple[float, float]:
        rows = self._sentence_rows[row]
        if not len(rows) or self.sentences is None or self.sentences.plain is None:
            return dense, dense  # no sentence vectors: the passage's own
        return (float((self.sentences.vectors[rows] @ question.vector).max()) - shift,
                float((self.sentences.plain[rows] @ question.vector).max()) - shift)

    def _share(self, terms: dict[str, float], held: set[str]) -> float:
        total = sum(terms.values())
        return sum(w for t, w in terms.items() if t in held) / total if total else 0.0

    def describe(self, question: QuestionSide, rows: list[int], dense: dict[int, tuple[int, float]],
                 keyword: dict[int, float], keyword_rank: dict[int, int]) -> np.ndarray:
        """[rows, features]. `dense`: row -> (rank, language-centred cosine) for the passages the
        dense side found; `keyword`: row -> BM25 for every passage sharing a word with the
        question; `keyword_rank`: row -> rank among the keyword side's candidates."""
        if not rows:
            return np.zeros((0, len(PASSAGE_FEATURES)))
        known = [score for _, score in dense.values()]
        floor = min(known) if known else 0.0  # a passage below the dense cut-off scores at most this
        same = np.array([self.chunks[r].lang == question.lang for r in rows], dtype=np.float64)
        dense_score = np.array([dense[r][1] if r in dense else floor for r in rows])
        bm25 = np.array([keyword.get(r, 0.0) for r in rows]) * same
        best_bm25 = bm25.max() if bm25.max() > 0 else 1.0
        best = np.array([self._sentence_best(question, r, question.shifts.get(self.chunks[r].lang, 0.0), d)
                         for r, d in zip(rows, dense_score)])
        sentence_a, plain_a = best[:, 0], best[:, 1]
        coverage = np.array([self._share(question.terms, set(self.keywords.docs_tokens[r]))
                             for r in rows])
        title = np.array([self._share(question.terms, self.title_terms.get(self.chunks[r].title, set()))
                          for r in rows])
        docs = [self.chunks[r].doc for r in rows]
        keyword_share = bm25 / best_bm25
        dense_gap = dense_score - dense_score.max()
        doc_keyword = np.array([keyword_share[[d == doc for d in docs]].max() for doc in docs])
        doc_dense = np.array([dense_gap[[d == doc for d in docs]].max() for doc in docs])
        doc_share = np.array([docs.count(doc) for doc in docs]) / len(docs)
        columns = {
            "dense": dense_score, "dense_gap": dense_gap,
            "dense_rank": np.array([1 / (1 + dense[r][0]) if r in dense else 0.0 for r in rows]),
            "keyword": keyword_share, "keyword_log": np.log1p(bm25),
            "keyword_rank": np.array([1 / (1 + keyword_rank[r]) if r in keyword_rank else 0.0 for r in rows]),
            "same_lang": same, "coverage": coverage, "coverage_same": coverage * same,
            "title": title, "title_same": title * same,
            "doc_keyword": doc_keyword, "doc_dense": doc_dense, "doc_share": doc_share,
            "sentence": sentence_a, "sentence_gap": sentence_a - sentence_a.max(),
            "plain": plain_a, "plain_gap": plain_a - plain_a.max(),
            "length": np.log1p([len(self.chunks[r].text) for r in rows]) / 6,
        }
        return np.stack([columns[name] for name in PASSAGE_FEATURES], axis=1)
