"""The answer reranker's logic on small fakes: how it reorders the selector's sentences, what the
combiner makes of the two scores, its weights file, the kept token states, and the training
groups built from public data. The integration tests measure its quality with the real weights."""

import numpy as np
import pytest
import torch
from components import composer, hits
from safetensors.numpy import save_file

from app.answer.alignment import AlignmentHead
from app.answer.params import ComposerSettings
from app.answer.question import analyse
from app.answer.reranker import RERANKER_FILE, Combiner, SentenceReranker, rerank_inputs
from app.answer.selector import WeightsError, write_manifest_entry
from eval.rerank_data import _article_groups
from eval.rerank_tuning import Scored as TuneScored
from eval.rerank_tuning import fit_combiner, outcome
from index.embedder import KeptTokenStates, TokenStates

HIDDEN = 4


def states(text: str) -> TokenStates:
    """Stand-in token states: one token per word, from the word's characters."""
    rows = [[len(w) / 10, sum(map(ord, w)) % 7 / 7, w[:1].isupper(), 1.0] for w in text.split()]
    rows = rows or [[0, 0, 0, 1]]
    tokens = np.array(rows, np.float32)
    return TokenStates(tokens, tokens.mean(axis=0) / np.linalg.norm(tokens.mean(axis=0)))


class Favours:
    """A reranker that scores sentences holding `word` high, and remembers what it read."""

    def __init__(self, word: str) -> None:
        self.word, self.combiner, self.read = word, Combiner(np.array([0.0, 1.0, 0.0]), 0.0), []

    def scores(self, question, question_text, sentences, texts):
        self.read.append(list(texts))
        return np.array([3.0 if self.word in t else -3.0 for t in texts])


def test_the_reranker_reorders_the_selectors_first_sentences_and_caps_the_rest():
    c = composer(ComposerSettings(rerank_top=2))
    question = analyse("Where is the ITER reactor being built?")
    before = c.evidence(question, np.array([1.0, 0, 0, 0], np.float32), hits("c1", "c2"))
    fake = Favours("established")
    c.use_reranker(fake, lambda texts: [states(t) for t in texts])  # type: ignore[arg-type]
    after = c.evidence(question, np.array([1.0, 0, 0, 0], np.float32), hits("c1", "c2"))
    # Only the selector's first two sentences (headings aside) are read again.
    assert fake.read == [[s.text for s in before if s.text != "ITER"][:2]]
    assert {s.text for s in after[:2]} == set(fake.read[0])
    assert all(s.score <= after[1].score for s in after[2:])
    assert [s.score for s in after] == sorted((s.score for s in after), reverse=True)
    # None of the two holds "established": their order is the combiner's (here equal scores).
    fake = Favours("reactor")
    c.use_reranker(fake, lambda texts: [states(t) for t in texts])  # type: ignore[arg-type]
    top = c.evidence(question, np.array([1.0, 0, 0, 0], np.float32), hits("c1", "c2"))[0]
    assert "reactor" in top.text and top.score == pytest.approx(1 / (1 + np.exp(-3)))


def test_no_reranking_when_it_reads_no_sentence():
    c = composer(ComposerSettings(rerank_top=0))
    fake = Favours("ITER")
    c.use_reranker(fake, lambda texts: [states(t) for t in texts])  # type: ignore[arg-type]
    c.evidence(analyse("What is ITER?"), np.array([1.0, 0, 0, 0], np.float32), hits("c1"))
    assert fake.read == []


def test_the_combiner_rises_with_the_reranker_score_and_the_selector():
    combiner = Combiner(np.array([1.0, 0.5, 0.8]), -0.2)
    selector = np.array([0.4, 0.4, 0.7])
    p = combiner.probabilities(selector, np.array([2.0, 1.0, 1.0]))
    assert p[0] > p[1] and p[2] > p[1] and np.all((p > 0) & (p < 1))


def test_fitting_the_combiner_learns_which_score_tells():
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(200):
        labels = np.zeros(4, bool)
        labels[rng.integers(4)] = True
        scores = rng.normal(size=4) + 3 * labels  # the reranker tells, the selector does not
        groups.append(TuneScored(None, rng.uniform(0.1, 0.9, 4), scores, labels))  # type: ignore[arg-type]
    combiner = fit_combiner(groups)
    assert combiner.weights[1] + combiner.weights[2] > 1.0 and abs(combiner.weights[0]) < 0.5


def test_outcome_counts_precision_abstention_and_questions_it_cannot_answer():
    from types import SimpleNamespace

    def scored(answerable, p, labels):
        return TuneScored(SimpleNamespace(answerable=answerable), np.array(p), np.zeros(len(p)),
                          np.array(labels))

    group = [scored(True, [0.9, 0.2], [True, False]), scored(True, [0.3, 0.1], [False, True]),
             scored(False, [0.6], [False]), scored(False, [0.2], [False])]
    result = outcome(group, None, threshold=0.5)  # type: ignore[arg-type]
    assert (result.precision_at_1, result.answered_right, result.false_abstention,
            result.abstention_elsewhere, result.n) == (0.5, 0.5, 0.5, 0.5, 2)


