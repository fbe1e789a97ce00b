"""A bounded load test on loopback: 20 gradio_client clients at once, 5 questions each.

Zero errors, and every answer the same as the one the service gives alone (a request must
never see another request's state). Latency percentiles are printed and written to
.kakehashi/reports/load.json; they are never asserted (they depend on the machine).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from gradio_client import Client
from ui_server import running_ui

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

CLIENTS = 20
QUESTIONS = (
    "How many people from India visited Japan through the Sakura Science Program?",
    "理研の海外事務所はどこにありますか？",
    "What is the aim of the ITER project?",
    "HFSPはいつ、どこで提案されましたか？",
    "When was the construction of the LHC accelerator completed?",
)
REQUEST_TIMEOUT_S = 120  # a bound, so a stuck request ends the test instead of hanging it


@pytest.fixture(scope="module")
def url(service) -> Iterator[str]:
    with running_ui(service) as address:
        yield address


def without_timings(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "timings_ms"}


def one_client(url: str, offset: int) -> list[tuple[str, float, dict[str, Any] | str]]:
    """Asks all questions, starting at a different one per client so requests interleave."""
    client = Client(url, verbose=False)
    results = []
    for i in range(len(QUESTIONS)):
        question = QUESTIONS[(offset + i) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            job = client.submit(question, api_name="/ask")
            outcome: dict[str, Any] | str = job.result(timeout=REQUEST_TIMEOUT_S)
        except Exception as err:  # counted as an error below, with its message
            outcome = f"{type(err).__name__}: {err}"
        results.append((question, time.perf_counter() - started, outcome))
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def test_twenty_clients_five_questions_each(url: str, service, settings) -> None:
    alone = {q: without_timings(service.ask(q).to_json()) for q in QUESTIONS}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        runs = list(pool.map(lambda i: one_client(url, i), range(CLIENTS)))
    wall = time.perf_counter() - started
    results = [r for run in runs for r in run]

    errors = [(q, out) for q, _, out in results if not isinstance(out, dict) or "error" in out]
    differ = [q for q, _, out in results
              if isinstance(out, dict) and "error" not in out and without_timings(out) != alone[q]]
    latencies = [seconds for _, seconds, _ in results]
    report = {
        "clients": CLIENTS, "questions_per_client": len(QUESTIONS), "requests": len(results),
        "errors": len(errors), "differing_answers": len(differ),
        "concurrency": settings.server.concurrency, "wall_s": round(wall, 3),
        "throughput_rps": round(len(results) / wall, 3),
        "latency_s": {"p50": round(statistics.median(latencies), 3),
                      "p95": round(percentile(latencies, 0.95), 3),
                      "max": round(max(latencies), 3), "mean": round(statistics.fmean(latencies), 3)},
    }
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nload: {json.dumps(report)}")

    assert len(results) == CLIENTS * len(QUESTIONS)
    assert not errors, f"{len(errors)} failed requests, e.g. {errors[:3]}"
    assert not differ, f"{len(differ)} answers under load differ from the same question asked alone: " \
                       f"{sorted(set(differ))}"
