"""Retrieval quality: hit@k overall and for cross-lingual questions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eval.datasets import QACase
from eval.metrics import holds_quote, is_cross_lingual

# (question) -> ranked list of (doc, start, end)
Searcher = Callable[[str], list[tuple[str, int, int]]]


@dataclass(frozen=True)
class RetrievalScores:
    hit_at_1: float
    hit_at_5: float
    cross_hit_at_1: float
    cross_hit_at_5: float
    n: int
    n_cross: int
    misses: list[str]  # ids of questions with no hit in the top 5


def first_hit_rank(case: QACase, ranked: list[tuple[str, int, int]],
                   sources: dict[str, str]) -> int | None:
    for rank, (doc, start, end) in enumerate(ranked, start=1):
        if any(holds_quote(doc, start, end, gold, sources) for gold in case.gold):
            return rank
    return None


def evaluate_retrieval(cases: list[QACase], search: Searcher,
                       sources: dict[str, str]) -> RetrievalScores:
    cases = [c for c in cases if c.kind == "answerable" and c.gold]
    ranks = {c.id: first_hit_rank(c, search(c.question)[:5], sources) for c in cases}
    cross = [c for c in cases if is_cross_lingual(c)]

    def rate(subset: list[QACase], k: int) -> float:
        hits = [1 for c in subset if ranks[c.id] is not None and ranks[c.id] <= k]
        return len(hits) / len(subset) if subset else 0.0

    return RetrievalScores(rate(cases, 1), rate(cases, 5), rate(cross, 1), rate(cross, 5),
                           len(cases), len(cross), [c.id for c in cases if ranks[c.id] is None])
