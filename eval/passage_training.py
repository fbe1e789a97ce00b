"""`kakehashi train --head passages`: the learned passage ranker (`index/passage_ranker.py`).

1. `--features` (about three minutes): asks every answerable question of the public `train` and
   `tune` corpora (eval/public.py, our hand-written cross-lingual questions included) of the
   product's own retriever and writes each candidate passage's features and whether it is the
   gold paragraph to `eval/training/passages-{train,tune,tune-mixed}.npz` (CC BY-SA, see
   README). The training questions are asked of both languages' articles in one folder, as a
   bilingual collection holds them: a question whose evidence is in the other language then
   meets passages of its own language that share its words, and the ranker learns not to
   prefer them for that alone (fitted on single-language corpora, it did).
2. Fitting (seconds): a linear score with a softmax over each question's candidates, on the
   train split, fixed seed, one thread; hit@1 on the tune split, single-language and mixed,
   against reciprocal rank fusion.

Nothing here reads the `dev` split that `kakehashi eval --sets public` reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answer.passage_weights import save_passage_ranker
from app.settings import Settings
from eval.public import DEFAULT_DATA_DIR, build_named_corpus
from eval.training import SEED, TRAINING_DIR, Log, corpus_settings, in_gold_paragraph, one_thread
from index.passage_ranker import PASSAGE_FEATURES, PassageRanker
from index.retriever import FusionParams

SPLITS = {"train": ("mixed-train",), "tune": ("ja-tune", "en-tune"), "tune-mixed": ("mixed-tune",)}


@dataclass(frozen=True)
class PassageTable:
    """Candidate passages of many questions: rows `offsets[i]:offsets[i + 1]` are question i's."""

    features: np.ndarray  # [rows, PASSAGE_FEATURES] float32
    gold: np.ndarray  # [rows] bool: part of the question's gold paragraph
    offsets: np.ndarray  # [questions + 1] int64
    cross_lingual: np.ndarray  # [questions] bool: a hand-written question in the other language
    langs: np.ndarray  # [questions] the question's language

    def save(self, path: Path) -> None:
        np.savez_compressed(path, features=self.features.astype(np.float32), gold=self.gold,
                            offsets=self.offsets, cross_lingual=self.cross_lingual, langs=self.langs)

    @classmethod
    def load(cls, path: Path) -> PassageTable:
        with np.load(path, allow_pickle=False) as data:
            features = data["features"]
            if features.shape[1] != len(PASSAGE_FEATURES):
                raise ValueError(f"{path}: {features.shape[1]} features, not the {len(PASSAGE_FEATURES)} "
                                 "this code computes; collect them again with `kakehashi train --features`")
            return cls(features.astype(np.float64), data["gold"], data["offsets"], data["cross_lingual"],
                       data["langs"])

    def groups(self) -> list[slice]:
        return [slice(int(a), int(b)) for a, b in zip(self.offsets[:-1], self.offsets[1:])]


def collect(settings: Settings, names: tuple[str, ...], data_dir: Path = DEFAULT_DATA_DIR,
            log: Log = print) -> PassageTable:
    """Every answerable question whose gold paragraph either side of retrieval finds."""
    from app.service import Kakehashi

    root = settings.path(settings.data_dir) / "public"
    features, gold, offsets, cross, langs = [], [], [0], [], []
    for name in names:
        questions = [q for q in build_named_corpus(name, root, data_dir) if q.answerable]
        service = Kakehashi(corpus_settings(settings, root / name), log=log, check_claims=False,
                            rerank=False, rank_passages=False)
        chunks = service.index.chunks
        for q in questions:
            vector = service.embedder.encode_query(q.question)
            rows, described = service.retriever.candidates(q.question, vector)
            labels = [in_gold_paragraph(chunks[r].doc, chunks[r].start, chunks[r].end, q) for r in rows]
            if not any(labels):
                continue  # nothing to learn from: neither side found it
            features.append(described)
            gold += labels
            offsets.append(offsets[-1] + len(rows))
            cross.append(q.handwritten)
            langs.append(q.lang)
    return PassageTable(np.concatenate(features), np.array(gold, bool), np.array(offsets, np.int64),
                        np.array(cross, bool), np.array(langs, dtype="<U2"))


