"""The pair judge (app/verify/pair_judge.py): how it reads a pair, its file format and what a
damaged, foreign or missing file does. Its layers run on the real bundled encoder; the weights
here are made up (the shipped ones are measured in tests/test_claims_quality.py)."""

from __future__ import annotations

import pytest
import torch

from app.answer.selector import WeightsError, write_manifest_entry
from app.verify.pair_judge import (
    CLASSIFIER,
    MAX_STATEMENT_TOKENS,
    PAIR_FILE,
    OtherEncoder,
    PairJudge,
    encoder_fingerprint,
    pair_ids,
    tuned_names,
)

pytestmark = pytest.mark.integration

FIRST_TUNED = 10  # two upper layers keep the file small


@pytest.fixture(scope="module")
def encoder(service):
    assert service.embedder.lean is not None
    return service.embedder.lean


def made_up(encoder) -> dict[str, torch.Tensor]:
    """The encoder's own upper layers, nudged, and a random classifier (fixed seed)."""
    generator = torch.Generator().manual_seed(0)
    weights = {n: encoder.w[n] + 0.01 * torch.randn(encoder.w[n].shape, generator=generator)
               for n in tuned_names(encoder, FIRST_TUNED)}
    weights[CLASSIFIER[0]] = torch.randn((3, 2 * encoder.hidden), generator=generator) * 0.1
    weights[CLASSIFIER[1]] = torch.zeros(3)
    return weights


def saved(tmp_path, encoder, model: str, weights=None, **entry) -> None:
    PairJudge.save(tmp_path / PAIR_FILE, weights or made_up(encoder), FIRST_TUNED)
    write_manifest_entry(PAIR_FILE, {"first_tuned": FIRST_TUNED, "entail_at": 0.6, "contradict_at": 0.4,
                                     "encoder_fingerprint": encoder_fingerprint(model), **entry}, tmp_path)


def test_a_pair_is_read_as_one_text_and_the_statement_is_never_cut_for_the_evidence(encoder):
    ids = pair_ids(encoder, "Canada takes part. " * 200, "Canada does not take part in it.")
    start, end = encoder.tokenizer.token_to_id("<s>"), encoder.tokenizer.token_to_id("</s>")
    assert ids[0] == start and ids[-1] == end and ids.count(end) == 3
    statement = ids[ids.index(end) + 2:-1]
    assert encoder.tokenizer.decode(statement).strip() == "query: Canada does not take part in it."
    assert len(statement) <= MAX_STATEMENT_TOKENS and len(ids) <= 128 + MAX_STATEMENT_TOKENS + 4


def test_weights_round_trip_and_pairs_are_judged_as_if_alone(tmp_path, encoder, service):
    saved(tmp_path, encoder, service.embedder.model)
    judge = PairJudge.load(encoder, service.embedder.model, tmp_path)
    assert judge.first_tuned == FIRST_TUNED and (judge.entail_at, judge.contradict_at) == (0.6, 0.4)
    both = judge.probabilities(["Canada takes part in the ISS.", "カナダは参加していない。"],
                               "Canada takes part.")
    alone = judge.probabilities(["カナダは参加していない。"], "Canada takes part.")
    assert both.shape == (2, 3) and abs(float(both.sum()) - 2.0) < 1e-5
    assert abs(both[1] - alone[0]).max() < 1e-4  # padding changes nothing
    # Saved as float16: the loaded layers are the made-up ones to that precision, and they are used.
    weights = made_up(encoder)
    assert all((judge.weights[n] - weights[n]).abs().max() < 1e-2 for n in weights)
    other = PairJudge(encoder, {**weights, CLASSIFIER[1]: torch.tensor([9.0, 0.0, 0.0])}, FIRST_TUNED)
    assert other.probabilities(["x"], "y")[0, 0] > 0.99
    assert judge.probabilities([], "y").shape == (0, 3)


def test_a_damaged_missing_or_foreign_file_is_refused_with_the_fix(tmp_path, encoder, service):
    model = service.embedder.model
    saved(tmp_path, encoder, model, encoder_fingerprint="another")
    with pytest.raises(OtherEncoder, match="another encoder"):
        PairJudge.load(encoder, model, tmp_path)
    weights = made_up(encoder)
    del weights[CLASSIFIER[1]]
    saved(tmp_path, encoder, model, weights)
    with pytest.raises(WeightsError, match="make train"):
        PairJudge.load(encoder, model, tmp_path)
    saved(tmp_path, encoder, model, first_tuned=12)
    with pytest.raises(WeightsError, match="make train"):
        PairJudge.load(encoder, model, tmp_path)
    saved(tmp_path, encoder, model)
    (tmp_path / PAIR_FILE).write_bytes(b"damaged")
    with pytest.raises(WeightsError, match="make train"):
        PairJudge.load(encoder, model, tmp_path)
    (tmp_path / PAIR_FILE).unlink()
    with pytest.raises(WeightsError, match="missing"):
        PairJudge.load(encoder, model, tmp_path)
