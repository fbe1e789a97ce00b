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
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from app.evidence import FEATURES, candidates_of
from app.question import analyse
from app.selector import SELECTOR_FILE, WEIGHTS_DIR, AnswerSelector, write_manifest_entry
from app.settings import Settings
from eval.metrics import normalize
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

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, features=self.features.astype(np.float16), labels=self.labels,
                            question=self.question, lengths=self.lengths, same_lang=self.same_lang,
                            answerable=self.answerable,
                            names=np.array(FEATURES, dtype=np.str_))

    @classmethod
    def load(cls, path: Path) -> FeatureTable:
        with np.load(path, allow_pickle=False) as data:
            if [str(n) for n in data["names"]] != list(FEATURES):
                raise ValueError(f"{path}: made for other features; run `kakehashi train --features`")
            return cls(data["features"].astype(np.float32), data["labels"], data["question"],
                       data["lengths"], data["same_lang"], data["answerable"])


def collect(service, questions: list[PublicQuestion], corpus_lang: str) -> FeatureTable:
    rows, labels, owner, lengths, same, answerable = [], [], [], [], [], []
    for i, q in enumerate(questions):
        result = service.retriever.search(q.question, service.settings.retrieval.k)
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
                        np.array(same, bool), np.array(answerable, bool))


def build_features(settings: Settings, data_dir: Path = DEFAULT_DATA_DIR, log: Log = print) -> None:
    from app.service import Kakehashi

    root = settings.path(settings.data_dir) / "public"
    questions = {name: build_corpus(spec, root / name, data_dir) for name, spec in CORPORA.items()
                 if spec.split != "dev"}
    for name, foreign in FEATURE_SETS:
        started = time.perf_counter()
        service = Kakehashi(corpus_settings(settings, root / name), log=log, selector=dense_only_selector(),
                            check_claims=False)
        asked = questions[name] + [replace(q, answerable=False) for other in foreign
                                   for q in questions[other][:300]]
        table = collect(service, asked, CORPORA[name].lang)
        table.save(TRAINING_DIR / f"{name}.npz")
        log(f"{name}: {len(asked)} questions, {len(table.labels)} candidate sentences "
            f"({time.perf_counter() - started:.0f} s)")


def tune_fusion(settings: Settings, data_dir: Path = DEFAULT_DATA_DIR, log: Log = print,
                names: tuple[str, ...] = ("en-tune", "ja-tune")) -> dict[tuple[float, int], float]:
    """Passage hit@1 on the tuning corpora for each keyword weight and RRF constant."""
    from app.service import Kakehashi
    from index.retriever import reciprocal_rank_fusion

    root = settings.path(settings.data_dir) / "public"
    rankings = []
    for name in names:
        questions = [q for q in build_corpus(CORPORA[name], root / name, data_dir) if q.answerable]
        service = Kakehashi(corpus_settings(settings, root / name), log=log, selector=dense_only_selector(),
                            check_claims=False)
        retriever, depth = service.retriever, service.settings.retrieval.candidates
        for q in questions:
            vector = service.embedder.encode_query(q.question)
            dense = list(retriever._dense(vector))[:depth]
            keyword = [service.index.chunks[row].id for row, _ in
                       service.index.keywords.top(service.tokenizer.tokenize(q.question), depth)]
            gold = {c.id for c in service.index.chunks if in_gold_paragraph(c.doc, c.start, c.end, q)}
            rankings.append((name, dense, keyword, gold))
    results = {}
    for weight in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
        for rrf_k in (5, 10, 30, 60):
            per_set = {}
            for name in names:
                hits = []
                for set_name, dense, keyword, gold in rankings:
                    if set_name != name:
                        continue
                    fused = reciprocal_rank_fusion([(dense, 1.0), (keyword, weight)], rrf_k)
                    top = min(fused.items(), key=lambda item: (-item[1], item[0]))[0] if fused else None
                    hits.append(top in gold)
                per_set[name] = sum(hits) / len(hits)
            results[(weight, rrf_k)] = sum(per_set.values()) / len(per_set)
            log(f"keyword weight {weight}, rrf_k {rrf_k}: " +
                ", ".join(f"{k} {v:.3f}" for k, v in per_set.items()))
    return results


# ---------------------------------------------------------------------------- fitting


def _cross_lingual_view(features: np.ndarray) -> np.ndarray:
    """The same candidates as a question in the other language would see them: no shared words."""
    out = features.copy()
    out[:, _LEXICAL] = 0.0
    out[:, _SAME_LANG] = 0.0
    return out


