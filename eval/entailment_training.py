"""Fitting the entailment head (app/verify/entailment.py) on the public inference pairs.

The sentences of `eval/training/nli.jsonl.gz` are embedded once with the frozen bundled encoder
and kept in `.kakehashi/cache/nli-vectors.npz` (outside git; about 15,000 short sentences, a few
minutes on two cores the first time). The head is fitted on the `train` split with fixed seeds,
its confidence thresholds are chosen on the `tune` split, and `test` (held-out JSICK pairs in all
four language pairs, and all of JNLI test) is only ever reported.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answer.selector import WEIGHTS_DIR, write_manifest_entry
from app.settings import Settings
from app.verify.entailment import (
    ENTAILMENT_FILE,
    LABELS,
    EntailmentModel,
    lexical_features,
    negations,
    pair_features,
)
from eval.entailment_data import PAIRS_FILE, Pair, load_pairs

SEED = 20261123
Log = Callable[[str], None]
# Confident means at most this share of the tune split's other labels pass the threshold.
MAX_WRONG_CONTRADICTION = 0.03
MAX_WRONG_ENTAILMENT = 0.05


def embed_sentences(texts: list[str], cache: Path, encode: Callable[[list[str]], np.ndarray],
                    fingerprint: str, log: Log = print) -> dict[str, np.ndarray]:
    """Vectors for `texts`, computed only for those the cache file lacks."""
    known: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["fingerprint"]) == fingerprint:
                known = dict(zip((str(t) for t in data["texts"]), data["vectors"]))
    todo = sorted({t for t in texts if t not in known})
    if todo:
        started = time.perf_counter()
        log(f"Embedding {len(todo)} training sentences (once; cached in {cache}) ...")
        vectors = encode(todo)
        known.update(zip(todo, vectors))
        cache.parent.mkdir(parents=True, exist_ok=True)
        names = sorted(known)
        np.savez(cache, texts=np.array(names, dtype=np.str_), fingerprint=np.array(fingerprint),
                 vectors=np.stack([known[t] for t in names]).astype(np.float32))
        log(f"... {time.perf_counter() - started:.0f} s")
    return known


@dataclass
class PairTable:
    premises: np.ndarray
    claims: np.ndarray
    neg_premise: np.ndarray
    neg_claim: np.ndarray
    lexical: np.ndarray
    labels: np.ndarray
    pairs: list[Pair]


def table_of(pairs: list[Pair], vectors: dict[str, np.ndarray]) -> PairTable:
    return PairTable(np.stack([vectors[p.premise] for p in pairs]),
                     np.stack([vectors[p.hypothesis] for p in pairs]),
                     np.array([negations(p.premise) for p in pairs]),
                     np.array([negations(p.hypothesis) for p in pairs]),
                     np.array([lexical_features(p.premise, p.hypothesis) for p in pairs], np.float32),
                     np.array([p.label for p in pairs], np.int64), pairs)


def features_of(t: PairTable) -> np.ndarray:
    return pair_features(t.premises, t.claims, t.neg_premise, t.neg_claim, t.lexical)


def fit(table: PairTable, hidden: int = 256, epochs: int = 25, seed: int = SEED) -> EntailmentModel:
    from eval.training import one_thread

    with one_thread():
        return _fit(table, hidden, epochs, seed)


def _fit(table: PairTable, hidden: int, epochs: int, seed: int) -> EntailmentModel:
    import torch

    torch.manual_seed(seed)
    x = features_of(table)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    inputs = torch.tensor((x - mean) / scale)
    targets = torch.tensor(table.labels)
    model = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(x.shape[1], hidden),
                                torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(hidden, len(LABELS)))
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    generator = torch.Generator().manual_seed(seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(inputs), generator=generator).split(256):
            optimiser.zero_grad()
            loss_fn(model(inputs[batch]), targets[batch]).backward()
            optimiser.step()
    linear = [m for m in model if isinstance(m, torch.nn.Linear)]
    return EntailmentModel(mean.astype(np.float32), scale.astype(np.float32),
                           tuple((m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy())
                                 for m in linear))


def threshold(probabilities: np.ndarray, is_label: np.ndarray, max_wrong: float) -> float:
    """The lowest probability whose false alarms on the other labels stay within `max_wrong`."""
    for value in np.round(np.arange(0.3, 0.99, 0.01), 2):
        if np.mean(probabilities[~is_label] >= value) <= max_wrong:
            return float(value)
    return 0.99


def accuracy_table(model: EntailmentModel, table: PairTable) -> dict[str, dict[str, float]]:
    """Accuracy per group (source and language pair), overall and per label."""
    predicted = model.forward(features_of(table)).argmax(axis=1)
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(table.pairs):
        groups.setdefault(f"{p.source} {p.langs}", []).append(i)
    out = {}
    for name, rows in sorted(groups.items()):
        idx = np.array(rows)
        right = predicted[idx] == table.labels[idx]
        out[name] = {"accuracy": round(float(right.mean()), 4), "n": len(rows),
                     **{label: round(float(right[table.labels[idx] == k].mean()), 4)
                        for k, label in enumerate(LABELS) if (table.labels[idx] == k).any()}}
    return out


def fingerprint_of(model_dir: str) -> str:
    from index.embedder import model_fingerprint

    return hashlib.sha256(model_fingerprint(model_dir).encode()).hexdigest()[:16]


def load_tables(encode: Callable[[list[str]], np.ndarray], fingerprint: str, cache: Path,
                log: Log = print,
                splits: tuple[str, ...] = ("train", "tune", "test")) -> dict[str, PairTable]:
    pairs = [p for p in load_pairs(PAIRS_FILE) if p.split in splits]
    vectors = embed_sentences([t for p in pairs for t in (p.premise, p.hypothesis)], cache, encode,
                              fingerprint, log)
    return {split: table_of([p for p in pairs if p.split == split], vectors)
            for split in splits}


def train_entailment(encode: Callable[[list[str]], np.ndarray], fingerprint: str, cache: Path,
                     log: Log = print, folder: Path = WEIGHTS_DIR) -> dict[str, object]:
    tables = load_tables(encode, fingerprint, cache, log)
    started = time.perf_counter()
    train = tables["train"]
    model = fit(train)
    tune = tables["tune"]
    probabilities = model.forward(features_of(tune))
    entail_at = threshold(probabilities[:, 0], tune.labels == 0, MAX_WRONG_ENTAILMENT)
    contradict_at = threshold(probabilities[:, 1], tune.labels == 1, MAX_WRONG_CONTRADICTION)
    model = EntailmentModel(model.mean, model.scale, model.layers, entail_at,
                            contradict_at)
    seconds = time.perf_counter() - started
    report: dict[str, object] = {"entail_at": entail_at, "contradict_at": contradict_at,
                                 "train_pairs": len(train.labels), "fit_seconds": round(seconds, 1),
                                 "tune": accuracy_table(model, tune),
                                 "test": accuracy_table(model, tables["test"])}
    path = folder / ENTAILMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    write_manifest_entry(ENTAILMENT_FILE, {
        "entail_at": entail_at, "contradict_at": contradict_at, "labels": list(LABELS),
        "encoder": "multilingual-e5-small (frozen), prompt 'query: '",
        "trained_on": "eval/training/nli.jsonl.gz (train split)",
        "licence": "CC BY-SA 4.0 (JSICK, JNLI: README)"}, folder)
    for split in ("tune", "test"):
        for name, row in report[split].items():  # type: ignore[attr-defined]
            log(f"entailment {split} {name}: accuracy {row['accuracy']:.3f} (n={row['n']})")
    log(f"Entailment head written to {path} in {seconds:.1f} s (fit); entails at {entail_at}, "
        f"contradicts at {contradict_at}")
    return report


def train_from_settings(settings: Settings, log: Log = print) -> dict[str, object]:
    """`kakehashi train`'s entailment step: the bundled encoder, the project's cache folder."""
    from app.service import resolve_model
    from index.embedder import Embedder

    model = resolve_model(settings, log=log)
    embedder = Embedder(model, settings.model.query_prompt, settings.model.passage_prompt, 64,
                        settings.model.query_threads)
    return train_entailment(embedder.encode_queries, fingerprint_of(model),
                            settings.cache_dir / "nli-vectors.npz", log)


def held_out_report(settings: Settings, model: EntailmentModel,
                    log: Log = print) -> dict[str, dict[str, float]]:
    """The head's accuracy (overall, per label) on the `test` split, per source and language pair."""
    from app.service import resolve_model
    from index.embedder import Embedder

    path = resolve_model(settings, log=log)
    embedder = Embedder(path, settings.model.query_prompt, settings.model.passage_prompt, 64,
                        settings.model.query_threads)
    tables = load_tables(embedder.encode_queries, fingerprint_of(path),
                         settings.cache_dir / "nli-vectors.npz", log, splits=("test",))
    return accuracy_table(model, tables["test"])
