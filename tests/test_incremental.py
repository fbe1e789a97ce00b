"""Incremental indexing: the embedding cache, and a cached rebuild equal to a full one."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from tiny_corpus import DOCS, QUESTIONS, write_corpus

from index.embedding_cache import CachedEncoder, EmbeddingCache, cache_key

# --- the cache on its own (no model) -------------------------------------------------------


class CountingEncoder:
    """A stand-in model: a deterministic vector per text, and a count of what it embedded."""

    def __init__(self, dim: int = 4) -> None:
        self.dim = dim
        self.seen: list[str] = []

    def __call__(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.seen += texts
        out = np.array([[len(t), sum(map(ord, t)) % 97, 1.0, i] for i, t in enumerate(texts)],
                       dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_cache_round_trip_and_keys(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite3")
    keys = [cache_key("m", "passage: ", t) for t in ("a", "b")]
    vectors = np.arange(8, dtype=np.float32).reshape(2, 4)
    cache.put_many(keys, vectors)
    found = cache.get_many([*keys, cache_key("m", "passage: ", "c")], dim=4)
    assert set(found) == set(keys)
    assert np.array_equal(found[keys[1]], vectors[1])
    assert cache.get_many(keys, dim=8) == {}  # another dimension is a miss, not an error
    # model, prompt and text all change the key
    assert len({cache_key("m", "p", "t"), cache_key("m2", "p", "t"), cache_key("m", "q", "t"),
                cache_key("m", "p", "u")}) == 4
    cache.close()
    assert EmbeddingCache(tmp_path / "c.sqlite3").stats()["vectors"] == 2  # kept on disk


def test_cached_encoder_embeds_only_new_texts(tmp_path: Path) -> None:
    model = CountingEncoder()
    cache = EmbeddingCache(tmp_path / "c.sqlite3")
    encode = CachedEncoder(model, 4, "m", "passage: ", cache)
    first = encode(["x", "y", "x"])
    assert model.seen == ["x", "y"] and np.array_equal(first[0], first[2])
    again = CachedEncoder(model, 4, "m", "passage: ", cache)(["y", "z", "x"])
    assert model.seen == ["x", "y", "z"]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    other_model = CachedEncoder(model, 4, "m2", "passage: ", cache)
    other_model(["x"])
    assert model.seen[-1] == "x" and other_model.embedded == 1
    assert CachedEncoder(model, 4, "m", "p", None)([]).shape == (0, 4)


def test_a_cache_absorbs_another_and_survives_a_damaged_one(tmp_path: Path) -> None:
    """A folder made of two others (eval's bilingual corpora) starts from their vectors."""
    keys = [cache_key("m", "passage: ", t) for t in ("a", "b", "c")]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    part = EmbeddingCache(tmp_path / "part.sqlite3")
    part.put_many(keys[:2], vectors[:2])
    part.close()
    whole = EmbeddingCache(tmp_path / "whole.sqlite3")
    whole.put_many(keys[1:], vectors[1:] + 100)
    whole.absorb(tmp_path / "part.sqlite3")
    whole.absorb(tmp_path / "missing.sqlite3")
    found = whole.get_many(keys, 4)
    assert np.array_equal(found[keys[0]], vectors[0])
    assert np.array_equal(found[keys[1]], vectors[1] + 100)  # what it had is kept
    (tmp_path / "bad.sqlite3").write_bytes(b"this is not a database" * 100)
    logged: list[str] = []
    whole.log = logged.append
    whole.absorb(tmp_path / "bad.sqlite3")
    assert logged and len(whole.get_many(keys, 4)) == 3  # reported, and nothing of its own lost


def test_corrupt_cache_is_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    logged: list[str] = []
    cache = EmbeddingCache(path, log=logged.append)
    assert cache.enabled and logged
    key = cache_key("m", "p", "t")
    cache.put_many([key], np.ones((1, 4), dtype=np.float32))
    assert key in cache.get_many([key], 4)
    cache.close()
    # damaged under an open cache: the next call starts afresh instead of failing
    cache = EmbeddingCache(path, log=logged.append)
    cache._db.execute("DROP TABLE vectors")  # type: ignore[union-attr]
    assert cache.get_many([key], 4) == {}
    cache.put_many([key], np.ones((1, 4), dtype=np.float32))
    assert key in cache.get_many([key], 4)


def test_cache_in_unwritable_place_is_disabled(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = EmbeddingCache(blocker / "sub" / "c.sqlite3")  # parent is a file: cannot exist
    assert not cache.enabled
    model = CountingEncoder()
    assert CachedEncoder(model, 4, "m", "p", cache)(["a"]).shape == (1, 4)


def test_cache_is_bounded(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite3", max_mb=64 * 1024 / 1024 / 1024)  # 64 KiB
    dim = 256  # 1 KiB a vector
    for batch in range(4):
        keys = [cache_key("m", "p", f"{batch}-{i}") for i in range(40)]
        cache.put_many(keys, np.full((40, dim), batch, dtype=np.float32))
    stats = cache.stats()
    assert stats["bytes"] <= 64 * 1024 and stats["vectors"] > 0
    newest = [cache_key("m", "p", f"3-{i}") for i in range(40)]
    assert len(cache.get_many(newest, dim)) == 40  # the oldest went first
    with sqlite3.connect(tmp_path / "c.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == stats["vectors"]


# --- a real incremental build (the real model, a tiny corpus) -------------------------------


@pytest.mark.integration
def test_adding_a_document_embeds_only_its_texts_and_matches_a_full_build(service, tmp_path: Path) -> None:
    from index.builder import build_index, embedding_text, read_documents
    from index.retriever import HybridRetriever
    from index.sentence_table import unique_sentences
    from index.vector_store import FaissStore
    from ingest.chunker import chunk_document
    from ingest.reader import read_document

    seeds = write_corpus(tmp_path / "seeds", ["a_fusion.md", "b_riken.md"])
    spec = replace(service.spec, seeds_dir=seeds, folder=tmp_path / "index")
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    first, timings = build_index(spec, service.embedder, service.tokenizer, cache=cache)
    # every distinct text embedded once (a one-sentence chunk and its sentence are one text)
    assert timings["embedded"] > 0 and timings["embedded"] + timings["reused"] > len(first.chunks)

    write_corpus(seeds, ["c_space.md"])
    added = read_document(seeds / "c_space.md")
    new_chunks = chunk_document(added, spec.chunking)
    expected = ({embedding_text(c) for c in new_chunks} | {s[4] for s in unique_sentences(new_chunks)}
                | {added.text[s[1]:s[2]] for s in unique_sentences(new_chunks)})
    spy: list[str] = []
    original = service.embedder.encode_passages

    def counting(texts: list[str], progress: bool = False) -> np.ndarray:
        spy.extend(texts)
        return original(texts, progress=progress)

    service.embedder.encode_passages = counting  # type: ignore[method-assign]
    try:
        incremental, timings = build_index(spec, service.embedder, service.tokenizer, cache=cache)
    finally:
        del service.embedder.encode_passages
    assert set(spy) == expected and len(spy) == len(expected)
    assert timings["embedded"] == len(expected) and timings["reused"] > 0

    full, _ = build_index(replace(spec, folder=tmp_path / "full"), service.embedder,
                          service.tokenizer, read_documents(seeds))
    assert [c.to_json() for c in incremental.chunks] == [c.to_json() for c in full.chunks]
    n = full.vectors.ntotal
    assert np.allclose(incremental.vectors.reconstruct_n(0, n), full.vectors.reconstruct_n(0, n),
                       atol=1e-4)
    assert np.allclose(incremental.sentences.vectors, full.sentences.vectors, atol=1e-4)
    assert incremental.keywords.docs_tokens == full.keywords.docs_tokens
    assert incremental.parallel == full.parallel
    assert {k: v for k, v in incremental.manifest.items() if k != "language_centroids"} == \
        {k: v for k, v in full.manifest.items() if k != "language_centroids"}
    assert len(first.chunks) + len(new_chunks) == len(full.chunks)

    def top(index, question: str) -> list[str]:
        from langchain_core.documents import Document

        documents = [Document(page_content=c.text, metadata={"lang": c.lang}, id=c.id)
                     for c in index.chunks]
        centroids = {k: np.asarray(v, dtype=np.float32)
                     for k, v in index.manifest["language_centroids"].items()}
        retriever = HybridRetriever(embedder=service.embedder,
                                    vector_store=FaissStore(service.embedder, index.vectors, documents),
                                    keywords=index.keywords, tokenizer=service.tokenizer,
                                    chunks=index.chunks, fusion=service.retriever.fusion, k=5,
                                    language_centroids=centroids)
        return [hit.chunk.id for hit in retriever.search(question).hits]

    for question in QUESTIONS:
        assert top(incremental, question) == top(full, question)
    assert set(DOCS) == set(incremental.manifest["seeds"])