def fit_selector(table: FeatureTable, hidden: int = 16, epochs: int = 60, seed: int = SEED,
                 cross_share: float = 0.35) -> AnswerSelector:
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    # A share of the questions is seen as if asked in the other language, so the selector learns
    # to judge on meaning, names and numbers when words cannot be shared.
    crossed = rng.random(len(table.answerable)) < cross_share
    x = np.concatenate([table.features, _cross_lingual_view(table.features[crossed[table.question]])])
    y = np.concatenate([table.labels, table.labels[crossed[table.question]]]).astype(np.float32)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    inputs = torch.tensor((x - mean) / scale, dtype=torch.float32)
    targets = torch.tensor(y)
    sizes = [len(FEATURES), hidden, 1] if hidden else [len(FEATURES), 1]
    layers: list[torch.nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(seed)
    batch_size = min(1024, max(16, len(inputs) // 50))  # at least ~50 steps an epoch
    for _ in range(epochs):
        for batch in torch.randperm(len(inputs), generator=generator).split(batch_size):
            optimiser.zero_grad()
            loss = loss_fn(model(inputs[batch]).squeeze(-1), targets[batch])
            loss.backward()
            optimiser.step()
    linear = [m for m in model if isinstance(m, torch.nn.Linear)]
    return AnswerSelector(mean.astype(np.float32), scale.astype(np.float32),
                          tuple((m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
                                for m in linear))


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
    probabilities = selector.probabilities(table.features)
    best: dict[int, tuple[float, int]] = {}
    for p, label, q in zip(probabilities, table.labels, table.question):
        if q not in best or p > best[q][0]:
            best[int(q)] = (float(p), int(label))
    asked = [q for q in range(len(table.answerable)) if mask is None or mask[q]]
    answerable = [q for q in asked if table.answerable[q] and q in best]
    elsewhere = [q for q in asked if not table.answerable[q]]

    def share(values: list[bool]) -> float:
        return sum(values) / len(values) if values else 0.0

    return SelectionScores(
        share([best[q][1] == 1 for q in answerable]),
        share([best[q][1] == 1 and best[q][0] >= threshold for q in answerable]),
        share([best[q][0] < threshold for q in answerable]),
        share([q not in best or best[q][0] < threshold for q in elsewhere]),
        len(answerable))


def choose_threshold(selector: AnswerSelector, tables: list[FeatureTable],
                     max_false_abstention: float) -> float:
    """The highest threshold whose false abstention stays within the budget on every tuning set,
    the same-language questions and their cross-lingual view alike."""
    views = tables + [replace(t, features=_cross_lingual_view(t.features)) for t in tables]
    best = 0.0
    for threshold in np.round(np.arange(0.01, 0.6, 0.01), 2):
        if all(evaluate(selector, t, float(threshold)).false_abstention <= max_false_abstention
               for t in views):
            best = float(threshold)
    return best


def train(log: Log = print, max_false_abstention: float = 0.04) -> dict[str, object]:
    started = time.perf_counter()
    load = {name: FeatureTable.load(TRAINING_DIR / f"{name}.npz") for name, _ in FEATURE_SETS}
    train_table = _concat([load["en-train"], load["ja-train"]])
    tune = [load["en-tune"], load["ja-tune"]]
    selector = fit_selector(train_table)
    threshold = choose_threshold(selector, tune, max_false_abstention)
    report: dict[str, object] = {"threshold": threshold, "train_rows": len(train_table.labels),
                                 "train_questions": len(train_table.answerable)}
    for name, table in zip(("en-tune", "ja-tune"), tune):
        for view, t in (("same", table), ("cross view", replace(table, features=_cross_lingual_view(
                table.features)))):
            scores = evaluate(selector, t, threshold)
            report[f"{name} {view}"] = scores.__dict__
            log(f"{name} ({view}): P@1 {scores.precision_at_1:.3f}, right and answered "
                f"{scores.answered_right:.3f}, false abstention {scores.false_abstention:.3f}, "
                f"abstains elsewhere {scores.abstention_elsewhere:.3f} (n={scores.n})")
    path = WEIGHTS_DIR / SELECTOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    selector.save(path)
    write_manifest_entry(SELECTOR_FILE, {"features": list(FEATURES), "abstain_below": threshold,
                                         "trained_on": "eval/training/en-train.npz, ja-train.npz",
                                         "licence": "CC BY-SA 4.0 (SQuAD 2.0, JaQuAD: README)"})
    report["seconds"] = round(time.perf_counter() - started, 1)
    log(f"Selector written to {path} in {report['seconds']} s; abstain below {threshold}")
    return report


def _concat(tables: list[FeatureTable]) -> FeatureTable:
    offsets = np.cumsum([0] + [len(t.answerable) for t in tables[:-1]])
    return FeatureTable(np.concatenate([t.features for t in tables]),
                        np.concatenate([t.labels for t in tables]),
                        np.concatenate([t.question + o for t, o in zip(tables, offsets)]),
                        np.concatenate([t.lengths for t in tables]),
                        np.concatenate([t.same_lang for t in tables]),
                        np.concatenate([t.answerable for t in tables]))


if __name__ == "__main__":
    import sys

    from app.settings import load_settings

    if "--fusion" in sys.argv:
        scores = tune_fusion(load_settings())
        print("best:", max(scores.items(), key=lambda item: item[1]))
        sys.exit(0)
    if "--features" in sys.argv:
        build_features(load_settings())
    print(json.dumps(train(), indent=2))
