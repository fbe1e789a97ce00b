"""`kakehashi train`: the learned answer selector, from public reading-comprehension data.

Two stages, so that `make train` rebuilds the shipped weights from files in the repository:

1. `kakehashi train --features` (about 20 minutes here): builds the public corpora (eval/public.py)
   from `../shared/data`, indexes them with the product's own pipeline, asks every training and
   tuning question, and writes each candidate sentence's features and label (does it hold a gold
   answer?) to `eval/training/*.npz`: the training pairs in compact form (CC BY-SA, see README).
2. `kakehashi train` (seconds): fits the selector on the `train` split, chooses the abstention
   threshold and the second-sentence ratio on the `tune` split, and writes
   `app/weights/selector.safetensors` with its sha256 in `app/weights/manifest.json`.

Nothing here reads the `dev` split that `kakehashi eval --sets public` reports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from app.answer.composer import ComposerSettings
from app.answer.evidence import FEATURES, candidates_of
from app.answer.question import analyse
from app.answer.selector import SELECTOR_FILE, WEIGHTS_DIR, AnswerSelector, write_manifest_entry
from app.settings import Settings
from eval.metrics import normalize, share
from eval.public import CORPORA, DEFAULT_DATA_DIR, PublicQuestion, build_corpus

TRAINING_DIR = Path(__file__).resolve().parent / "training"
SEED = 20261123
Log = Callable[[str], None]

# (corpus, the corpora whose questions are asked of it as questions it cannot answer)
FEATURE_SETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("en-train", ("ja-elsewhere",)),
    ("ja-train", ("en-train",)),
    ("en-tune", ("ja-elsewhere",)),
    ("ja-tune", ("ja-elsewhere",)),
)
_LEXICAL = [FEATURES.index(name) for name in
            ("overlap", "context", "title", "phrase", "new_words", "passage_keyword")]
_SAME_LANG = FEATURES.index("same_lang")


def dense_only_selector() -> AnswerSelector:
    """Scores by the centred similarity alone: what collecting features needs before training."""
    weight = np.zeros((len(FEATURES), 1), dtype=np.float32)
    weight[FEATURES.index("dense"), 0] = 10.0
    return AnswerSelector(np.zeros(len(FEATURES), np.float32), np.ones(len(FEATURES), np.float32),
                          ((weight, np.zeros(1, np.float32)),))


def corpus_settings(base: Settings, folder: Path) -> Settings:
    return replace(base, seeds_dir=folder / "docs", data_dir=folder)


def holds_answer(text: str, answers: list[str]) -> bool:
    folded = normalize(text)
    return any(normalize(a) in folded for a in answers)


def in_gold_paragraph(doc: str, start: int, end: int, q: PublicQuestion) -> bool:
    """A passage of the gold paragraph: at least half of it, or half of the paragraph, overlaps."""
    if doc != q.doc or not q.answerable:
        return False
    shared = min(end, q.end) - max(start, q.start)
    return shared > 0 and shared >= 0.5 * min(end - start, q.end - q.start)


@dataclass
class FeatureTable:
    features: np.ndarray  # [rows, FEATURES]
    labels: np.ndarray  # int8: the sentence holds a gold answer
    question: np.ndarray  # int32: row -> question
    lengths: np.ndarray  # int32: characters of the sentence
    same_lang: np.ndarray  # per question: asked in the corpus's language
    answerable: np.ndarray  # per question: its article is in the corpus and it has an answer
    question_vectors: np.ndarray | None = None  # per question: its embedding
    question_langs: np.ndarray | None = None  # per question: its language

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, features=self.features.astype(np.float16), labels=self.labels,
                            question=self.question, lengths=self.lengths, same_lang=self.same_lang,
                            answerable=self.answerable, question_vectors=self.question_vectors.astype(
                                np.float16), question_langs=self.question_langs,
                            names=np.array(FEATURES, dtype=np.str_))

    @classmethod
    def load(cls, path: Path) -> FeatureTable:
        with np.load(path, allow_pickle=False) as data:
            if [str(n) for n in data["names"]] != list(FEATURES):
                raise ValueError(f"{path}: made for other features; run `kakehashi train --features`")
            return cls(data["features"].astype(np.float32), data["labels"], data["question"],
                       data["lengths"], data["same_lang"], data["answerable"],
                       data["question_vectors"].astype(np.float32), data["question_langs"])


def collect(service, questions: list[PublicQuestion], corpus_lang: str) -> FeatureTable:
    rows, labels, owner, lengths, same, answerable, vectors = [], [], [], [], [], [], []
    for i, q in enumerate(questions):
        result = service.retriever.search(q.question, service.settings.retrieval.k)
        vectors.append(result.vector)
        scored = service.composer.evidence(analyse(q.question), result.vector, candidates_of(result.hits))
        for s in scored:
            rows.append(s.features)
            labels.append(q.answerable and s.chunk.doc == q.doc and holds_answer(s.text, q.answers))
            owner.append(i)
            lengths.append(s.end - s.start)
        same.append(q.lang == corpus_lang)
        answerable.append(q.answerable)
    return FeatureTable(np.stack(rows).astype(np.float32), np.array(labels, np.int8),
                        np.array(owner, np.int32), np.array(lengths, np.int32),
                        np.array(same, bool), np.array(answerable, bool),
                        np.stack(vectors).astype(np.float32),
                        np.array([q.lang for q in questions], dtype="<U2"))


def build_features(settings: Settings, data_dir: Path = DEFAULT_DATA_DIR, log: Log = print,
                   only: tuple[str, ...] = ()) -> None:
    from app.service import Kakehashi

    root = settings.path(settings.data_dir) / "public"
    questions = {name: build_corpus(spec, root / name, data_dir) for name, spec in CORPORA.items()
                 if spec.split != "dev"}
    for name, foreign in FEATURE_SETS:
        if only and name not in only:
            continue
        started = time.perf_counter()
        service = Kakehashi(corpus_settings(settings, root / name), log=log, selector=dense_only_selector(),
                            check_claims=False, rerank=False)
        asked = questions[name] + [replace(q, answerable=False) for other in foreign
                                   for q in questions[other][:300]]
        table = collect(service, asked, CORPORA[name].lang)
        table.save(TRAINING_DIR / f"{name}.npz")
        log(f"{name}: {len(asked)} questions, {len(table.labels)} candidate sentences "
            f"({time.perf_counter() - started:.0f} s)")


# ---------------------------------------------------------------------------- fitting


def _cross_lingual_view(features: np.ndarray) -> np.ndarray:
    """The same candidates as a question in the other language would see them: no shared words."""
    out = features.copy()
    out[:, _LEXICAL] = 0.0
    out[:, _SAME_LANG] = 0.0
    return out


def question_space(table: FeatureTable,
                   components: int) -> tuple[np.ndarray | None, dict[str, np.ndarray] | None]:
    """Each language's mean question, and the principal directions of the questions once their
    language's mean is removed (so that the directions say what is asked, not in which language)."""
    if not components or table.question_vectors is None or table.question_langs is None:
        return None, None
    vectors, langs = table.question_vectors, table.question_langs
    means = {str(lang): vectors[langs == lang].mean(axis=0) for lang in sorted(set(langs.tolist()))}
    centred = vectors - np.stack([means[str(lang)] for lang in langs])
    _, _, directions = np.linalg.svd(centred - centred.mean(axis=0), full_matrices=False)
    return directions[:components].T.astype(np.float32), means


