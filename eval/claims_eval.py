"""Claim checking scored per category and per language pair (claim language -> evidence language).

Right means the verdict equals the label, except that "contradicted" is also right for an
"unsupported" label (the sources do not state it either way). Balanced accuracy is the mean of
the per-label recalls, so that a checker cannot score well by calling everything one thing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eval.datasets import ClaimCase
from eval.metrics import percentile, share
from ingest.lang import detect_lang

LABELS = ("supported", "unsupported", "contradicted")


def claim_right(predicted: str, label: str) -> bool:
    return predicted == label or (label == "unsupported" and predicted == "contradicted")


def language_pair(case: ClaimCase) -> str:
    """"ja->en" for a Japanese claim whose gold evidence is English; "ja->none" without gold."""
    if not case.gold:
        return f"{case.lang}->none"
    langs = sorted({detect_lang(g.quote) for g in case.gold})
    return f"{case.lang}->{'/'.join(langs)}"


@dataclass
class ClaimReport:
    accuracy: float
    accuracy_strict: float
    false_support: float  # claims labelled unsupported or contradicted, called supported
    balanced_accuracy: float
    cross_supported_found: float  # supported claims whose evidence is in the other language only
    check_p50_ms: float
    n: int
    by_category: dict[str, dict[str, float]] = field(default_factory=dict)
    by_pair: dict[str, dict[str, float]] = field(default_factory=dict)
    by_label: dict[str, dict[str, float]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)  # "id: label -> verdict"
    negated_or_swapped_supported: list[str] = field(default_factory=list)


def _groups(cases: list[ClaimCase], right: dict[str, bool], key: Callable[[ClaimCase], str]) -> dict:
    out: dict[str, dict[str, float]] = {}
    for case in cases:
        row = out.setdefault(key(case), {"right": 0, "n": 0})
        row["right"] += right[case.id]
        row["n"] += 1
    for row in out.values():
        row["accuracy"] = round(row["right"] / row["n"], 4)
    return dict(sorted(out.items()))


def score_claims(check: Callable[[str], Any], claims: list[ClaimCase]) -> ClaimReport:
    verdicts: dict[str, str] = {}
    latencies: list[float] = []
    for case in claims:
        started = time.perf_counter()
        verdicts[case.id] = check(case.claim).verdict
        latencies.append((time.perf_counter() - started) * 1000)
    right = {c.id: claim_right(verdicts[c.id], c.label) for c in claims}

    recalls = [share([right[c.id] for c in claims if c.label == label]) for label in LABELS
               if any(c.label == label for c in claims)]
    cross = [c for c in claims if c.label == "supported" and c.gold
             and all(detect_lang(g.quote) != c.lang for g in c.gold)]
    return ClaimReport(
        accuracy=share(list(right.values())),
        accuracy_strict=share([verdicts[c.id] == c.label for c in claims]),
        false_support=share([verdicts[c.id] == "supported" for c in claims if c.label != "supported"]),
        balanced_accuracy=sum(recalls) / len(recalls) if recalls else 0.0,
        cross_supported_found=share([verdicts[c.id] == "supported" for c in cross]),
        check_p50_ms=percentile(latencies, 50), n=len(claims),
        by_category=_groups(claims, right, lambda c: c.category or c.label),
        by_pair=_groups(claims, right, language_pair),
        by_label=_groups(claims, right, lambda c: c.label),
        wrong=[f"{c.id}: {c.label} -> {verdicts[c.id]}" for c in claims if not right[c.id]],
        negated_or_swapped_supported=[c.id for c in claims if c.category in ("negation", "swap")
                                      and c.label != "supported" and verdicts[c.id] == "supported"])


def claim_table(name: str, report: ClaimReport) -> list[str]:
    """Markdown lines: the headline figures, then accuracy per category and per language pair."""
    lines = [f"### {name} (n={report.n})", "",
             f"accuracy {report.accuracy:.3f} · strict {report.accuracy_strict:.3f} · false support "
             f"{report.false_support:.3f} · balanced accuracy {report.balanced_accuracy:.3f} · "
             f"cross-lingual supported found {report.cross_supported_found:.3f} · "
             f"check p50 {report.check_p50_ms:.0f} ms", "",
             "| group | right / n | accuracy |", "|---|---:|---:|"]
    for title, groups in (("category", report.by_category), ("pair", report.by_pair)):
        lines += [f"| {title}: {k} | {int(v['right'])} / {int(v['n'])} | {v['accuracy']:.2f} |"
                  for k, v in groups.items()]
    if report.wrong:
        lines += ["", "wrong: " + "; ".join(report.wrong)]
    return lines
