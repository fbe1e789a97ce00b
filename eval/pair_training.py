"""Fine-tunes the upper layers of the bundled encoder as the checker's pair judge (`make train`).

What it learns from: the `train` split of the public inference pairs (eval/entailment_data.py:
JSICK in English, Japanese and both mixes; JNLI), each read as one text, evidence then statement
(app/verify/pair_judge.py). The lower `FIRST_TUNED` layers stay the bundled model's: they are
run once over every pair and their states kept in memory, so each step trains the upper layers
alone (about 0.5 s a step of 32 pairs on two cores). Which layers and how long was chosen on the
`tune` split (README, "Claim checks": the upper 4 or 8 layers, 2 or 3 epochs); the thresholds of the
checker's combined probabilities are set there too, as the heads' are. Fixed seeds.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import torch

from app.answer.selector import WEIGHTS_DIR, write_manifest_entry
from app.settings import Settings
from app.verify.entailment import EntailmentModel, combined
from app.verify.pair_judge import (
    CLASSIFIER,
    PAIR_FILE,
    PairJudge,
    classify,
    encoder_fingerprint,
    pair_ids,
    tuned_names,
)
from eval.entailment_data import PAIRS_FILE, Pair, load_pairs
from eval.entailment_training import (
    HEADS_ALONE,
    MAX_WRONG_CONTRADICTION,
    MAX_WRONG_ENTAILMENT,
    SEED,
    STATES_CACHE,
    Log,
    accuracy_table,
    embedder_of,
    head_probabilities,
    load_tables,
    threshold,
)
from index.lean_encoder import LeanEncoder

FIRST_TUNED = 4  # layers 4-11 of 12 are fine-tuned
EPOCHS = 3
BATCH = 32
LEARNING_RATE = 5e-5  # the layers'; the new classifier's is 1e-3
DROPOUT = 0.1
# JNLI's captions are 14% of the training pairs (its training split is not in ../shared/data):
# each is read this many times an epoch. Chosen on JNLI captions held out of training (README).
JNLI_REPEAT = 3


def training_pairs(pairs: list[Pair]) -> list[Pair]:
    """The `train` split, its JNLI pairs repeated `JNLI_REPEAT` times."""
    train = [p for p in pairs if p.split == "train"]
    return train + [p for p in train if p.source == "jnli"] * (JNLI_REPEAT - 1)


def lower_states(encoder: LeanEncoder, rows: list[list[int]], first_tuned: int,
                 batch: int = 64) -> list[torch.Tensor]:
    """Each pair's states after the frozen lower layers, float16, in the order of `rows`."""
    out: list[torch.Tensor] = [torch.zeros(0)] * len(rows)
    with torch.inference_mode():
        for chunk, ids, mask in encoder.by_length(rows, batch):
            states = encoder.run_layers(encoder.embed(ids), mask, range(first_tuned)).half()
            for j, i in enumerate(chunk):
                out[i] = states[j, :len(rows[i])].clone()
    return out


def _stack(states: list[torch.Tensor], rows: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(states[i]) for i in rows)
    x = torch.zeros((len(rows), length, states[rows[0]].shape[1]))
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for j, i in enumerate(rows):
        x[j, :len(states[i])] = states[i].float()
        mask[j, :len(states[i])] = 1
    return x, mask


def _batches(states: list[torch.Tensor], rows: np.ndarray, rng: np.random.Generator) -> list[list[int]]:
    """Shuffled batches of similar lengths (sorted within runs of 50 batches): less padding."""
    order = rng.permutation(rows)
    span = BATCH * 50
    runs = [sorted(order[s:s + span].tolist(), key=lambda i: len(states[i]))
            for s in range(0, len(order), span)]
    batches = [run[s:s + BATCH] for run in runs for s in range(0, len(run), BATCH)]
    return [batches[k] for k in rng.permutation(len(batches))]


