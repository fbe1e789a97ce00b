"""`kakehashi train --head span`: the answer locator (`app/answer/answer_span.py`).

Every question group of `eval/training/rerank.jsonl.gz` carries the character span of the answer
in its gold sentence: the tokens that overlap it are the answer's. The network is fitted on the
`train` groups (fixed seed, one thread) from the token states the reranker's training already read
(cached in .kakehashi/cache), and measured on the `tune` groups by what trimming needs: of the
gold sentences too long to quote whole, how often the chosen run of words keeps the answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answer.answer_span import SPAN_FILE, AnswerLocator, SpanNetwork, answer_weight
from app.answer.composer import _windows
from app.answer.params import ComposerSettings
from app.answer.selector import WEIGHTS_DIR, write_manifest_entry
from app.settings import Settings
from eval.entailment_training import embedder_of, fit_head, read_sentences
from eval.rerank_data import Group, load_groups
from eval.rerank_training import STATES_CACHE
from eval.training import SEED, Log, one_thread
from index.embedder import TokenStates


@dataclass(frozen=True)
class SpanExample:
    question: TokenStates
    sentence: TokenStates
    text: str
    spans: list[tuple[int, int]]  # each sentence token's characters
    labels: np.ndarray  # [sentence tokens] bool: overlaps the answer
    answer: tuple[int, int]


def examples_of(groups: list[Group], states: dict[str, TokenStates],
                spans: dict[str, list[tuple[int, int]]]) -> list[SpanExample]:
    out = []
    for g in groups:
        if g.answer is None:
            continue
        text = g.sentences[0]
        start, end = g.answer
        token_spans = spans[text]
        labels = np.array([b > a and a < end and b > start for a, b in token_spans], bool)
        if labels.any() and len(token_spans) == len(states[text].tokens):
            out.append(SpanExample(states[g.question], states[text], text, token_spans, labels, g.answer))
    return out


def fit_locator(examples: list[SpanExample], width: int = 64, epochs: int = 6,
                seed: int = SEED) -> AnswerLocator:
    import torch

    from app.answer.alignment import padded

    with one_thread():
        torch.manual_seed(seed)
        network = SpanNetwork(examples[0].sentence.tokens.shape[1], width)

        def loss(rows: list[int]) -> torch.Tensor:
            chosen = [examples[r] for r in rows]
            a, a_mask = padded([e.question.tokens for e in chosen])
            b, b_mask = padded([e.sentence.tokens for e in chosen])
            # The answer's tokens share the target mass: the sentence's tokens compete for it.
            target = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(e.labels / e.labels.sum()).float()
                                                      for e in chosen], batch_first=True)
            logits = network(a, a_mask, b, b_mask)
            return -(target * logits.log_softmax(-1)).sum(-1).mean()

        fit_head(network, np.arange(len(examples)), 32, epochs, np.random.default_rng(seed), loss)
    return AnswerLocator(network)


def window_report(locator: AnswerLocator, examples: list[SpanExample], limit: int) -> dict[str, float]:
    """Of the sentences longer than `limit`, how often the run each rule picks keeps the answer."""
    kept: dict[str, list[bool]] = {"locator": [], "first run": [], "last run": []}
    for e in examples:
        windows = _windows(e.text, limit)
        if len(e.text) <= limit or len(windows) < 2:
            continue
        p = locator.token_probabilities(e.question, [e.sentence])[0]
        best = max(windows, key=lambda w: answer_weight(p, e.spans, *w))
        for name, (a, b) in (("locator", best), ("first run", windows[0]), ("last run", windows[-1])):
            kept[name].append(a <= e.answer[0] and e.answer[1] <= b)
    return {name: float(np.mean(v)) if v else 0.0 for name, v in kept.items()} | {"n": len(kept["locator"])}


def train_locator(settings: Settings, log: Log = print, folder: Path = WEIGHTS_DIR) -> dict[str, float]:
    started = time.perf_counter()
    embedder, fingerprint = embedder_of(settings)
    groups = load_groups()
    # The same texts as the reranker's training reads, so the same cached states.
    states = read_sentences([t for g in groups for t in (g.question, *g.sentences)],
                            settings.cache_dir / STATES_CACHE, embedder.token_states, fingerprint, log)
    gold = sorted({g.sentences[0] for g in groups})
    spans = dict(zip(gold, embedder.token_spans(gold)))
    train = examples_of([g for g in groups if g.split == "train"], states, spans)
    tune = examples_of([g for g in groups if g.split == "tune"], states, spans)
    locator = fit_locator(train)
    report = window_report(locator, tune, ComposerSettings().max_quote_chars)
    log(f"Tuning groups, gold sentences over {ComposerSettings().max_quote_chars} characters "
        f"(n={report['n']:.0f}): the chosen run keeps the answer {report['locator']:.3f} "
        f"(first run {report['first run']:.3f}, last run {report['last run']:.3f})")
    locator.save(folder / SPAN_FILE)
    write_manifest_entry(SPAN_FILE, {
        "encoder": "multilingual-e5-small (frozen) token states, prompt 'query: '",
        "output": "softmax over the sentence's tokens",
        "trained_on": "eval/training/rerank.jsonl.gz (train split: answer spans of the gold sentences)",
        "licence": "CC BY-SA 4.0 (SQuAD 2.0, JaQuAD: README)"}, folder)
    report["seconds"] = round(time.perf_counter() - started, 1)
    log(f"Answer locator written to {folder / SPAN_FILE} in {report['seconds']} s ({len(train)} sentences)")
    return report
