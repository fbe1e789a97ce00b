"""Fitting the entailment head (app/verify/entailment.py) on the public inference pairs.

The sentences of `eval/training/nli.jsonl.gz` (and the training premises joined to others) are
read once by the frozen bundled encoder, token by token, and kept in
`.kakehashi/cache/nli-states.npz` (outside git; about 30,000 sentences, about 2 minutes on two
cores the first time, 0.5 GB). The head is fitted on the
`train` split with fixed seeds on one thread (the same bytes on every run), its confidence
thresholds are chosen on the `tune` split, and `test` (held-out JSICK pairs in all four language
pairs, and all of JNLI test) is only ever reported.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from app.answer.alignment import AlignmentHead
from app.answer.selector import WEIGHTS_DIR, write_manifest_entry
from app.settings import Settings
from app.verify.entailment import ENTAILMENT_FILE, LABELS, EntailmentModel, combined, pair_inputs
from app.verify.pair_judge import PairJudge, encoder_fingerprint
from eval.entailment_data import PAIRS_FILE, Pair, load_pairs
from index.embedder import TokenStates

SEED = 20261123
Log = Callable[[str], None]
Encode = Callable[[list[str]], list[TokenStates]]
# Confident means at most this share of the tune split's other labels pass the threshold.
MAX_WRONG_CONTRADICTION = 0.03
MAX_WRONG_ENTAILMENT = 0.05
# JNLI (captions of photos) has far fewer training pairs than JSICK: each is seen twice.
JNLI_REPEAT = 2
# Heads from seeds SEED, SEED+1, ...: probabilities averaged (tune and held-out accuracy rose
# 1-3 points in every language pair over one head).
HEADS = 3
STATES_CACHE = "nli-states.npz"
TEST_STATES_CACHE = "nli-states-test.npz"  # the held-out report reads the test split alone


UNSEEN = "unseen sentences"  # the held-out pairs neither of whose sentences was trained on
HEADS_ALONE = ", heads alone"  # the held-out groups of the heads' judgement without the pair judge


def read_sentences(texts: list[str], cache: Path, encode: Encode, fingerprint: str,
                   log: Log = print) -> dict[str, TokenStates]:
    """Token states of `texts`, all read in one call in a fixed order (so in the same batches:
    padding moves the last bits of the states, and the head trained on them with it), or loaded
    from the cache file that such a call wrote for the same texts and model."""
    names = sorted(set(texts))
    key = hashlib.sha256("\n".join([fingerprint, *names]).encode()).hexdigest()
    stored: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["key"]) == key:
                stored = {name: data[name] for name in ("offsets", "states", "vectors")}
    if not stored:
        started = time.perf_counter()
        log(f"Reading {len(names)} sentences with the encoder (once; cached in {cache}) ...")
        read = encode(names)
        stored = {"offsets": np.concatenate([[0], np.cumsum([len(r.tokens) for r in read])]).astype(np.int64),
                  "states": np.concatenate([r.tokens for r in read]).astype(np.float16),
                  "vectors": np.stack([r.vector for r in read]).astype(np.float32)}
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, key=np.array(key), **stored)
        log(f"... {time.perf_counter() - started:.0f} s")
    # Used as stored (float16), so that a first run and a cached one train the same head.
    offsets, states, vectors = stored["offsets"], stored["states"], stored["vectors"]
    return {t: TokenStates(states[offsets[i]:offsets[i + 1]].astype(np.float32), vectors[i])
            for i, t in enumerate(names)}


@dataclass
class PairTable:
    premises: list[TokenStates]
    claims: list[TokenStates]
    labels: np.ndarray
    pairs: list[Pair]
    features: np.ndarray  # `pair_inputs` of every pair, computed once (negations, shared characters)

    def __len__(self) -> int:
        return len(self.pairs)

    def logits(self, model: EntailmentModel, rows: list[int]):  # -> torch.Tensor
        """The first head's logits (the one being trained)."""
        return model.logits_of([self.premises[i] for i in rows], [self.claims[i] for i in rows],
                               self.features[rows])

    def per_head(self, model: EntailmentModel, rows: list[int]) -> np.ndarray:
        return model.per_head([self.premises[i] for i in rows], [self.claims[i] for i in rows],
                              self.features[rows])


def table_of(pairs: list[Pair], states: dict[str, TokenStates]) -> PairTable:
    premises, claims = [states[p.premise] for p in pairs], [states[p.hypothesis] for p in pairs]
    return PairTable(premises, claims, np.array([p.label for p in pairs], np.int64), pairs,
                     pair_inputs(premises, [p.premise for p in pairs], claims, [p.hypothesis for p in pairs]))