def selector_inputs(selector: AnswerSelector, table: FeatureTable,
                    features: np.ndarray | None = None) -> np.ndarray:
    """Every candidate's FEATURES with its question's embedding components."""
    features = table.features if features is None else features
    if not selector.question_components:
        return features
    question = selector.question_features(table.question_vectors, [str(x) for x in table.question_langs])
    return np.hstack([features, question[table.question]])


@contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one thread while fitting: float sums then add up in one order, so the weights are
    the same bytes on any machine and in any process (the service sets its own thread count)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def fit_selector(table: FeatureTable, hidden: int = 16, epochs: int = 60, seed: int = SEED,
                 cross_share: float = 0.35, components: int = 4, networks: int = 5) -> AnswerSelector:
    """`networks` fits from seeds `seed`, `seed + 1`, ... on the same inputs, averaged."""
    with one_thread():
        return _fit(table, hidden, epochs, seed, cross_share, components, networks)


def _fit(table: FeatureTable, hidden: int, epochs: int, seed: int, cross_share: float,
         components: int, networks: int) -> AnswerSelector:
    import torch

    rng = np.random.default_rng(seed)
    basis, means = question_space(table, components)
    shell = AnswerSelector(np.zeros(1), np.ones(1), (), basis, means)
    # A share of the questions is seen as if asked in the other language, so the selector learns
    # to judge on meaning, names and numbers when words cannot be shared.
    crossed = rng.random(len(table.answerable)) < cross_share
    rows = crossed[table.question]
    # The questions we wrote in the other language than their article are few: seen three times.
    written = np.repeat(np.flatnonzero(~table.same_lang[table.question]
                                       & table.answerable[table.question]), 2)
    inputs_all = selector_inputs(shell, table)
    x = np.concatenate([inputs_all, inputs_all[written],
                        selector_inputs(shell, table, _cross_lingual_view(table.features))[rows]])
    y = np.concatenate([table.labels, table.labels[written], table.labels[rows]]).astype(np.float32)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    inputs = torch.tensor((x - mean) / scale, dtype=torch.float32)
    targets = torch.tensor(y)
    sizes = [x.shape[1], hidden, 1] if hidden else [x.shape[1], 1]
    batch_size = min(1024, max(16, len(inputs) // 50))  # at least ~50 steps an epoch
    nets = []
    for member in range(networks):
        torch.manual_seed(seed + member)
        layers: list[torch.nn.Module] = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(torch.nn.Tanh())
        model = torch.nn.Sequential(*layers)
        optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        generator = torch.Generator().manual_seed(seed + member)
        for _ in range(epochs):
            for batch in torch.randperm(len(inputs), generator=generator).split(batch_size):
                optimiser.zero_grad()
                loss = loss_fn(model(inputs[batch]).squeeze(-1), targets[batch])
                loss.backward()
                optimiser.step()
        nets.append(tuple((m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
                          for m in model if isinstance(m, torch.nn.Linear)))
    return AnswerSelector(mean.astype(np.float32), scale.astype(np.float32), nets[0], basis, means,
                          others=tuple(nets[1:]))


@dataclass(frozen=True)
class SelectionScores:
    precision_at_1: float  # answerable questions whose best sentence holds an answer
    answered_right: float  # ... and the selector is confident enough to answer
    false_abstention: float
    abstention_elsewhere: float  # questions about articles not in the corpus
    n: int


def evaluate(selector: AnswerSelector, table: FeatureTable, threshold: float,
             mask: np.ndarray | None = None) -> SelectionScores:
    """How the selector does per question: is the best sentence right, does it abstain."""
    probabilities = selector.forward(selector_inputs(selector, table))
    best: dict[int, tuple[float, int]] = {}
    for p, label, q in zip(probabilities, table.labels, table.question):
        if q not in best or p > best[q][0]:
            best[int(q)] = (float(p), int(label))
    asked = [q for q in range(len(table.answerable)) if mask is None or mask[q]]
    answerable = [q for q in asked if table.answerable[q] and q in best]
    elsewhere = [q for q in asked if not table.answerable[q]]

    return SelectionScores(
        share([best[q][1] == 1 for q in answerable]),
        share([best[q][1] == 1 and best[q][0] >= threshold for q in answerable]),
        share([best[q][0] < threshold for q in answerable]),
        share([q not in best or best[q][0] < threshold for q in elsewhere]),
        len(answerable))


def choose_threshold(selector: AnswerSelector, tables: list[FeatureTable], max_false_abstention: float,
                     cross_lingual: bool = False) -> float:
    """The highest threshold whose false abstention stays within the budget on every tuning set,
    over its questions in the corpus's language (or, with `cross_lingual`, in the other one)."""
    best = 0.0
    for threshold in np.round(np.arange(0.01, 0.6, 0.01), 2):
        if all(evaluate(selector, t, float(threshold), t.same_lang != cross_lingual).false_abstention
               <= max_false_abstention for t in tables if np.any(t.same_lang != cross_lingual)):
            best = float(threshold)
    return best


def answer_quality(selector: AnswerSelector, table: FeatureTable, thresholds: tuple[float, float],
                   ratio: float, max_chars: int) -> tuple[float, float]:
    """Share of answerable questions answered with a quote holding the answer, and the median
    length of the quotes, when the runner-up is quoted too at `ratio` of the best's probability
    (as `Composer.select` does)."""
    probabilities = selector.forward(selector_inputs(selector, table))
    by_question: dict[int, list[tuple[float, int, int]]] = {}
    quote_limit = ComposerSettings().max_quote_chars  # a longer sentence is trimmed (roughly)
    for p, label, q, n in zip(probabilities, table.labels, table.question, table.lengths):
        by_question.setdefault(int(q), []).append((float(p), int(label), min(int(n), quote_limit)))
    right, lengths = [], []
    for q, candidates in by_question.items():
        if not table.answerable[q]:
            continue
        candidates.sort(key=lambda c: -c[0])
        best = candidates[0]
        if best[0] < thresholds[0 if table.same_lang[q] else 1]:
            right.append(False)
            continue
        picked = [best]
        if len(candidates) > 1 and candidates[1][0] >= ratio * best[0] \
                and best[2] + candidates[1][2] <= max_chars:
            picked.append(candidates[1])
        right.append(any(c[1] for c in picked))
        lengths.append(sum(c[2] for c in picked))
    return sum(right) / len(right), float(np.median(lengths)) if lengths else 0.0


def choose_second_sentence(selector: AnswerSelector, tables: list[FeatureTable],
                           thresholds: tuple[float, float],
                           max_median: float = 180, log: Log = print) -> tuple[float, int]:
    """The ratio and the length budget for quoting a runner-up that answer most tuning questions
    right while every set's median quote stays within `max_median` characters."""
    best, best_right = (1.0, 260), -1.0
    for max_chars in (160, 200, 260):
        for ratio in (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
            scores = [answer_quality(selector, t, thresholds, ratio, max_chars) for t in tables]
            right = sum(r for r, _ in scores) / len(scores)
            log(f"second sentence at {ratio}, within {max_chars} characters: " +
                ", ".join(f"right {r:.3f}, median {m:.0f}" for r, m in scores))
            if all(m <= max_median for _, m in scores) and right > best_right:
                best, best_right = (ratio, max_chars), right
    return best


def train(log: Log = print, max_false_abstention: float = 0.04) -> dict[str, object]:
    """Fits the selector on the train split and chooses its thresholds on the tune split, where
    the cross-lingual questions are the ones we wrote by hand (eval/public/xling_tune_*)."""
    started = time.perf_counter()
    load = {name: FeatureTable.load(TRAINING_DIR / f"{name}.npz") for name, _ in FEATURE_SETS}
    train_table = _concat([load["en-train"], load["ja-train"]])
    tune = [load["en-tune"], load["ja-tune"]]
    selector = fit_selector(train_table)
    threshold = choose_threshold(selector, tune, max_false_abstention)
    cross_threshold = choose_threshold(selector, tune, max_false_abstention, cross_lingual=True)
    ratio, max_chars = choose_second_sentence(selector, tune, (threshold, cross_threshold), log=log)
    report: dict[str, object] = {"threshold": threshold, "cross_threshold": cross_threshold,
                                 "second_ratio": ratio, "max_answer_chars": max_chars,
                                 "train_rows": len(train_table.labels),
                                 "train_questions": len(train_table.answerable)}
    for name, table in zip(("en-tune", "ja-tune"), tune):
        for view, mask, limit in (("same language", table.same_lang, threshold),
                                  ("other language", ~table.same_lang, cross_threshold)):
            scores = evaluate(selector, table, limit, mask)
            report[f"{name} {view}"] = scores.__dict__
            log(f"{name} ({view}): P@1 {scores.precision_at_1:.3f}, right and answered "
                f"{scores.answered_right:.3f}, false abstention {scores.false_abstention:.3f}, "
                f"abstains elsewhere {scores.abstention_elsewhere:.3f} (n={scores.n})")
    path = WEIGHTS_DIR / SELECTOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    selector.save(path)
    write_manifest_entry(SELECTOR_FILE, {"features": list(FEATURES), "abstain_below": threshold,
                                         "abstain_below_cross": cross_threshold,
                                         "second_ratio": ratio, "max_answer_chars": max_chars,
                                         "trained_on": "eval/training/en-train.npz, ja-train.npz",
                                         "licence": "CC BY-SA 4.0 (SQuAD 2.0, JaQuAD: README)"})
    report["seconds"] = round(time.perf_counter() - started, 1)
    log(f"Selector written to {path} in {report['seconds']} s; chosen on the tuning split: "
        f"abstain below {threshold} ({cross_threshold} across languages), second sentence at {ratio} "
        f"within {max_chars} characters (the defaults of [answer] abstain_below, abstain_below_cross, "
        "second_ratio and max_answer_chars)")
    return report


def _concat(tables: list[FeatureTable]) -> FeatureTable:
    offsets = np.cumsum([0] + [len(t.answerable) for t in tables[:-1]])
    return FeatureTable(np.concatenate([t.features for t in tables]),
                        np.concatenate([t.labels for t in tables]),
                        np.concatenate([t.question + o for t, o in zip(tables, offsets)]),
                        np.concatenate([t.lengths for t in tables]),
                        np.concatenate([t.same_lang for t in tables]),
                        np.concatenate([t.answerable for t in tables]),
                        np.concatenate([t.question_vectors for t in tables]),
                        np.concatenate([t.question_langs for t in tables]))


if __name__ == "__main__":
    import sys

    from app.settings import load_settings

    if "--features" in sys.argv:
        build_features(load_settings(), only=tuple(a for a in sys.argv[1:] if not a.startswith("-")))
    print(json.dumps(train(), indent=2))