def build_tables(settings: Settings, data_dir: Path = DEFAULT_DATA_DIR, log: Log = print) -> None:
    for split, names in SPLITS.items():
        started = time.perf_counter()
        table = collect(settings, names, data_dir, log)
        table.save(TRAINING_DIR / f"passages-{split}.npz")
        log(f"passages-{split}: {len(table.offsets) - 1} questions, {len(table.gold)} candidate passages "
            f"({time.perf_counter() - started:.0f} s)")


def fit_ranker(table: PassageTable, epochs: int = 300, weight_decay: float = 1e-3) -> PassageRanker:
    """Maximises the probability the softmax over each question's candidates gives its gold ones."""
    import torch

    groups = table.groups()
    width = max(g.stop - g.start for g in groups)
    mean = table.features.mean(axis=0)
    scale = table.features.std(axis=0) + 1e-6
    padded = np.zeros((len(groups), width, len(PASSAGE_FEATURES)))
    mask = np.zeros((len(groups), width), bool)
    gold = np.zeros((len(groups), width), bool)
    for i, g in enumerate(groups):
        n = g.stop - g.start
        padded[i, :n] = (table.features[g] - mean) / scale
        mask[i, :n], gold[i, :n] = True, table.gold[g]
    x, m, y = (torch.tensor(padded, dtype=torch.float32), torch.tensor(mask), torch.tensor(gold))
    with one_thread():
        torch.manual_seed(SEED)
        linear = torch.nn.Linear(len(PASSAGE_FEATURES), 1)
        optimiser = torch.optim.Adam(linear.parameters(), lr=0.01, weight_decay=weight_decay)
        for _ in range(epochs):
            optimiser.zero_grad()
            z = linear(x).squeeze(2).masked_fill(~m, -1e9)
            loss = (torch.logsumexp(z, 1) - torch.logsumexp(z.masked_fill(~y, -1e9), 1)).mean()
            loss.backward()
            optimiser.step()
    weights = linear.weight.detach().numpy()[0].astype(np.float64)
    return PassageRanker(mean, scale, weights, float(linear.bias.detach()[0]))


def fused_scores(features: np.ndarray, fusion: FusionParams | None = None) -> np.ndarray:
    """Reciprocal rank fusion recomputed from the rank features (what the ranker replaces)."""
    fusion = fusion or FusionParams()
    column = {name: features[:, i] for i, name in enumerate(PASSAGE_FEATURES)}

    def term(reciprocal: np.ndarray) -> np.ndarray:  # 1 / (1 + rank) -> 1 / (rrf_k + rank + 1)
        found = reciprocal > 0
        return np.where(found, 1 / (fusion.rrf_k + 1 / np.where(found, reciprocal, 1)), 0.0)

    same = column["same_lang"] > 0
    weight = np.where(same, fusion.keyword_weight, fusion.cross_keyword_weight)
    keyword = term(column["keyword_rank"]) * weight
    return fusion.dense_weight * term(column["dense_rank"]) + keyword


def hit_at_1(table: PassageTable, score, select: np.ndarray) -> float:
    hits = [bool(table.gold[g][int(np.argmax(score(table.features[g])))])
            for g, chosen in zip(table.groups(), select) if chosen]
    return sum(hits) / len(hits) if hits else 0.0


def train_passage_ranker(log: Log = print) -> dict[str, float]:
    started = time.perf_counter()
    train = PassageTable.load(TRAINING_DIR / "passages-train.npz")
    ranker = fit_ranker(train)
    report: dict[str, float] = {}
    for split in ("tune", "tune-mixed"):
        tune = PassageTable.load(TRAINING_DIR / f"passages-{split}.npz")
        corpus = "both languages in one folder" if split == "tune-mixed" else "one language"
        for lang in ("ja", "en"):
            for cross in (False, True):
                select = (tune.langs == lang) & (tune.cross_lingual == cross)
                view = f"{split} {lang} questions{' (other language)' if cross else ''}"
                report[f"{view} fusion"] = hit_at_1(tune, fused_scores, select)
                report[f"{view} ranker"] = hit_at_1(tune, ranker.scores, select)
                log(f"{view}, {corpus}: passage hit@1 {report[f'{view} fusion']:.3f} by rank fusion, "
                    f"{report[f'{view} ranker']:.3f} by the ranker (n={int(select.sum())})")
    path = save_passage_ranker(ranker, {"trained_on": "eval/training/passages-train.npz",
                                        "licence": "CC BY-SA 4.0 (SQuAD 2.0, JaQuAD: README)"})
    log(f"Passage ranker written to {path} in {time.perf_counter() - started:.1f} s "
        f"({len(train.offsets) - 1} training questions)")
    return report