def fit(table: PairTable, width: int = 128, epochs: int = 12, heads: int = HEADS) -> EntailmentModel:
    """`heads` heads from seeds SEED, SEED+1, ..., averaged."""
    from eval.training import one_thread

    with one_thread():
        fitted = [_fit(table, width, epochs, SEED + k) for k in range(heads)]
    first = fitted[0]
    return replace(first, others=tuple(m.head for m in fitted[1:]))


def _fit(table: PairTable, width: int, epochs: int, seed: int) -> EntailmentModel:
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    everything = np.arange(len(table))
    features = table.features
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    head = AlignmentHead(table.premises[0].tokens.shape[1], width, features.shape[1], len(LABELS))
    model = EntailmentModel(head, mean.astype(np.float32), scale.astype(np.float32))
    rows = np.concatenate([everything] + [np.flatnonzero([p.source == "jnli" for p in table.pairs])]
                          * (JNLI_REPEAT - 1))
    targets = torch.from_numpy(table.labels)
    fit_head(head, rows, 64, epochs, rng,
             lambda batch: torch.nn.functional.cross_entropy(table.logits(model, batch), targets[batch]))
    return model


def fit_head(head, rows: np.ndarray, batch_size: int, epochs: int, rng: np.random.Generator,
             loss: Callable[[list[int]], Any]) -> None:
    """Trains `head` (a torch module) on `rows` in shuffled batches: AdamW with a one-cycle
    schedule, `loss(batch)` per batch; leaves it in eval mode."""
    import torch

    steps = epochs * -(-len(rows) // batch_size)
    optimiser = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-2)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=1e-3, total_steps=steps, pct_start=0.1)
    head.train()
    for _ in range(epochs):
        order = rows[rng.permutation(len(rows))]
        for start in range(0, len(order), batch_size):
            optimiser.zero_grad()
            loss(order[start:start + batch_size].tolist()).backward()
            optimiser.step()
            schedule.step()
    head.eval()


def head_probabilities(model: EntailmentModel, table: PairTable, batch_size: int = 256) -> np.ndarray:
    """[heads, pairs, LABELS]: each head's probabilities."""
    return np.concatenate([table.per_head(model, list(range(start, min(start + batch_size, len(table)))))
                           for start in range(0, len(table), batch_size)], axis=1)


def threshold(probabilities: np.ndarray, is_label: np.ndarray, max_wrong: float) -> float:
    """The lowest probability whose false alarms on the other labels stay within `max_wrong`."""
    for value in np.round(np.arange(0.3, 0.99, 0.01), 2):
        if np.mean(probabilities[~is_label] >= value) <= max_wrong:
            return float(value)
    return 0.99


def accuracy_table(probabilities: np.ndarray, table: PairTable, seen: frozenset[str] = frozenset(),
                   suffix: str = "") -> dict[str, dict[str, float]]:
    """Accuracy of the judgement `probabilities` per group (source and language pair), overall and
    per label; with `seen` (the training sentences), also on the pairs neither of whose
    sentences is among them. `suffix` ends every group's name."""
    predicted = probabilities.argmax(axis=1)
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(table.pairs):
        groups.setdefault(f"{p.source} {p.langs}", []).append(i)
        if seen and p.premise not in seen and p.hypothesis not in seen:
            groups.setdefault(f"{p.source} {p.langs} {UNSEEN}", []).append(i)
    out = {}
    for name, rows in sorted(groups.items()):
        idx = np.array(rows)
        right = predicted[idx] == table.labels[idx]
        out[name + suffix] = {"accuracy": round(float(right.mean()), 4), "n": len(rows),
                     **{label: round(float(right[table.labels[idx] == k].mean()), 4)
                        for k, label in enumerate(LABELS) if (table.labels[idx] == k).any()}}
    return out


def with_longer_premises(pairs: list[Pair], seed: int = SEED) -> list[Pair]:
    """Each training pair again, its premise joined (before or after) to the premise of another
    pair in the same language: the label stands, since what the added sentence says is beside the
    point. The public pairs are short sentences; the evidence a claim meets is often a long one
    that says other things too."""
    rng = np.random.default_rng(seed)
    by_lang: dict[str, list[str]] = {}
    for pair in pairs:
        by_lang.setdefault(pair.langs[:2], []).append(pair.premise)
    out = []
    for pair in pairs:
        others = by_lang[pair.langs[:2]]
        other = others[int(rng.integers(len(others)))]
        space = " " if pair.langs.startswith("en") else ""
        joined = space.join([other, pair.premise] if rng.random() < 0.5 else [pair.premise, other])
        out.append(replace(pair, premise=joined))
    return out


