"""The learned answer locator: where in a long sentence the answer lies, and how a quote is trimmed
to keep it; its file format, its labels and fitting on small fakes, and the encoder's token
offsets with the real model (its effect on public answers is in test_public_eval.py)."""

import numpy as np
import pytest

from app.answer.answer_span import SPAN_FILE, AnswerLocator, SpanNetwork, answer_weight
from app.answer.composer import Composer
from app.answer.evidence import FEATURES, Scored
from app.answer.params import ComposerSettings
from app.answer.question import analyse
from app.answer.selector import WeightsError, write_manifest_entry
from eval.rerank_data import Group
from eval.span_training import examples_of, fit_locator
from index.embedder import TokenStates
from ingest.records import Chunk

SENTENCE = ("Cadarache in the south of France was chosen, after long negotiations between the partners, "
            "as the site where the ITER reactor is being built, and the members agreed to share its costs.")


def _words(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for word in text.split():
        at = text.index(word, at)
        spans.append((at, at + len(word)))
        at += len(word)
    return spans


class _WordLocator:
    """Finds the answer in one of the given words."""

    def __init__(self, *answers: str) -> None:
        self.answers = answers

    def token_probabilities(self, question: TokenStates, sentences: list[TokenStates]) -> list[np.ndarray]:
        return [np.array([1.0 if w.strip(",.") in self.answers else 0.01 for w in SENTENCE.split()])]


def _states(texts: list[str]) -> list[TokenStates]:
    return [TokenStates(np.zeros((len(t.split()), 2), np.float32), np.zeros(2, np.float32)) for t in texts]


SHORT_QUOTES = ComposerSettings(max_quote_chars=90)


def _trim_with(locator: _WordLocator | None, settings: ComposerSettings = SHORT_QUOTES,
               limit: int = 90, quote: int | None = None) -> str:
    chunk = Chunk(id="c", doc="d.md", start=0, end=len(SENTENCE), line_start=1, line_end=1, lang="en",
                  title="", text=SENTENCE, sentences=[(0, len(SENTENCE))])
    composer = Composer(None, None, None, [chunk], {}, {"d.md": SENTENCE},  # type: ignore[arg-type]
                        settings)
    if locator is not None:
        composer.use_locator(locator, _states, lambda texts: [_words(t) for t in texts])  # type: ignore[arg-type]
    sentence = Scored(chunk, 0, 0, len(SENTENCE), 0.0, np.zeros(len(FEATURES), np.float32), 0.9)
    start, end = composer.trim(sentence, analyse("Where is the ITER reactor being built?"), np.zeros(2), [],
                               quote)
    assert end - start <= limit and SENTENCE[start:end].strip() == SENTENCE[start:end]
    return SENTENCE[start:end]


def test_a_long_sentence_is_trimmed_to_the_run_holding_the_located_answer():
    assert "Cadarache" in _trim_with(_WordLocator("Cadarache"))
    assert "costs" in _trim_with(_WordLocator("costs"))


def test_a_quote_widens_where_the_locator_is_unsure_which_run_holds_the_answer():
    unsure = _WordLocator("Cadarache", "costs")  # one at each end: no short run holds both
    short = _trim_with(unsure, ComposerSettings(max_quote_chars=90, widen_below=0.0))
    assert ("Cadarache" in short) != ("costs" in short)
    widening = ComposerSettings(max_quote_chars=90, widen_below=0.8, wide_quote_chars=200)
    wide = _trim_with(unsure, widening, 200)
    assert "Cadarache" in wide and "costs" in wide
    sure = _trim_with(_WordLocator("costs"), ComposerSettings(max_quote_chars=90, widen_below=0.8))
    assert "costs" in sure and "Cadarache" not in sure  # a confident locator keeps the short run
    # A quote kept shorter than one long quote (two sentences quoted together) never widens.
    pair = _trim_with(unsure, widening, 60, quote=60)
    assert ("Cadarache" in pair) != ("costs" in pair)


def test_answer_weight_counts_the_tokens_inside_the_run_only():
    p = np.array([0.9, 0.5, 0.8, 0.3])
    spans = [(0, 3), (3, 3), (4, 9), (10, 12)]  # the second is a bare word-start mark
    assert answer_weight(p, spans, 0, 9) == pytest.approx(1.7)
    assert answer_weight(p, spans, 4, 12) == pytest.approx(1.1)
    assert answer_weight(p, spans, 5, 12) == pytest.approx(0.3)  # a token cut in two is not inside


def _random_locator() -> AnswerLocator:
    import torch
    torch.manual_seed(0)
    return AnswerLocator(SpanNetwork(8, 4).eval())


def _random_states(rng: np.random.Generator, tokens: int) -> TokenStates:
    return TokenStates(rng.normal(size=(tokens, 8)).astype(np.float32), np.zeros(8, np.float32))


def test_weights_round_trip_and_a_damaged_file_names_the_fix(tmp_path):
    locator = _random_locator()
    locator.save(tmp_path / SPAN_FILE)
    write_manifest_entry(SPAN_FILE, {}, tmp_path)
    loaded = AnswerLocator.load(tmp_path)
    rng = np.random.default_rng(0)
    question, sentence = _random_states(rng, 3), _random_states(rng, 5)
    assert np.allclose(loaded.token_probabilities(question, [sentence])[0],
                       locator.token_probabilities(question, [sentence])[0], atol=1e-6)
    (tmp_path / SPAN_FILE).write_bytes(b"not safetensors")
    with pytest.raises(WeightsError, match="make train"):
        AnswerLocator.load(tmp_path)


def test_each_sentence_spreads_one_unit_of_probability_over_its_own_tokens():
    """Sentences of different lengths read in one call: padding takes no share."""
    locator = _random_locator()
    rng = np.random.default_rng(0)
    question = _random_states(rng, 3)
    sentences = [_random_states(rng, n) for n in (2, 7, 4)]
    found = locator.token_probabilities(question, sentences)
    assert [len(p) for p in found] == [2, 7, 4]
    assert all(p.sum() == pytest.approx(1.0, abs=1e-5) and (p > 0).all() for p in found)
    alone = locator.token_probabilities(question, sentences[:1])[0]
    assert np.allclose(alone, found[0], atol=1e-6)


def test_labels_mark_the_tokens_that_overlap_the_answer():
    text = "ITER was established in 2007 by seven members."
    group = Group("When was ITER established?", "en", (text, "Other."), "en", "train",
                  (text.index("2007"), text.index("2007") + 4))
    states = {t: TokenStates(np.zeros((len(t.split()), 2), np.float32), np.zeros(2, np.float32))
              for t in (group.question, text)}
    (example,) = examples_of([group], states, {text: _words(text)})
    assert [w for w, label in zip(text.split(), example.labels) if label] == ["2007"]


def test_fitting_learns_that_the_answer_follows_the_question_words():
    """Random token states; the question holds a cue token, the sentence holds it somewhere and
    the answer is the token right after it: only the alignment and the neighbourhood tell."""
    rng = np.random.default_rng(1)

    def example(i: int) -> tuple[Group, dict[str, TokenStates], list[tuple[int, int]]]:
        cue = rng.normal(size=16)
        question = np.vstack([rng.normal(size=(3, 16)), cue])
        sentence = rng.normal(size=(10, 16))
        at = int(rng.integers(0, 9))
        sentence[at] = cue
        text = " ".join(f"w{i}x{j}" for j in range(10))
        spans = _words(text)
        group = Group(f"q{i}", "en", (text, "x"), "en", "train", spans[at + 1])
        states = {f"q{i}": TokenStates(question.astype(np.float32), np.zeros(16, np.float32)),
                  text: TokenStates(sentence.astype(np.float32), np.zeros(16, np.float32))}
        return group, states, spans

    made = [example(i) for i in range(400)]
    examples = [e for g, states, spans in made for e in examples_of([g], states, {g.sentences[0]: spans})]
    locator = fit_locator(examples[:300], width=16, epochs=80)
    found = [locator.token_probabilities(e.question, [e.sentence])[0] for e in examples[300:]]
    right = [int(np.argmax(p)) == int(np.argmax(e.labels)) for p, e in zip(found, examples[300:])]
    assert np.mean(right) > 0.5  # chance is 0.1


@pytest.mark.integration
def test_token_offsets_line_up_with_the_encoder_tokens(service):
    texts = ["New York City is the largest city.", "理研の海外事務所はどこにありますか？", "x"]
    spans = service.embedder.token_spans(texts)
    states = service.embedder.token_states(texts)
    for text, own, read in zip(texts, spans, states):
        assert len(own) == len(read.tokens)
        assert "".join(text[a:b] for a, b in own).replace(" ", "") == text.replace(" ", "")