def tiny_reranker() -> SentenceReranker:
    torch.manual_seed(0)
    head = AlignmentHead(HIDDEN, 6, 5, 1).eval()
    return SentenceReranker(head, np.zeros(5, np.float32), np.ones(5, np.float32),
                            Combiner(np.array([0.5, 1.0, 0.2]), -0.1))


def test_reranker_scores_read_tokens_and_each_sentence_as_if_alone():
    model = tiny_reranker()
    question = states("Where is the reactor?")
    texts = ["The reactor is being built in Cadarache, France.", "ITER was established in 2007."]
    both = model.scores(question, "Where is the reactor?", [states(t) for t in texts], texts)
    alone = model.scores(question, "Where is the reactor?", [states(texts[1])], texts[1:])
    assert both.shape == (2,) and both[1] == pytest.approx(alone[0], abs=1e-5)
    features = rerank_inputs(question, "Where is the reactor?", [states(t) for t in texts], texts)
    assert features.shape == (2, 5) and features[0, 1] > features[1, 1]  # shares more characters
    assert model.scores(question, "q", [], []).shape == (0,)


def test_reranker_weights_round_trip_and_a_damaged_or_other_file_names_the_fix(tmp_path):
    model = tiny_reranker()
    model.save(tmp_path / RERANKER_FILE)
    write_manifest_entry(RERANKER_FILE, {}, tmp_path)
    loaded = SentenceReranker.load(tmp_path)
    texts = ["The reactor is in France."]
    args = (states("Where?"), "Where?", [states(t) for t in texts], texts)
    assert np.allclose(loaded.scores(*args), model.scores(*args))
    assert np.allclose(loaded.combiner.weights, model.combiner.weights) and loaded.fingerprint
    tensors = model.tensors()
    del tensors["combiner.weights"]
    save_file({k: np.ascontiguousarray(v, np.float32) for k, v in tensors.items()},
              str(tmp_path / RERANKER_FILE))
    write_manifest_entry(RERANKER_FILE, {}, tmp_path)
    with pytest.raises(WeightsError, match="make train"):
        SentenceReranker.load(tmp_path)
    (tmp_path / RERANKER_FILE).write_bytes(b"damaged")
    with pytest.raises(WeightsError, match="make train"):
        SentenceReranker.load(tmp_path)


def test_kept_token_states_read_each_text_once():
    calls = []

    def read(texts):
        calls.append(list(texts))
        return [states(t) for t in texts]

    kept = KeptTokenStates(read, limit=3)
    first = kept(["a b", "c", "a b"])
    assert calls == [["a b", "c"]] and first[0] is first[2]
    assert kept(["c", "d e"])[0] is first[1] and calls[-1] == ["d e"]
    kept(["f", "g"])  # over the limit: starts again
    kept(["a b"])
    assert calls[-1] == ["a b"]


def test_training_groups_put_the_sentence_holding_the_answer_first():
    paragraphs = ["ITER is a fusion project. The reactor is being built in Cadarache, France. It is big.",
                  "The members are seven. ITER was established in 2007."]
    article = {"title": "ITER", "paragraphs": [
        {"context": paragraphs[0], "qas": [{"question": "Where is the reactor?", "answers": [
            {"text": "Cadarache", "answer_start": paragraphs[0].index("Cadarache")}]}]},
        {"context": paragraphs[1], "qas": [{"question": "When was ITER established?", "answers": [
            {"text": "2007", "answer_start": paragraphs[1].index("2007")}]},
            {"question": "Impossible?", "is_impossible": True, "answers": []}]}]}
    handwritten = [{"question": "ITERはいつ設立された？", "lang": "ja", "paragraph": 1, "answers": ["2007"]}]
    groups = _article_groups(article, "en", "train", np.random.default_rng(0), handwritten)
    assert [g.sentences[0] for g in groups] == [
        "The reactor is being built in Cadarache, France.", "ITER was established in 2007.",
        "ITER was established in 2007."]
    assert [g.langs for g in groups] == ["en→en", "en→en", "ja→en"]
    assert all(len(set(g.sentences)) == len(g.sentences) > 2 for g in groups)
    assert "Cadarache" not in " ".join(groups[0].sentences[1:])
    # Each group knows where its answer lies in the first sentence (the answer locator's labels).
    assert [g.sentences[0][g.answer[0]:g.answer[1]] for g in groups] == ["Cadarache", "2007", "2007"]
