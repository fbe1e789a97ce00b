"""Scoring helpers shared by the evaluation harness and the tests."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable

from eval.datasets import GoldQuote, QACase
from ingest.lang import detect_lang


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def locate_all(source: str, quote: str) -> list[tuple[int, int]]:
    """Every span of `quote` in `source`, allowing differences in white space."""
    pattern = r"\s*".join(re.escape(ch) for ch in quote if not ch.isspace())
    return [(m.start(), m.end()) for m in re.finditer(pattern, source)] if pattern else []


def holds_quote(doc: str, start: int, end: int, gold: GoldQuote, sources: dict[str, str]) -> bool:
    """A passage hits when it holds at least half of the characters of the gold quote."""
    if doc != gold.doc or doc not in sources:
        return False
    return any(min(end, b) - max(start, a) >= (b - a) / 2
               for a, b in locate_all(sources[doc], gold.quote))


def is_cross_lingual(case: QACase) -> bool:
    """Every gold passage is in the other language than the question."""
    return bool(case.gold) and all(detect_lang(g.quote) != case.lang for g in case.gold)


def keys_match(answer: str, keys: Iterable[Iterable[str]]) -> bool:
    """Every key group has at least one alternative in the answer (NFKC, lower case)."""
    text = normalize(answer)
    return all(any(normalize(alt) in text for alt in group) for group in keys)


def share(values: list[bool]) -> float:
    """The share of `values` that are true (0.0 for none)."""
    return sum(values) / len(values) if values else 0.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
