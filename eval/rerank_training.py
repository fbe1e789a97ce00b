"""Fitting the answer reranker (app/answer/reranker.py) on public question-sentence groups.

The questions and sentences of `eval/training/rerank.jsonl.gz` are read once by the frozen
bundled encoder, token by token, and kept in `.kakehashi/cache/rerank-states.npz` (outside git;
about 50,000 texts, several minutes on two cores the first time). The head is fitted on the
`train` groups with fixed seeds on one thread, each group a softmax over its sentences (the one
that holds the answer against the others); the `tune` groups are only measured. The combiner
with the selector is fitted afterwards on the product's own candidates for the tuning
questions (eval/rerank_combiner.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answer.alignment import AlignmentHead
from app.answer.reranker import RERANKER_FILE, Combiner, SentenceReranker, rerank_inputs
from app.answer.selector import (
    SELECTOR_FILE,
    WEIGHTS_DIR,
    AnswerSelector,
    read_manifest,
    write_manifest_entry,
)
from eval.entailment_training import embedder_of, fit_head, read_sentences
from eval.rerank_data import Group, load_groups
from index.embedder import TokenStates

SEED = 20261124
Log = Callable[[str], None]
Encode = Callable[[list[str]], list[TokenStates]]
STATES_CACHE = "rerank-states.npz"
TUNE_STATES_CACHE = "rerank-tune-states.npz"
# Until the combiner is fitted: the reranker's score alone decides.
SCORE_ONLY = Combiner(np.array([0.0, 1.0, 0.0]), 0.0)


@dataclass
class GroupTable:
    groups: list[Group]
    questions: list[TokenStates]
    sentences: list[list[TokenStates]]  # the first holds the answer
    features: list[np.ndarray]  # `rerank_inputs` of each group's pairs, computed once

    def __len__(self) -> int:
        return len(self.groups)

    def logits(self, model: SentenceReranker, rows: list[int]):  # -> torch.Tensor [groups, most]
        """Each group's scores, padded with -1e4 to the largest group of `rows`."""
        import torch

        questions = [self.questions[r] for r in rows for _ in self.sentences[r]]
        sentences = [s for r in rows for s in self.sentences[r]]
        flat = model.logits_of(questions, sentences, np.concatenate([self.features[r] for r in rows]))
        parts = torch.split(flat, [len(self.sentences[r]) for r in rows])
        return torch.nn.utils.rnn.pad_sequence(list(parts), batch_first=True, padding_value=-1e4)


def table_of(groups: list[Group], states: dict[str, TokenStates]) -> GroupTable:
    questions = [states[g.question] for g in groups]
    sentences = [[states[s] for s in g.sentences] for g in groups]
    features = [rerank_inputs(q, g.question, s, list(g.sentences))
                for q, g, s in zip(questions, groups, sentences)]
    return GroupTable(groups, questions, sentences, features)


def load_tables(encode: Encode, fingerprint: str, cache: Path, log: Log = print) -> dict[str, GroupTable]:
    groups = load_groups()
    states = read_sentences([t for g in groups for t in (g.question, *g.sentences)], cache, encode,
                            fingerprint, log)
    return {split: table_of([g for g in groups if g.split == split], states) for split in ("train", "tune")}


def fit(table: GroupTable, width: int = 128, epochs: int = 6, seed: int = SEED) -> SentenceReranker:
    from eval.training import one_thread

    with one_thread():
        return _fit(table, width, epochs, seed)


def _fit(table: GroupTable, width: int, epochs: int, seed: int) -> SentenceReranker:
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    features = np.concatenate(table.features)
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    head = AlignmentHead(table.questions[0].tokens.shape[1], width, features.shape[1], 1)
    model = SentenceReranker(head, mean.astype(np.float32), scale.astype(np.float32), SCORE_ONLY)
    # Each group is a softmax over its sentences; the first holds the answer.
    fit_head(head, np.arange(len(table)), 32, epochs, rng,
             lambda rows: torch.nn.functional.cross_entropy(table.logits(model, rows),
                                                            torch.zeros(len(rows), dtype=torch.long)))
    return model


def first_right(model: SentenceReranker, table: GroupTable, batch_size: int = 64) -> np.ndarray:
    """Per group: does the reranker put the sentence that holds the answer first?"""
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(table), batch_size):
            rows = list(range(start, min(start + batch_size, len(table))))
            out.append((table.logits(model, rows).argmax(dim=1) == 0).numpy())
    return np.concatenate(out)


def precision_table(model: SentenceReranker, table: GroupTable) -> dict[str, dict[str, float]]:
    """Share of groups whose answer sentence comes first, per language pair: the reranker's,
    and the sentence-embedding cosine's (what the selector reads) as the baseline."""
    right = first_right(model, table)
    by_cosine = np.array([int(np.argmax(f[:, 0])) == 0 for f in table.features])
    out = {}
    for langs in sorted({g.langs for g in table.groups}):
        rows = np.array([g.langs == langs for g in table.groups])
        out[langs] = {"n": int(rows.sum()), "reranker": round(float(right[rows].mean()), 4),
                      "cosine": round(float(by_cosine[rows].mean()), 4)}
    return out


