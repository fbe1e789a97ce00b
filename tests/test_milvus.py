"""The Milvus backend (through langchain-milvus), tested against Milvus Lite, the embedded engine."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.backends import VectorStoreParams, open_vector_store
from index.milvus_store import MilvusStore, filter_expr, row_key


def test_filter_becomes_a_milvus_expression() -> None:
    assert filter_expr({"lang": "en"}) == 'lang == "en"'
    assert filter_expr({"lang": "ja", "year": 2020}) == 'lang == "ja" and year == 2020'
    assert filter_expr({"title": 'say "hi"'}) == 'title == "say \\"hi\\""'
    with pytest.raises(ValueError):
        filter_expr({"lang or 1": "en"})
    with pytest.raises(ValueError):
        filter_expr({"lang": ["en"]})


def test_unknown_backend_is_refused(service) -> None:
    with pytest.raises(ValueError, match="'annoy' is not one of faiss, milvus"):
        open_vector_store(VectorStoreParams("annoy"), service.embedder, service.index)


def test_settings_choose_the_backend(tmp_path: Path) -> None:
    from app.service import vector_backend
    from app.settings import SettingsError, load_settings

    settings = load_settings(environ={"KAKEHASHI_VECTOR_STORE__BACKEND": "milvus",
                                      "KAKEHASHI_VECTOR_STORE__URI": "data/v.db"}, root=tmp_path)
    backend = vector_backend(settings)
    assert backend.backend == "milvus" and backend.uri == str(tmp_path / "data" / "v.db")
    cluster = load_settings(environ={"KAKEHASHI_VECTOR_STORE__BACKEND": "milvus",
                                     "KAKEHASHI_VECTOR_STORE__URI": "http://milvus.internal:19530"})
    assert vector_backend(cluster).uri == "http://milvus.internal:19530"
    assert load_settings(environ={}).vector_store.backend == "faiss"
    with pytest.raises(SettingsError):
        load_settings(environ={"KAKEHASHI_VECTOR_STORE__BACKEND": "chroma"})


@pytest.fixture(scope="module")
def milvus_store(service, tmp_path_factory) -> MilvusStore:
    folder = tmp_path_factory.mktemp("milvus")
    backend = VectorStoreParams("milvus", str(folder / "kakehashi.db"), "test")
    store = open_vector_store(backend, service.embedder, service.index, state_path=folder / "state.json")
    assert isinstance(store, MilvusStore)
    return store


@pytest.fixture(scope="module")
def dev_vectors(service) -> list[tuple[str, np.ndarray]]:
    from eval.datasets import EVAL_DIR, load_qa

    return [(case.question, service.embedder.encode_query(case.question))
            for case in load_qa(EVAL_DIR / "dev_qa.jsonl")]


@pytest.mark.integration
def test_milvus_lite_finds_what_faiss_finds(service, milvus_store, dev_vectors) -> None:
    faiss_store = service.retriever.vector_store
    assert milvus_store.client.get_collection_stats(milvus_store.collection_name)["row_count"] \
        == len(service.index.chunks)
    for _, vector in dev_vectors:
        for lang in ("ja", "en"):
            expected = faiss_store.similarity_search_with_score_by_vector(vector, k=10, filter={"lang": lang})
            found = milvus_store.similarity_search_with_score_by_vector(vector, k=10, filter={"lang": lang})
            assert [d.id for d, _ in found[:5]] == [d.id for d, _ in expected[:5]]
            assert np.allclose([s for _, s in found], [s for _, s in expected], atol=1e-4)
            assert all(d.metadata["lang"] == lang for d, _ in found)


@pytest.mark.integration
def test_hybrid_retrieval_is_the_same_on_either_backend(service, milvus_store, dev_vectors) -> None:
    retriever = service.retriever.model_copy(update={"vector_store": milvus_store})
    keyword_hits = 0
    for question, _ in dev_vectors:
        ours = retriever.search(question)
        theirs = service.retriever.search(question)
        assert [h.chunk.id for h in ours.hits] == [h.chunk.id for h in theirs.hits]
        keyword_hits += sum(h.keyword is not None for h in ours.hits)
    assert keyword_hits > 0  # keyword search still takes part with Milvus


@pytest.mark.integration
def test_sync_inserts_and_deletes_only_the_difference(service, tmp_path: Path, monkeypatch) -> None:
    from index.milvus_store import open_milvus_store

    chunks, vectors = service.index.chunks, service.index.vectors
    common = {"uri": str(tmp_path / "s.db"), "collection": "sync", "model_key": "m",
              "state_path": tmp_path / "state.json", "insert_batch": 7}
    store = open_milvus_store(service.embedder, chunks[:20], vectors, **common)
    assert store.stored_keys() == {row_key(c) for c in chunks[:20]}

    def refuse(*args, **kwargs):
        raise AssertionError("compared and sent again although the state file matched")

    with monkeypatch.context() as patch:  # the state file says the collection matches already
        patch.setattr(MilvusStore, "sync", refuse)
        open_milvus_store(service.embedder, chunks[:20], vectors, **common)

    inserted, deleted = store.sync(chunks[10:30], vectors.reconstruct_n(0, 30)[10:30], 7, print)
    assert (inserted, deleted) == (10, 10)
    assert store.stored_keys() == {row_key(c) for c in chunks[10:30]}
    hit = store.similarity_search_with_score_by_vector(vectors.reconstruct(15), k=1)
    assert hit[0][0].id == chunks[15].id and hit[0][1] == pytest.approx(1.0, abs=1e-4)
    # an index that wants other rows than the state file records: the next start syncs
    repaired = open_milvus_store(service.embedder, chunks[5:25], vectors, **common)
    assert repaired.stored_keys() == {row_key(c) for c in chunks[5:25]}


@pytest.mark.integration
def test_the_service_answers_through_milvus(service, settings, tmp_path: Path) -> None:
    from app.service import Kakehashi

    config = replace(settings.vector_store, backend="milvus", uri=str(tmp_path / "svc.db"))
    milvus = Kakehashi(replace(settings, vector_store=config), log=lambda message: None)
    assert isinstance(milvus.retriever.vector_store, MilvusStore)
    question = "What is the aim of the ITER project?"
    assert milvus.ask(question).answer == service.ask(question).answer
