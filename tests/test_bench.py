"""`kakehashi bench` end to end on a tiny corpus, and the scale study on a small synthetic one.

Timings are reported by the benchmark, never asserted here: only that every figure is there.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny_corpus import write_corpus

from app.cli import main

KEYS = ("ask_p50_ms", "ask_p95_ms", "search_p50_ms", "embed_query_p50_ms", "ratio",
        "warm_start_s", "cold_build_s", "peak_rss_mb", "check_text_ms", "check_text_first_ms")


@pytest.mark.integration
def test_bench_runs_end_to_end_on_a_tiny_corpus(tmp_path: Path, capsys) -> None:
    seeds = write_corpus(tmp_path / "seeds")
    data = tmp_path / "data"
    code = main(["--seeds", str(seeds), "--data-dir", str(data), "bench", "--json",
                 "--questions", "2", "--repeats", "1", "--warm-runs", "1"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in KEYS:
        assert isinstance(printed[key], float) and printed[key] > 0, key
    assert printed == json.loads((data / "reports" / "bench.json").read_text(encoding="utf-8"))
    assert printed["counts"]["questions"] == 2 and printed["counts"]["chunks"] > 0
    assert printed["counts"]["texts_embedded"] > printed["counts"]["chunks"]  # sentences too
    assert set(printed["warm_start_stages_s"]) >= {"import_torch_s", "load_model_s", "first_answer_s"}
    assert printed["peak_rss_serving_mb"] > 0
    assert printed["counts"]["text_chars"] >= 2000 and printed["counts"]["text_sentences"] >= 30
    assert not list(data.glob("bench-*"))  # the scratch build folder is gone

    assert main(["--seeds", str(seeds), "--data-dir", str(data), "bench", "--questions", "0"]) == 2


def test_bench_rejects_bad_scale_sizes(tmp_path: Path) -> None:
    assert main(["--seeds", str(tmp_path), "bench", "--scale", "ten"]) == 2
    assert main(["--seeds", str(tmp_path), "bench", "--scale", "0"]) == 2


@pytest.mark.integration
def test_scale_study_on_a_small_synthetic_corpus(service) -> None:
    from eval.scale import print_scale_table, sentence_pool, study, synthetic_corpus

    pool = sentence_pool(service)
    chunks, vectors = synthetic_corpus(pool, 50, {"ja": 250, "en": 600})
    assert {c.lang for c in chunks} == {"ja", "en"}
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert all(len(c.text) > 0 for c in chunks)
    report = study(service, [600], questions=["What is ITER?", "理研の海外事務所はどこ？"], sample=8)
    (size,) = report["sizes"]
    assert size["chunks"] == 600 and size["auto_index"] == "flat"
    assert {row["index"] for row in size["indexes"]} == {"flat", "hnsw-1", "hnsw", "ivf"}
    recall = {(row["index"], row["param"]): row["recall_at_10"] for row in size["indexes"]}
    assert recall[("flat", None)] == 1.0  # exact search against itself
    # Searched widely enough, every approximate index finds nearly all of the true neighbours.
    for kind in ("hnsw-1", "hnsw", "ivf"):
        assert max(r for (k, _), r in recall.items() if k == kind) >= 0.9, kind
    assert size["build"]["chunks_per_s"] > 0 and size["query_p50_ms"] > 0
    print_scale_table(report)
