"""The reranker's combiner with the selector, and the abstention thresholds, chosen on the product's
own candidates for the tuning questions.

`kakehashi train --features` asks every tuning question (eval/public.py `tune` corpora, and 300
questions about articles in neither corpus, which it must not answer) through the product with
the shipped selector and keeps each question's first sentences (their texts, selector features
and labels) in `eval/training/rerank-tune.jsonl.gz`. `kakehashi train` reads them with the
freshly fitted selector and reranker and fits the combiner (a logistic regression on three
inputs) and the thresholds there: nothing of the `dev` split is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from app.answer.composer import ComposerSettings
from app.answer.reranker import Combiner, SentenceReranker, combiner_inputs
from app.answer.selector import AnswerSelector
from app.settings import Settings
from eval.compact import read_rows, write_rows
from eval.public import CORPORA, DEFAULT_DATA_DIR, build_corpus
from eval.training import TRAINING_DIR, corpus_settings, holds_answer
from index.embedder import TokenStates

TUNE_FILE = TRAINING_DIR / "rerank-tune.jsonl.gz"
COLLECTED = 16  # sentences kept per question: more than the reranker reads, so a refitted selector can choose
Log = Callable[[str], None]
NEVER = 1.01  # a ratio no sentence reaches: no third sentence
Read = Callable[[list[str]], list[TokenStates]]


@dataclass(frozen=True)
class TuneQuestion:
    corpus: str
    question: str
    lang: str
    same_lang: bool  # asked in the corpus's language
    answerable: bool
    texts: tuple[str, ...]  # its first sentences, in the order the selector gave them
    labels: tuple[bool, ...]  # the sentence holds a gold answer
    features: np.ndarray  # [sentences, FEATURES]


def collect(settings: Settings, data_dir: Path = DEFAULT_DATA_DIR, log: Log = print,
            path: Path = TUNE_FILE) -> int:
    from app.answer.evidence import candidates_of, is_label
    from app.answer.question import analyse
    from app.service import Kakehashi

    root = settings.path(settings.data_dir) / "public"
    elsewhere = build_corpus(CORPORA["ja-elsewhere"], root / "ja-elsewhere", data_dir)[:300]
    rows = []
    for name in ("en-tune", "ja-tune"):
        spec = CORPORA[name]
        asked = build_corpus(spec, root / name, data_dir) + [replace(q, answerable=False) for q in elsewhere]
        service = Kakehashi(corpus_settings(settings, root / name), log=log, check_claims=False, rerank=False)
        for q in asked:
            result = service.retriever.search(q.question, service.settings.retrieval.k)
            scored = service.composer.evidence(analyse(q.question), result.vector, candidates_of(result.hits))
            top = [s for s in scored if not is_label(s.text)][:COLLECTED]
            rows.append({"corpus": name, "q": q.question, "lang": q.lang, "same": q.lang == spec.lang,
                         "answerable": q.answerable, "s": [s.text for s in top],
                         "y": [q.answerable and s.chunk.doc == q.doc and holds_answer(s.text, q.answers)
                               for s in top],
                         "f": [[round(float(v), 4) for v in s.features] for s in top]})
    return write_rows(path, rows)


def load(path: Path = TUNE_FILE) -> list[TuneQuestion]:
    return [TuneQuestion(r["corpus"], r["q"], r["lang"], r["same"], r["answerable"], tuple(r["s"]),
                         tuple(r["y"]), np.array(r["f"], np.float32).reshape(len(r["s"]), -1))
            for r in read_rows(path)]


@dataclass
class Scored:
    """A tuning question's first sentences as the selector and the reranker see them."""

    question: TuneQuestion
    selector: np.ndarray  # probabilities, best first
    scores: np.ndarray  # the reranker's
    labels: np.ndarray
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0))  # characters of each sentence


def score(questions: list[TuneQuestion], selector: AnswerSelector, reranker: SentenceReranker,
          read: Read, top: int = ComposerSettings().rerank_top) -> list[Scored]:
    out = []
    for q in questions:
        if not q.texts:
            out.append(Scored(q, np.zeros(0), np.zeros(0), np.zeros(0, bool)))
            continue
        asked, *sentences = read([q.question, *q.texts])
        p = selector.probabilities(q.features, asked.vector, q.lang)
        order = np.argsort(-p, kind="stable")[:top]
        texts = [q.texts[i] for i in order]
        scores = reranker.scores(asked, q.question, [sentences[i] for i in order], texts)
        out.append(Scored(q, p[order], scores, np.array(q.labels)[order], np.array([len(t) for t in texts])))
    return out


