"""`kakehashi eval --sets public`: the product on public data it was neither trained nor tuned on.

The `dev` corpora of eval/public.py (JaQuAD dev articles; four SQuAD 2.0 articles) and the
questions we wrote by hand in the other language than those articles. Per group of questions:
passage hit@1 and hit@5 (a passage of the gold paragraph), answer correctness (the answer holds
a gold answer string after NFKC and lower-casing), median answer length, false abstention, and
abstention on unanswerable questions; the LangChain tutorial pipeline and plain BM25, each
quoting its top chunk, and the passage hit@1 of reciprocal rank fusion (what the learned passage
ranker replaced), in the same run.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from app.records import Answer
from app.settings import Settings
from eval.baseline import Bm25Search, TutorialSearch
from eval.metrics import normalize, share
from eval.public import (
    CORPORA,
    DEFAULT_DATA_DIR,
    CorpusSpec,
    PublicQuestion,
    build_corpus,
    build_mixed_corpus,
)
from eval.training import corpus_settings, in_gold_paragraph

Log = Callable[[str], None]
DEV_CORPORA = ("ja-dev", "en-dev")
# The quick subset `make test` asserts the targets on: the first questions of each article (all
# the hand-written ones), and of the Japanese articles only those with hand-written questions.
# The same numbers bound the questions asked again of both languages' articles in one folder.
MINI_QUESTIONS = {"ja": 6, "en": 30}
MIXED = ", both languages"  # the groups asked of the mixed folder


def group_of(q: PublicQuestion, mixed: bool = False) -> str:
    name = f"{q.lang} unanswerable" if not q.answerable else f"{q.lang}→{q.article_lang}"
    return name + MIXED if mixed else name


def first_questions(questions: list[PublicQuestion], per_article: dict[str, int]) -> list[PublicQuestion]:
    """The first `per_article[language]` questions of each article, and every hand-written one."""
    seen: dict[str, int] = {}
    kept = []
    for q in questions:
        if not q.handwritten:
            seen[q.doc] = seen.get(q.doc, 0) + 1
        if q.handwritten or seen[q.doc] <= per_article[q.article_lang]:
            kept.append(q)
    return kept


def holds_any(text: str, answers: list[str]) -> bool:
    folded = normalize(text)
    return any(normalize(a) in folded for a in answers)


def answered_right(answer: Answer, q: PublicQuestion) -> bool:
    """The answer is given (not withheld) and quotes one of the gold answer strings."""
    return q.answerable and not answer.abstained and holds_any(answer.answer, q.answers)


@dataclass
class QuestionResult:
    id: str
    group: str
    hit1: bool
    hit5: bool
    fusion_hit1: bool  # reciprocal rank fusion's first passage, the ranker's rule-based predecessor
    reranked_hit1: bool  # the first passage after the selector's reranking
    correct: bool
    abstained: bool
    answer_chars: int
    tutorial_hit1: bool
    tutorial_correct: bool
    bm25_hit1: bool
    bm25_correct: bool


@dataclass
class GroupScores:
    n: int
    hit_at_1: float
    hit_at_5: float
    fusion_hit_at_1: float
    reranked_hit_at_1: float
    answer_correct: float
    median_answer_chars: float
    false_abstention: float
    abstention: float  # on the unanswerable group, the share abstained
    tutorial_hit_at_1: float
    tutorial_correct: float
    bm25_hit_at_1: float
    bm25_correct: float


@dataclass
class PublicReport:
    groups: dict[str, GroupScores]
    failures: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def summarise(results: list[QuestionResult]) -> dict[str, GroupScores]:
    groups: dict[str, GroupScores] = {}
    for name in sorted({r.group for r in results}):
        rs = [r for r in results if r.group == name]
        lengths = [r.answer_chars for r in rs if not r.abstained]
        unanswerable = "unanswerable" in name
        groups[name] = GroupScores(
            len(rs), share([r.hit1 for r in rs]), share([r.hit5 for r in rs]),
            share([r.fusion_hit1 for r in rs]),
            share([r.reranked_hit1 for r in rs]), share([r.correct for r in rs]),
            statistics.median(lengths) if lengths else 0.0,
            0.0 if unanswerable else share([r.abstained for r in rs]),
            share([r.abstained for r in rs]) if unanswerable else 0.0,
            share([r.tutorial_hit1 for r in rs]), share([r.tutorial_correct for r in rs]),
            share([r.bm25_hit1 for r in rs]), share([r.bm25_correct for r in rs]))
    return groups


def evaluate_corpus(settings: Settings, folder: Path, questions: list[PublicQuestion],
                    mixed: bool = False, log: Log = print) -> list[QuestionResult]:
    """Asks `questions` of the corpus in `folder` (built by eval/public.py)."""
    from app.service import Kakehashi

    service = Kakehashi(corpus_settings(settings, folder), log=log)
    fusion = service.retriever.model_copy(update={"ranker": None})
    sources = service.sources
    tutorial = TutorialSearch(sources, service.embedder.encode_passages, service.embedder.encode_query)
    bm25 = Bm25Search(sources, service.tokenizer)
    log(f"{folder.name}: {len(questions)} questions over {len(sources)} articles")
    results = []
    for q in questions:
        result = service.search(q.question)
        hits = result.hits
        fused = fusion.search_by_vector(result.query, result.vector, 1).hits
        answer = service.ask(q.question)
        first = answer.retrieved[0].span if answer.retrieved else None
        tutorial_top = tutorial(q.question)
        bm25_top = bm25(q.question)

        def top_correct(spans: list[tuple[str, int, int]], q: PublicQuestion = q) -> bool:
            if not spans or not q.answerable:
                return False
            doc, start, end = spans[0]
            return holds_any(sources[doc][start:end], q.answers)

        def top_hit(spans: list[tuple[str, int, int]], q: PublicQuestion = q) -> bool:
            return bool(spans) and in_gold_paragraph(*spans[0], q)

        results.append(QuestionResult(
            q.id, group_of(q, mixed),
            bool(hits) and in_gold_paragraph(hits[0].chunk.doc, hits[0].chunk.start,
                                             hits[0].chunk.end, q),
            any(in_gold_paragraph(h.chunk.doc, h.chunk.start, h.chunk.end, q) for h in hits[:5]),
            bool(fused) and in_gold_paragraph(fused[0].chunk.doc, fused[0].chunk.start,
                                              fused[0].chunk.end, q),
            first is not None and in_gold_paragraph(first.doc, first.start, first.end, q),
            answered_right(answer, q),
            answer.abstained, len(answer.answer),
            top_hit(tutorial_top), top_correct(tutorial_top), top_hit(bm25_top), top_correct(bm25_top)))
    return results


def run_public_eval(settings: Settings, data_dir: Path = DEFAULT_DATA_DIR, mini: bool = False,
                    log: Log = print) -> PublicReport:
    root = settings.path(settings.data_dir) / "public"
    results: list[QuestionResult] = []
    specs = []
    for name in DEV_CORPORA:
        spec = CORPORA[name]
        if mini and spec.lang == "ja":  # only the articles of the hand-written questions
            spec = replace(spec, name=f"{name}-mini", titles=_handwritten_titles(spec))
        specs.append(spec)
        questions = build_corpus(spec, root / spec.name, data_dir)
        results += evaluate_corpus(settings, root / spec.name,
                                   first_questions(questions, MINI_QUESTIONS) if mini else questions,
                                   log=log)
    # Both languages' articles in one folder, as a bilingual collection holds them: the evidence of
    # a question in the other language competes with passages in the question's own language.
    mixed = root / ("mixed-dev-mini" if mini else "mixed-dev")
    questions = first_questions(build_mixed_corpus(specs, mixed, data_dir), MINI_QUESTIONS)
    results += evaluate_corpus(settings, mixed, questions, mixed=True, log=log)
    failures = {
        "wrong_answer": [r.id for r in results if not r.correct and "unanswerable" not in r.group],
        "answered_unanswerable": [r.id for r in results
                                  if "unanswerable" in r.group and not r.abstained],
    }
    return PublicReport(summarise(results), failures)


def _handwritten_titles(spec: CorpusSpec) -> tuple[str, ...]:
    from eval.public import HANDWRITTEN_DIR

    lines = (HANDWRITTEN_DIR / spec.handwritten).read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(json.loads(line)["article"] for line in lines if line.strip()))


def table(report: PublicReport) -> list[str]:
    pct = "{:.1%}".format
    header = ("| questions | n | hit@1 | hit@5 | rank fusion hit@1 | reranked hit@1 | answer correct | "
              "median chars | "
              "false abstention | abstained | tutorial hit@1 / top chunk correct | "
              "BM25 hit@1 / top chunk correct |")
    lines = [header, "|" + "---|" * 13]
    for name, g in report.groups.items():
        lines.append(f"| {name} | {g.n} | {pct(g.hit_at_1)} | {pct(g.hit_at_5)} | {pct(g.fusion_hit_at_1)} | "
                     f"{pct(g.reranked_hit_at_1)} | {pct(g.answer_correct)} | "
                     f"{g.median_answer_chars:.0f} | {pct(g.false_abstention)} | "
                     f"{pct(g.abstention)} | {pct(g.tutorial_hit_at_1)} / {pct(g.tutorial_correct)} | "
                     f"{pct(g.bm25_hit_at_1)} / {pct(g.bm25_correct)} |")
    return lines


def write_public_report(report: PublicReport, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "eval-public.json"
    json_path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    md_path = folder / "eval-public.md"
    md_path.write_text("# Kakehashi on public dev data\n\n" + "\n".join(table(report)) + "\n",
                       encoding="utf-8")
    return json_path, md_path
