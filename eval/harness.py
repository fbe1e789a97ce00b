"""`kakehashi eval`: every quality and speed figure of the product on the evaluation sets."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eval.baseline import baseline_retrieval
from eval.claims_eval import ClaimReport, claim_table, score_claims
from eval.datasets import ClaimCase, QACase, load_claims, load_qa
from eval.metrics import holds_quote, is_cross_lingual, keys_match, percentile, share
from eval.retrieval import RetrievalScores, evaluate_retrieval
from eval.text_check_eval import TextCheckReport, load_text_cases, score_text_checks, text_check_rows


class Service(Protocol):  # what the harness needs of app.service.Kakehashi
    sources: dict[str, str]
    embedder: Any

    def search(self, question: str, k: int | None = None) -> Any: ...
    def ask(self, question: str) -> Any: ...
    def check(self, claim: str) -> Any: ...
    def check_text(self, text: str) -> Any: ...


@dataclass
class EvalReport:
    retrieval: RetrievalScores
    baseline: RetrievalScores | None
    answer_correct: float
    answer_correct_cross: float
    median_answer_chars: float
    cited_gold: float  # answers whose citations cover a gold quote
    citation_integrity: float
    abstain_unanswerable: float
    false_abstain: float
    claim_accuracy: float  # "contradicted" counts as right for an "unsupported" label
    claim_accuracy_strict: float
    false_support: float  # unsupported claims called supported
    ask_p50_ms: float
    ask_p95_ms: float
    check_p50_ms: float
    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    claim_balanced_accuracy: float = 0.0
    # Per claims file: accuracy, false support, balanced accuracy, per category and language pair.
    claim_sets: dict[str, Any] = field(default_factory=dict)
    # The entailment head on held-out public inference pairs (JSICK test slice, JNLI test).
    inference: dict[str, Any] = field(default_factory=dict)
    # Whole texts checked sentence by sentence (eval/text_checks.jsonl).
    text_checks: TextCheckReport = field(default_factory=TextCheckReport)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> list[tuple[str, str, str]]:
        r = self.retrieval
        pct = "{:.1%}".format
        b = self.baseline
        rows = [
            ("retrieval hit@1", pct(r.hit_at_1), f"n={r.n}"),
            ("retrieval hit@5", pct(r.hit_at_5), "target >= 95%"),
            ("cross-lingual hit@1", pct(r.cross_hit_at_1), f"n={r.n_cross}"),
            ("cross-lingual hit@5", pct(r.cross_hit_at_5), "target >= 90%"),
            ("answer correctness", pct(self.answer_correct), "target >= 85%"),
            ("answer correctness, cross-lingual", pct(self.answer_correct_cross), ""),
            ("median answer length", f"{self.median_answer_chars:.0f} chars", "target < 200"),
            ("answers citing a gold passage", pct(self.cited_gold), ""),
            ("citation integrity", pct(self.citation_integrity), "must be 100%"),
            ("abstention on unanswerable", pct(self.abstain_unanswerable),
             f"n={self.counts.get('unanswerable', 0)}, target >= 75%"),
            ("false abstention", pct(self.false_abstain), "target <= 5%"),
            ("claim accuracy", pct(self.claim_accuracy), "target >= 85%"),
            ("claim accuracy (strict labels)", pct(self.claim_accuracy_strict), ""),
            ("false support rate", pct(self.false_support), ""),
            ("claim balanced accuracy", pct(self.claim_balanced_accuracy), ""),
            ("ask latency p50 / p95", f"{self.ask_p50_ms:.0f} / {self.ask_p95_ms:.0f} ms", ""),
            ("check latency p50", f"{self.check_p50_ms:.0f} ms", ""),
            *text_check_rows(self.text_checks),
        ]
        if b is not None:
            rows[4:4] = [("baseline hit@1 / hit@5", f"{pct(b.hit_at_1)} / {pct(b.hit_at_5)}",
                          "LangChain tutorial: 1000/200 splitter + FAISS"),
                         ("baseline cross-lingual hit@1 / @5",
                          f"{pct(b.cross_hit_at_1)} / {pct(b.cross_hit_at_5)}", "")]
        return rows


def _citations_exact(answer: Any, sources: dict[str, str]) -> bool:
    def exact(span: Any) -> bool:
        return span is None or sources.get(span.doc, "")[span.start:span.end] == span.text

    return all(exact(c.quote) and exact(c.passage) and exact(c.parallel) for c in answer.citations)


def run_eval(service: Service, qa: list[QACase] | None = None,
             claims: list[ClaimCase] | None = None, baseline: bool = False) -> EvalReport:
    qa = load_qa() if qa is None else qa
    claims = load_claims() if claims is None else claims
    sources = service.sources
    retrieval = evaluate_retrieval(
        qa, lambda q: [(h.chunk.doc, h.chunk.start, h.chunk.end) for h in service.search(q, 5).hits],
        sources)
    compared = baseline_retrieval(qa, sources, service.embedder.encode_passages,
                                  service.embedder.encode_query) if baseline else None
    answerable = [c for c in qa if c.kind == "answerable"]
    unanswerable = [c for c in qa if c.kind != "answerable"]
    latencies: list[float] = []
    correct: dict[str, bool] = {}
    cited: dict[str, bool] = {}
    abstained: dict[str, bool] = {}
    lengths: list[int] = []
    integrity: list[bool] = []
    for case in qa:
        started = time.perf_counter()
        answer = service.ask(case.question)
        latencies.append((time.perf_counter() - started) * 1000)
        abstained[case.id] = answer.abstained
        integrity.append(_citations_exact(answer, sources))
        if case.kind == "answerable":
            correct[case.id] = not answer.abstained and keys_match(answer.answer, case.keys)
            cited[case.id] = any(holds_quote(c.quote.doc, c.quote.start, c.quote.end, g, sources)
                                 or (c.parallel is not None and c.parallel.doc == g.doc
                                     and holds_quote(c.passage.doc, c.passage.start, c.passage.end,
                                                     g, sources))
                                 for c in answer.citations for g in case.gold)
            if not answer.abstained:
                lengths.append(len(answer.answer))
    claim_report = score_claims(service.check, claims)
    claim_sets: dict[str, Any] = {}
    for source in sorted({c.source for c in claims}):
        subset = [c for c in claims if c.source == source]
        claim_sets[source] = asdict(score_claims(service.check, subset)) if len(subset) < len(claims) \
            else asdict(claim_report)
    cross = [c for c in answerable if is_cross_lingual(c)]

    return EvalReport(
        retrieval=retrieval,
        baseline=compared,
        answer_correct=share([correct[c.id] for c in answerable]),
        answer_correct_cross=share([correct[c.id] for c in cross]),
        median_answer_chars=statistics.median(lengths) if lengths else 0.0,
        cited_gold=share([cited[c.id] for c in answerable]),
        citation_integrity=share(integrity),
        abstain_unanswerable=share([abstained[c.id] for c in unanswerable]),
        false_abstain=share([abstained[c.id] for c in answerable]),
        claim_accuracy=claim_report.accuracy,
        claim_accuracy_strict=claim_report.accuracy_strict,
        false_support=claim_report.false_support,
        ask_p50_ms=percentile(latencies, 50), ask_p95_ms=percentile(latencies, 95),
        check_p50_ms=claim_report.check_p50_ms,
        counts={"questions": len(qa), "answerable": len(answerable), "unanswerable": len(unanswerable),
                "cross_lingual": len(cross), "claims": len(claims)},
        failures={
            "retrieval_miss_at_5": retrieval.misses,
            "wrong_answer": [c.id for c in answerable if not correct[c.id]],
            "false_abstention": [c.id for c in answerable if abstained[c.id]],
            "answered_unanswerable": [c.id for c in unanswerable if not abstained[c.id]],
            "wrong_claim": [w.split(":")[0] for w in claim_report.wrong],
        },
        claim_balanced_accuracy=claim_report.balanced_accuracy,
        claim_sets=claim_sets,
        text_checks=score_text_checks(service.check_text, load_text_cases()),
    )


def print_table(report: EvalReport) -> None:
    rows = report.table()
    width = max(len(name) for name, *_ in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>16}  {note}")
    for what, ids in report.failures.items():
        if ids:
            print(f"{what}: {', '.join(ids)}")
    for name, claims in report.claim_sets.items():
        print("\n" + "\n".join(claim_table(f"Claims: {name}", ClaimReport(**claims))))
    if report.inference:
        print("\nEntailment judgement (heads and pair judge), held-out public inference pairs "
              "(accuracy; per label):")
        for name, row in report.inference.items():
            print(f"  {name:<40} {row['accuracy']:.3f}  (n={row['n']}) " + ", ".join(
                f"{k} {v:.3f}" for k, v in row.items() if k not in ("accuracy", "n")))


def write_reports(report: EvalReport, folder: Path) -> tuple[Path, Path]:
    """JSON plus a readable Markdown report with a chart, in a git-ignored folder."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "eval.json"
    json_path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    chart = folder / "eval.png"
    _chart(report, chart)
    lines = ["# Kakehashi evaluation", "", f"![scores]({chart.name})", "",
             "| metric | value | note |", "|---|---:|---|"]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in report.table()]
    for name, claims in report.claim_sets.items():
        lines += ["", *claim_table(f"Claims: {name}", ClaimReport(**claims))]
    if report.inference:
        lines += ["", "## Entailment judgement on held-out public inference pairs", "",
                  "| split | pairs | accuracy | entailment | contradiction | neutral |",
                  "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {name} | {row['n']} | {row['accuracy']:.3f} | {row.get('entailment', 0):.3f} | "
                  f"{row.get('contradiction', 0):.3f} | {row.get('neutral', 0):.3f} |"
                  for name, row in report.inference.items()]
    lines += ["", "## Failures", ""]
    lines += [f"- {what}: {', '.join(ids) or 'none'}" for what, ids in report.failures.items()]
    md_path = folder / "eval.md"
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, md_path


def _chart(report: EvalReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = report.retrieval
    names = ["hit@1", "hit@5", "x-ling hit@5", "answers", "cited gold", "abstain", "claims"]
    values = [r.hit_at_1, r.hit_at_5, r.cross_hit_at_5, report.answer_correct, report.cited_gold,
              report.abstain_unanswerable, report.claim_accuracy]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bars = ax.bar(names, values, color="#3b6ea8")
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in values], fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_title("Kakehashi on the evaluation sets")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