def load_tables(encode: Encode, fingerprint: str, cache: Path, log: Log = print,
                splits: tuple[str, ...] = ("train", "tune", "test")) -> dict[str, PairTable]:
    pairs = [p for p in load_pairs(PAIRS_FILE) if p.split in splits]
    if "train" in splits:
        pairs += with_longer_premises([p for p in pairs if p.split == "train"])
    states = read_sentences([t for p in pairs for t in (p.premise, p.hypothesis)], cache, encode,
                            fingerprint, log)
    return {split: table_of([p for p in pairs if p.split == split], states)
            for split in splits}


def train_entailment(encode: Encode, fingerprint: str, cache: Path,
                     log: Log = print, folder: Path = WEIGHTS_DIR) -> dict[str, object]:
    tables = load_tables(encode, fingerprint, cache, log)
    started = time.perf_counter()
    train = tables["train"]
    model = fit(train)
    tune, test = tables["tune"], tables["test"]
    per_head = head_probabilities(model, tune)
    probabilities = per_head.min(axis=0)  # the checker's thresholds are on agreement
    entail_at = threshold(probabilities[:, 0], tune.labels == 0, MAX_WRONG_ENTAILMENT)
    contradict_at = threshold(probabilities[:, 1], tune.labels == 1, MAX_WRONG_CONTRADICTION)
    model = replace(model, entail_at=entail_at, contradict_at=contradict_at)
    seconds = time.perf_counter() - started
    report: dict[str, object] = {"entail_at": entail_at, "contradict_at": contradict_at,
                                 "train_pairs": len(train), "fit_seconds": round(seconds, 1),
                                 "tune": accuracy_table(per_head.mean(axis=0), tune),
                                 "test": accuracy_table(head_probabilities(model, test).mean(axis=0), test)}
    path = folder / ENTAILMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    write_manifest_entry(ENTAILMENT_FILE, {
        "entail_at": entail_at, "contradict_at": contradict_at, "labels": list(LABELS),
        "encoder": "multilingual-e5-small (frozen) token states, prompt 'query: '",
        "trained_on": "eval/training/nli.jsonl.gz (train split)",
        "licence": "CC BY-SA 4.0 (JSICK, JNLI: README)"}, folder)
    for split in ("tune", "test"):
        for name, row in report[split].items():  # type: ignore[attr-defined]
            log(f"entailment {split} {name}: accuracy {row['accuracy']:.3f} (n={row['n']})")
    log(f"Entailment head written to {path} in {seconds:.1f} s (fit); entails at {entail_at}, "
        f"contradicts at {contradict_at}")
    return report


def embedder_of(settings: Settings, log: Log = print):  # -> tuple[Embedder, str]
    """The bundled encoder as the heads' training reads it (batches of 64), and its fingerprint."""
    from app.service import resolve_model
    from index.embedder import Embedder

    model = resolve_model(settings, log=log)
    embedder = Embedder(model, settings.model.query_prompt, settings.model.passage_prompt, 64,
                        settings.model.query_threads)
    return embedder, encoder_fingerprint(model)


def train_from_settings(settings: Settings, log: Log = print) -> dict[str, object]:
    """`kakehashi train`'s entailment step: the bundled encoder, the project's cache folder."""
    embedder, fingerprint = embedder_of(settings, log)
    return train_entailment(embedder.token_states, fingerprint, settings.cache_dir / STATES_CACHE, log)


def held_out_report(settings: Settings, model: EntailmentModel, pair_judge: PairJudge | None = None,
                    log: Log = print) -> dict[str, dict[str, float]]:
    """The checker's judgement (the heads, with the pair judge when there is one) on the `test`
    split: accuracy overall and per label, per source and language pair, and on its pairs whose
    sentences the training split never used; with the pair judge, the heads alone too (groups
    ending in HEADS_ALONE). JSICK's pairs share sentences (its split is by pair), so two thirds
    of its test premises were seen in training, in other pairs; JNLI's test split shares almost
    none (16 of 2,508 pairs)."""
    embedder, fingerprint = embedder_of(settings, log)
    test = load_tables(embedder.token_states, fingerprint, settings.cache_dir / TEST_STATES_CACHE, log,
                       splits=("test",))["test"]
    trained = [p for p in load_pairs(PAIRS_FILE) if p.split == "train"]
    seen = frozenset(t for p in trained for t in (p.premise, p.hypothesis))
    per_head = head_probabilities(model, test)
    heads = per_head.mean(axis=0)
    if pair_judge is None:
        return accuracy_table(heads, test, seen)
    pair = pair_judge.pair_probabilities([(p.premise, p.hypothesis) for p in test.pairs])
    judgement, _ = combined(heads, per_head.min(axis=0), pair)
    return {**accuracy_table(judgement, test, seen), **accuracy_table(heads, test, suffix=HEADS_ALONE)}