def fit(encoder: LeanEncoder, pairs: list[Pair], first_tuned: int = FIRST_TUNED, epochs: int = EPOCHS,
        log: Log = print) -> dict[str, torch.Tensor]:
    """The fine-tuned upper layers and classifier, float32."""
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    mark = time.perf_counter()
    states = lower_states(encoder, [pair_ids(encoder, p.premise, p.hypothesis) for p in pairs], first_tuned)
    log(f"Pair judge: read {len(pairs)} training pairs through the lower {first_tuned} layers in "
        f"{time.perf_counter() - mark:.0f} s")
    layers = {n: torch.nn.Parameter(encoder.w[n].clone()) for n in tuned_names(encoder, first_tuned)}
    head = torch.nn.Linear(2 * encoder.hidden, 3)
    labels = torch.tensor([p.label for p in pairs])
    steps = epochs * math.ceil(len(pairs) / BATCH)
    optimizer = torch.optim.AdamW([{"params": list(layers.values()), "lr": LEARNING_RATE},
                                   {"params": list(head.parameters()), "lr": 1e-3}], weight_decay=0.01)
    warmup = 0.06 * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, s / warmup) * max(0.0, (steps - s) / steps))
    upper = range(first_tuned, encoder.layers)
    step = 0
    for epoch in range(epochs):
        for rows in _batches(states, np.arange(len(pairs)), rng):
            x, mask = _stack(states, rows)
            weights = {**layers, CLASSIFIER[0]: head.weight, CLASSIFIER[1]: head.bias}
            out = encoder.run_layers(x, mask, upper, weights, dropout=DROPOUT)
            loss = torch.nn.functional.cross_entropy(classify(out, mask, weights), labels[rows])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*layers.values(), *head.parameters()], 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            if step % 200 == 0:
                log(f"Pair judge: step {step}/{steps}, loss {loss.item():.3f}, "
                    f"{time.perf_counter() - mark:.0f} s")
        log(f"Pair judge: epoch {epoch + 1} of {epochs} done")
    return {**{n: p.detach() for n, p in layers.items()},
            CLASSIFIER[0]: head.weight.detach(), CLASSIFIER[1]: head.bias.detach()}


def train_pair_judge(settings: Settings, log: Log = print, folder=WEIGHTS_DIR) -> dict[str, object]:
    """Fits the pair judge, sets the combined thresholds on `tune`, writes the file and manifest entry."""
    embedder, fingerprint = embedder_of(settings, log)
    encoder = embedder.lean
    if encoder is None:
        raise RuntimeError("the pair judge is fine-tuned from the bundled encoder, which this model "
                           f"setting ({embedder.model}) is not")
    pairs = load_pairs(PAIRS_FILE)
    started = time.perf_counter()
    weights = fit(encoder, training_pairs(pairs), log=log)
    seconds = time.perf_counter() - started
    judge = PairJudge(encoder, weights, FIRST_TUNED)
    heads = EntailmentModel.load(folder)
    tune_table = load_tables(embedder.token_states, fingerprint, settings.cache_dir / STATES_CACHE, log,
                             splits=("tune",))["tune"]
    pair = judge.pair_probabilities([(p.premise, p.hypothesis) for p in tune_table.pairs])
    per_head = head_probabilities(heads, tune_table)
    judgement, agreed = combined(per_head.mean(axis=0), per_head.min(axis=0), pair)
    entail_at = threshold(agreed[:, 0], tune_table.labels == 0, MAX_WRONG_ENTAILMENT)
    contradict_at = threshold(agreed[:, 1], tune_table.labels == 1, MAX_WRONG_CONTRADICTION)
    judge = replace(judge, entail_at=entail_at, contradict_at=contradict_at)
    path = folder / PAIR_FILE
    PairJudge.save(path, weights, FIRST_TUNED)
    write_manifest_entry(PAIR_FILE, {
        "entail_at": entail_at, "contradict_at": contradict_at, "first_tuned": FIRST_TUNED,
        "encoder": "multilingual-e5-small, layers 4-11 fine-tuned (float16), read as '<s> query: evidence "
                   "</s></s> query: statement </s>'",
        "encoder_fingerprint": encoder_fingerprint(embedder.model),
        "trained_on": "eval/training/nli.jsonl.gz (train split)",
        "licence": "CC BY-SA 4.0 (JSICK, JNLI: README)"}, folder)
    report = {**accuracy_table(judgement, tune_table),
              **accuracy_table(pair, tune_table, suffix=", pair judge alone"),
              **accuracy_table(per_head.mean(axis=0), tune_table, suffix=HEADS_ALONE)}
    for name, row in report.items():
        log(f"pair judge tune {name}: {row['accuracy']:.3f}")
    log(f"Pair judge written to {path} in {seconds:.0f} s (fit); combined entails at {entail_at}, "
        f"contradicts at {contradict_at}")
    return {"fit_seconds": round(seconds, 1), "entail_at": entail_at, "contradict_at": contradict_at,
            "tune": report}
