"""Okapi BM25 over pre-tokenized chunks, stored as plain JSON."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75


class KeywordIndex:
    """Document frequencies, lengths and postings computed once; a query is a few array sums.

    Each term's postings are two NumPy arrays: the rows that hold it and the term's whole BM25
    contribution to each (idf and length normalization folded in), so scoring a query adds up
    the arrays of its terms. Pure-Python dictionary walks cost 100+ ms a query at 100k chunks.
    """

    def __init__(self, docs_tokens: list[list[str]], params: BM25Params | None = None) -> None:
        self.params = params or BM25Params()
        self.docs_tokens = docs_tokens
        n = len(docs_tokens)
        lengths = np.array([len(tokens) for tokens in docs_tokens], dtype=np.float64)
        avg_length = float(lengths.mean()) if n else 0.0
        rows: dict[str, list[int]] = {}
        freqs: dict[str, list[int]] = {}
        for doc_id, tokens in enumerate(docs_tokens):
            for term, freq in Counter(tokens).items():
                rows.setdefault(term, []).append(doc_id)
                freqs.setdefault(term, []).append(freq)
        k1, b = self.params.k1, self.params.b
        norm = k1 * (1 - b + b * lengths / avg_length) if n and avg_length else lengths
        # The "+1" inside the log keeps idf positive for terms found in most documents.
        self._idf = {term: math.log(1 + (n - len(r) + 0.5) / (len(r) + 0.5)) for term, r in rows.items()}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, docs in rows.items():
            ids = np.array(docs, dtype=np.int32)
            freq = np.array(freqs[term], dtype=np.float64)
            self._postings[term] = (ids, self._idf[term] * freq * (k1 + 1) / (freq + norm[ids]))
        self._size = n

    def __len__(self) -> int:
        return len(self.docs_tokens)

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)

    def max_idf(self) -> float:
        return max(self._idf.values(), default=1.0)

    def _accumulate(self, query_tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(rows that share a term with the query, their BM25 scores)."""
        # Terms in a fixed order, so the sums (and the ties they decide) are the same in every
        # process: a set's order changes with Python's string hashing.
        found = [self._postings[t] for t in sorted(set(query_tokens)) if t in self._postings]
        if not found:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        if len(found) == 1:
            return found[0][0].astype(np.int64), found[0][1]
        ids = np.concatenate([f[0] for f in found])
        totals = np.bincount(ids, weights=np.concatenate([f[1] for f in found]), minlength=self._size)
        rows = np.unique(ids).astype(np.int64)
        return rows, totals[rows]

    def scores(self, query_tokens: list[str]) -> dict[int, float]:
        """BM25 score of every document that shares a term with the query."""
        rows, values = self._accumulate(query_tokens)
        return dict(zip(rows.tolist(), values.tolist()))

    def top(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        """The `k` best (row, score), best first; equal scores in row order."""
        return _best(*self._accumulate(query_tokens), k)

    def top_and_scores(self, query_tokens: list[str],
                       k: int) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """`top` and `scores` of one query from one pass over the postings."""
        rows, values = self._accumulate(query_tokens)
        return _best(rows, values, k), dict(zip(rows.tolist(), values.tolist()))

    def to_json(self) -> dict[str, object]:
        return {"k1": self.params.k1, "b": self.params.b, "docs_tokens": self.docs_tokens}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KeywordIndex:
        tokens = data["docs_tokens"]
        if not isinstance(tokens, list) or not all(isinstance(t, list) for t in tokens):
            raise ValueError("keyword index: docs_tokens must be a list of token lists")
        return cls(tokens, BM25Params(k1=float(data["k1"]), b=float(data["b"])))  # type: ignore[arg-type]


def _best(rows: np.ndarray, values: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The `k` best (row, value), best first; equal values in row order."""
    if k <= 0 or not len(rows):
        return []
    if len(rows) > k:
        # everything scoring at least the k-th best, so ties at the cut are decided by row
        cut = np.partition(values, len(values) - k)[len(values) - k]
        keep = values >= cut
        rows, values = rows[keep], values[keep]
    order = np.lexsort((rows, -values))[:k]
    return list(zip(rows[order].tolist(), values[order].tolist()))