def train_head(encode: Encode, fingerprint: str, cache: Path, log: Log = print,
               width: int = 128, epochs: int = 6) -> tuple[SentenceReranker, dict[str, object]]:
    tables = load_tables(encode, fingerprint, cache, log)
    started = time.perf_counter()
    model = fit(tables["train"], width, epochs)
    seconds = time.perf_counter() - started
    report = {"train_groups": len(tables["train"]), "fit_seconds": round(seconds, 1),
              "tune": precision_table(model, tables["tune"])}
    for langs, row in report["tune"].items():  # type: ignore[attr-defined]
        log(f"reranker tune {langs}: answer sentence first {row['reranker']:.3f} "
            f"(cosine {row['cosine']:.3f}, n={row['n']})")
    log(f"Reranker head fitted in {seconds:.1f} s")
    return model, report


def train_reranker(settings, log: Log = print, folder: Path = WEIGHTS_DIR,
                   max_false_abstention: float = 0.03) -> dict[str, object]:
    """`kakehashi train`'s reranker step: the head on the training groups, then the combiner with
    the (freshly fitted) selector and the abstention thresholds on the tuning questions."""
    embedder, fingerprint = embedder_of(settings)
    started = time.perf_counter()
    model, report = train_head(embedder.token_states, fingerprint, settings.cache_dir / STATES_CACHE, log)
    model, tuned = fit_on_tuning(model, embedder.token_states, fingerprint, settings.cache_dir, log,
                                 folder, max_false_abstention)
    report.update(tuned, seconds=round(time.perf_counter() - started, 1))
    path = save(model, tuned, folder)
    log(f"Reranker written to {path} in {report['seconds']} s; abstain below {tuned['abstain_below']} "
        f"({tuned['abstain_below_cross']} across languages), second sentence at {tuned['second_ratio']}, "
        f"third at {tuned['third_ratio']}, within {tuned['max_answer_chars']} characters: the defaults of "
        "[answer] abstain_below, abstain_below_cross, second_ratio, third_ratio and max_answer_chars")
    return report


def save(model: SentenceReranker, tuned: dict[str, object], folder: Path = WEIGHTS_DIR) -> Path:
    path = folder / RERANKER_FILE
    model.save(path)
    write_manifest_entry(RERANKER_FILE, {
        **{key: tuned[key] for key in ("abstain_below", "abstain_below_cross", "second_ratio",
                                       "third_ratio", "max_answer_chars")},
        "combiner": [*map(float, model.combiner.weights), model.combiner.bias],
        "encoder": "multilingual-e5-small (frozen) token states, prompt 'query: '",
        "trained_on": "eval/training/rerank.jsonl.gz (train split); combiner and thresholds: "
                      "eval/training/rerank-tune.jsonl.gz",
        "licence": "CC BY-SA 4.0 (SQuAD 2.0, JaQuAD: README)"}, folder)
    return path


def fit_on_tuning(model: SentenceReranker, encode: Encode, fingerprint: str, cache_dir: Path,
                  log: Log = print, folder: Path = WEIGHTS_DIR,
                  max_false_abstention: float = 0.03) -> tuple[SentenceReranker, dict[str, object]]:
    """The combiner with the selector in `folder`, and the abstention thresholds, on the tuning
    questions; the report compares the selector alone (with its own thresholds) and reranked."""
    from eval import rerank_tuning as tuning
    from eval.training import one_thread

    questions = tuning.load()
    states = read_sentences([t for q in questions for t in (q.question, *q.texts)],
                            cache_dir / TUNE_STATES_CACHE, encode, fingerprint, log)
    selector = AnswerSelector.load(folder)
    with one_thread():  # sums in one order: the combiner's bytes do not depend on the thread count
        scored = tuning.score(questions, selector, model, lambda texts: [states[t] for t in texts])
    combiner = tuning.fit_combiner(scored)
    model = SentenceReranker(model.head, model.mean, model.scale, combiner)
    corpora = ("en-tune", "ja-tune")
    # Same language: the questions in the corpus's language and those it cannot answer; other
    # language: the hand-written questions in the other language.
    same = [[s for s in scored
             if s.question.corpus == c and (s.question.same_lang or not s.question.answerable)]
            for c in corpora]
    cross = [[s for s in scored
              if s.question.corpus == c and s.question.answerable and not s.question.same_lang]
             for c in corpora]
    threshold = tuning.choose_threshold(same, combiner, max_false_abstention)
    cross_threshold = tuning.choose_threshold(cross, combiner, max_false_abstention)
    # The runner-up's rule, for these probabilities (sharper than the selector's alone).
    by_corpus = [[s for s in scored if s.question.corpus == c] for c in corpora]
    ratio, third, max_chars = tuning.choose_more_sentences(by_corpus, combiner, (threshold, cross_threshold))
    report: dict[str, object] = {"abstain_below": threshold, "abstain_below_cross": cross_threshold,
                                 "second_ratio": ratio, "third_ratio": third, "max_answer_chars": max_chars}
    entry = read_manifest(folder)[SELECTOR_FILE]
    for name, groups, before_at, after_at in (("same language", same, entry["abstain_below"], threshold),
                                              ("other language", cross, entry["abstain_below_cross"],
                                               cross_threshold)):
        for corpus, group in zip(corpora, groups):
            before, after = tuning.outcome(group, None, before_at), tuning.outcome(group, combiner, after_at)
            report[f"{corpus} {name}"] = {"selector": before.__dict__, "reranked": after.__dict__}
            log(f"{corpus} ({name}): P@1 {before.precision_at_1:.3f} -> {after.precision_at_1:.3f}, "
                f"right and answered {before.answered_right:.3f} -> {after.answered_right:.3f}, "
                f"false abstention {before.false_abstention:.3f} -> {after.false_abstention:.3f}, "
                f"abstains elsewhere {before.abstention_elsewhere:.3f} -> {after.abstention_elsewhere:.3f} "
                f"(n={after.n})")
    return model, report