def fit_combiner(scored: list[Scored], steps: int = 200) -> Combiner:
    """Logistic regression of the label on `combiner_inputs` (Newton's method, a little L2)."""
    x = np.concatenate([combiner_inputs(s.selector, s.scores) for s in scored if len(s.labels)])
    y = np.concatenate([s.labels for s in scored if len(s.labels)]).astype(np.float64)
    x = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + 1e-3 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Combiner(w[:3].astype(np.float64), float(w[3]))


@dataclass
class Outcome:
    precision_at_1: float  # answerable questions whose best sentence holds the answer
    answered_right: float  # ... and it is confident enough to answer
    false_abstention: float
    abstention_elsewhere: float  # questions it cannot answer
    n: int


def outcome(scored: list[Scored], combiner: Combiner | None, threshold: float) -> Outcome:
    """With `combiner` None, the selector alone (what the product did before the reranker)."""
    best = []
    for s in scored:
        if not len(s.labels):
            best.append((0.0, False, s.question.answerable))
            continue
        p = s.selector if combiner is None else combiner.probabilities(s.selector, s.scores)
        i = int(np.argmax(p))
        best.append((float(p[i]), bool(s.labels[i]), s.question.answerable))
    answerable = [b for b in best if b[2]]
    elsewhere = [b for b in best if not b[2]]

    def share(values: list[bool]) -> float:
        return float(np.mean(values)) if values else 0.0

    return Outcome(share([b[1] for b in answerable]),
                   share([b[1] and b[0] >= threshold for b in answerable]),
                   share([b[0] < threshold for b in answerable]),
                   share([b[0] < threshold for b in elsewhere]), len(answerable))


def choose_threshold(groups: list[list[Scored]], combiner: Combiner | None,
                     max_false_abstention: float) -> float:
    """The highest threshold whose false abstention stays within the budget in every group."""
    best = 0.0
    for threshold in np.round(np.arange(0.01, 0.9, 0.01), 2):
        if all(outcome(g, combiner, float(threshold)).false_abstention <= max_false_abstention
               for g in groups if any(s.question.answerable for s in g)):
            best = float(threshold)
    return best


def answer_quality(scored: list[Scored], combiner: Combiner, thresholds: tuple[float, float],
                   ratios: tuple[float, float], max_chars: int) -> tuple[float, float]:
    """Share of answerable questions answered with a quote holding the answer, and the median
    length of the quotes, when the runner-up is quoted too at `ratios[0]` of the best's
    probability within `max_chars`, and a third at `ratios[1]` when the question is in the
    corpus's language and the three fit in `max_three_chars` (as `Composer.select` does). Its
    pair rule (a likely runner-up too long to quote whole, both trimmed short) is not simulated:
    it is chosen after these ratios, on whole answers, by `eval.quote_tuning`."""
    quote_limit = ComposerSettings().max_quote_chars  # a longer sentence is trimmed (roughly)
    three = ComposerSettings().max_three_chars
    right, lengths = [], []
    for s in scored:
        if not s.question.answerable:
            continue
        if not len(s.labels):
            right.append(False)
            continue
        p = combiner.probabilities(s.selector, s.scores)
        order = np.argsort(-p, kind="stable")
        size = [min(int(s.lengths[i]), quote_limit) for i in order]
        if p[order[0]] < thresholds[0 if s.question.same_lang else 1]:
            right.append(False)
            continue
        picked, length = [0], size[0]
        rules = [(ratios[0], max_chars)] + ([(ratios[1], three)] if s.question.same_lang else [])
        for k, (ratio, budget) in zip(range(1, len(order)), rules):
            if p[order[k]] < ratio * p[order[0]] or length + size[k] > budget:
                break
            picked.append(k)
            length += size[k]
        right.append(any(s.labels[order[k]] for k in picked))
        lengths.append(sum(size[k] for k in picked))
    return (float(np.mean(right)) if right else 0.0), (float(np.median(lengths)) if lengths else 0.0)


def choose_more_sentences(groups: list[list[Scored]], combiner: Combiner, thresholds: tuple[float, float],
                          max_median: float = 180) -> tuple[float, float, int]:
    """The ratios for quoting a runner-up and a third sentence, and the length budget, that answer
    most tuning questions right while every group's median quote stays within `max_median`
    characters (a ratio over 1: never)."""
    best, best_right = (1.0, NEVER, 260), -1.0
    for max_chars in (160, 200, 260):
        for ratio in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
            for third in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, NEVER):
                scores = [answer_quality(g, combiner, thresholds, (ratio, third), max_chars) for g in groups]
                right = sum(r for r, _ in scores) / len(scores)
                if all(m <= max_median for _, m in scores) and right > best_right:
                    best, best_right = (ratio, third, max_chars), right
    return best
