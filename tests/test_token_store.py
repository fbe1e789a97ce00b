"""Sentences' token states kept in the index: stored and found again by text, reused from the
index a rebuild replaces, refused when damaged; and with the real index, a first answer reads
nothing through the encoder but its question."""

import numpy as np
import pytest

from index.embedder import TokenStates
from index.token_store import STATES, TokenStateStore, read_all


def _states(text: str, hidden: int = 4) -> TokenStates:
    rng = np.random.default_rng(len(text))
    return TokenStates(rng.normal(size=(len(text.split()), hidden)).astype(np.float32),
                       rng.normal(size=hidden).astype(np.float32))


def _read(log: list[list[str]]):
    def read(texts: list[str]) -> list[TokenStates]:
        log.append(list(texts))
        return [_states(t) for t in texts]
    return read


def test_states_round_trip_through_the_folder_and_are_found_by_text(tmp_path):
    texts = ["ITER is built in France.", "理研 の 海外 事務所", "One more sentence here."]
    store = TokenStateStore.of(texts, [_states(t) for t in texts])
    store.save(tmp_path)
    loaded = TokenStateStore.load(tmp_path)
    assert loaded is not None and len(loaded) == 3
    for text in texts:
        found = loaded.get(text)
        assert found is not None and found.tokens.dtype == np.float32
        assert np.allclose(found.tokens, _states(text).tokens, atol=1e-2)  # float16 on disk
        assert np.allclose(found.vector, _states(text).vector, atol=1e-2)
    assert loaded.get("A sentence the index does not hold.") is None
    assert TokenStateStore.load(tmp_path / "elsewhere") is None  # an index without states


def test_a_rebuild_reads_only_the_sentences_the_old_index_did_not_keep():
    log: list[list[str]] = []
    old = read_all(["Kept sentence one.", "Kept sentence two."], _read(log))
    assert log == [["Kept sentence one.", "Kept sentence two."]]
    new = read_all(["Kept sentence two.", "A new sentence.", "A new sentence."], _read(log), old)
    assert log[-1] == ["A new sentence."]
    assert len(new) == 3 and new.get("Kept sentence two.") is not None


def test_damaged_files_are_refused(tmp_path):
    texts = ["First sentence here.", "Second one."]
    TokenStateStore.of(texts, [_states(t) for t in texts]).save(tmp_path)
    np.save(tmp_path / STATES, np.zeros((2, 4), np.float16))  # fewer token rows than the offsets say
    with pytest.raises(ValueError, match="line up"):
        TokenStateStore.load(tmp_path)


@pytest.mark.integration
def test_a_first_answer_reads_only_its_question_with_the_encoder(service):
    assert service.index.token_states is not None and service.states.stored is not None
    log: list[list[str]] = []
    real = service.states.read

    def counting(texts: list[str]) -> list[TokenStates]:
        log.append(list(texts))
        return real(texts)

    service.states.read = counting
    try:
        question = "Which countries take part in the Sakura Science Program, as stated in the sources?"
        answer = service.ask(question)
    finally:
        service.states.read = real
    assert not answer.abstained
    assert log == [[question]]
