"""Okapi BM25 over pre-tokenized chunks, stored as plain JSON."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75


class KeywordIndex:
    """Document frequencies, lengths and postings computed once; scoring is a dictionary walk."""

    def __init__(self, docs_tokens: list[list[str]], params: BM25Params | None = None) -> None:
        self.params = params or BM25Params()
        self.docs_tokens = docs_tokens
        self._lengths = [len(tokens) for tokens in docs_tokens]
        self._avg_length = (sum(self._lengths) / len(self._lengths)) if docs_tokens else 0.0
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for doc_id, tokens in enumerate(docs_tokens):
            for term, freq in Counter(tokens).items():
                self._postings.setdefault(term, []).append((doc_id, freq))
        n = len(docs_tokens)
        # The "+1" inside the log keeps idf positive for terms found in most documents.
        self._idf = {term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
                     for term, p in self._postings.items()}

    def __len__(self) -> int:
        return len(self.docs_tokens)

    def idf(self, term: str) -> float:
        return self._idf.get(term, 0.0)

    def max_idf(self) -> float:
        return max(self._idf.values(), default=1.0)

    def scores(self, query_tokens: list[str]) -> dict[int, float]:
        """BM25 score of every document that shares a term with the query."""
        k1, b = self.params.k1, self.params.b
        scores: dict[int, float] = {}
        for term in set(query_tokens):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for doc_id, freq in self._postings[term]:
                norm = k1 * (1 - b + b * self._lengths[doc_id] / self._avg_length)
                scores[doc_id] = scores.get(doc_id, 0.0) + idf * freq * (k1 + 1) / (freq + norm)
        return scores

    def top(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        ranked = sorted(self.scores(query_tokens).items(), key=lambda item: (-item[1], item[0]))
        return ranked[:k]

    def to_json(self) -> dict[str, object]:
        return {"k1": self.params.k1, "b": self.params.b, "docs_tokens": self.docs_tokens}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> KeywordIndex:
        tokens = data["docs_tokens"]
        if not isinstance(tokens, list) or not all(isinstance(t, list) for t in tokens):
            raise ValueError("keyword index: docs_tokens must be a list of token lists")
        return cls(tokens, BM25Params(k1=float(data["k1"]), b=float(data["b"])))  # type: ignore[arg-type]
