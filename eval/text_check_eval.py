"""Checking whole texts: per-sentence accuracy on mixed paragraphs written from the seeds.

Each case of `eval/text_checks.jsonl` is a text (headings, lists, citation markers, Japanese and
English mixed) with the verdict of each of its sentences and the parts that must be left
unchecked. A gold sentence the splitter does not return exactly counts as wrong.

Splits: "dev" texts restate facts of the seeds claim sets, which the checker's rules were
developed on; "fresh" texts state other facts of the seeds and were written after the text
check was built, and nothing was changed after seeing their results.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.records import TEXT_VERDICTS, TextCheck
from eval.metrics import share

TEXT_CHECKS = Path(__file__).parent / "text_checks.jsonl"


@dataclass(frozen=True)
class TextCase:
    id: str
    text: str
    sentences: list[tuple[str, str]]  # (sentence, gold verdict)
    skipped: list[str]  # parts that must not be checked
    split: str = "dev"


@dataclass
class TextCheckReport:
    texts: int = 0
    sentences: int = 0
    accuracy: float = 0.0
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    per_split: dict[str, dict[str, float]] = field(default_factory=dict)
    split_errors: int = 0  # gold sentences not returned exactly as one sentence
    skipped_kept: float = 0.0  # share of the parts to skip that were left unchecked
    offsets_exact: float = 0.0  # sentences and skipped parts equal to input[start:end]
    false_support: float = 0.0  # contradicted or not-found sentences called supported
    median_ms_per_text: float = 0.0
    wrong: list[str] = field(default_factory=list)


def load_text_cases(path: Path = TEXT_CHECKS) -> list[TextCase]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(TextCase(row["id"], row["text"],
                                  [(s["text"], s["label"]) for s in row["sentences"]], row.get("skipped", []),
                                  row.get("split", "dev")))
    return cases


def score_text_checks(check_text: Callable[[str], TextCheck], cases: list[TextCase]) -> TextCheckReport:
    report = TextCheckReport(texts=len(cases))
    right: list[bool] = []
    by_label: dict[str, list[bool]] = {label: [] for label in TEXT_VERDICTS}
    by_split: dict[str, list[bool]] = {}
    kept: list[bool] = []
    exact: list[bool] = []
    falsely_supported: list[bool] = []
    times: list[float] = []
    for case in cases:
        started = time.perf_counter()
        checked = check_text(case.text)
        times.append((time.perf_counter() - started) * 1000)
        found = {s.text: s for s in checked.sentences}
        unchecked = {p.text for p in checked.skipped} | {m.text for s in checked.sentences for m in s.markers}
        for sentence, gold in case.sentences:
            got = found.get(sentence)
            verdict = got.verdict if got is not None else None
            ok = verdict == gold
            report.split_errors += got is None
            right.append(ok)
            by_label[gold].append(ok)
            by_split.setdefault(case.split, []).append(ok)
            if gold != "supported" and gold != "not_a_claim":
                falsely_supported.append(verdict == "supported")
            if not ok:
                report.wrong.append(f"{case.id}: {sentence[:60]} -> {verdict} (gold {gold})")
        kept += [part in unchecked for part in case.skipped]
        exact += [case.text[s.start:s.end] == s.text for s in checked.sentences]
        exact += [case.text[p.start:p.end] == p.text for p in checked.skipped]
    report.sentences = len(right)
    report.accuracy = share(right)
    report.per_label = {label: {"n": len(values), "accuracy": share(values)}
                        for label, values in by_label.items() if values}
    report.per_split = {split: {"n": len(values), "accuracy": share(values)}
                        for split, values in by_split.items()}
    report.skipped_kept = share(kept)
    report.offsets_exact = share(exact)
    report.false_support = share(falsely_supported)
    report.median_ms_per_text = statistics.median(times) if times else 0.0
    return report


def text_check_rows(report: TextCheckReport) -> list[tuple[str, str, str]]:
    pct = "{:.1%}".format
    labels = ", ".join(f"{label} {pct(v['accuracy'])} (n={v['n']:.0f})"
                       for label, v in report.per_label.items())
    return [
        ("text check: per-sentence accuracy", pct(report.accuracy),
         f"n={report.sentences} sentences in {report.texts} texts"),
        ("text check: per verdict", "", labels),
        *[(f"text check: {split} texts", pct(v["accuracy"]), f"n={v['n']:.0f} sentences")
          for split, v in report.per_split.items()],
        ("text check: false support", pct(report.false_support),
         "not-found or contradicted called supported"),
        ("text check: markers and headings left unchecked", pct(report.skipped_kept),
         f"split errors {report.split_errors}"),
        ("text check: exact offsets", pct(report.offsets_exact), "must be 100%"),
        ("text check: median time per text", f"{report.median_ms_per_text:.0f} ms", ""),
    ]
