"""Claim check latency against one query embedding: `python -m eval.check_speed`.

Over every claim of eval/*claims*.jsonl: the median time of one query embedding, then of a
check, on a first pass (each claim new to the process) and a second pass (evidence embeddings
and tokenizations already kept). Prints the medians and their ratio to the query embedding, and
writes them to `check_speed.json` in the reports folder.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from app.service import Kakehashi
from app.settings import load_settings
from eval.datasets import load_claims


def median_ms(action: Callable[[str], object], texts: list[str]) -> float:
    times = []
    for text in texts:
        started = time.perf_counter()
        action(text)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    settings = load_settings()
    service = Kakehashi(settings, log=lambda message: None)
    claims = [c.claim for c in load_claims()]
    service.embedder.encode_query("warm up")
    query = median_ms(service.embedder.encode_query, claims)
    first = median_ms(service.check, claims)
    second = median_ms(service.check, claims)
    print(f"{len(claims)} claims: one query embedding p50 {query:.1f} ms; check p50 first pass "
          f"{first:.1f} ms ({first / query:.1f}x), second pass {second:.1f} ms ({second / query:.1f}x)")
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / "check_speed.json").write_text(json.dumps({
        "claims": len(claims), "query_p50_ms": round(query, 2), "check_first_p50_ms": round(first, 2),
        "check_second_p50_ms": round(second, 2), "pair_candidates": settings.checker.pair_candidates,
        "first_ratio": round(first / query, 2), "second_ratio": round(second / query, 2)}, indent=2) + "\n",
        encoding="utf-8")


if __name__ == "__main__":
    main()
