"""The FAISS index follows corpus size: exact when small, an IVF index per language when large."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest
from langchain_core.documents import Document

import index.vector_store as vector_store
from index.keyword_index import KeywordIndex
from index.sentence_table import build_sentence_table
from index.store import read_index, write_index
from index.vector_store import FaissStore, build_partitions, new_faiss_index
from ingest.records import Chunk


def _corpus(n: int, dim: int = 16, seed: int = 0) -> tuple[list[Chunk], np.ndarray]:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors[: n // 2] += 3.0  # the two languages sit apart, as they do in embedding space
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    langs = ["ja" if i < n // 2 else "en" for i in range(n)]
    order = rng.permutation(n)  # languages interleaved in row order
    chunks = [Chunk(id=f"d:{i}", doc="d", start=i, end=i + 1, line_start=1, line_end=1,
                    lang=langs[j], title="", text=f"t{i}") for i, j in enumerate(order)]  # type: ignore[arg-type]
    return chunks, vectors[order]


def test_index_kind_follows_size() -> None:
    assert isinstance(new_faiss_index(8, 10), faiss.IndexFlatIP)
    assert isinstance(new_faiss_index(8, vector_store.APPROXIMATE_FROM), faiss.IndexIVFFlat)
    assert build_partitions(np.zeros((5, 8), dtype=np.float32), ["ja"] * 5) == {}


def test_large_corpus_gets_an_index_per_language(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(vector_store, "APPROXIMATE_FROM", 200)
    chunks, vectors = _corpus(600)
    table = build_sentence_table([], np.zeros((0, 16), dtype=np.float32))
    write_index(tmp_path / "idx", {"seeds": {}}, chunks, vectors, KeywordIndex([[c.text] for c in chunks]),
                table, {})
    stored = read_index(tmp_path / "idx")
    assert sorted(stored.partitions) == ["en", "ja"] == stored.manifest["vector_partitions"]
    assert all(isinstance(p, faiss.IndexIVFFlat) for p in stored.partitions.values())
    assert isinstance(stored.vectors, faiss.IndexFlatIP) and stored.vectors.ntotal == 600
    documents = [Document(page_content=c.text, metadata={"lang": c.lang}, id=c.id) for c in chunks]
    graph = FaissStore(None, stored.vectors, documents, stored.partitions)  # type: ignore[arg-type]
    exact = FaissStore(None, stored.vectors, documents)  # type: ignore[arg-type]
    rng = np.random.default_rng(1)
    agree = []
    for _ in range(20):
        query = rng.normal(size=16).astype(np.float32)
        query /= np.linalg.norm(query)
        for lang in ("ja", "en"):
            found = graph.similarity_search_with_score_by_vector(query, k=10, filter={"lang": lang})
            truth = exact.similarity_search_with_score_by_vector(query, k=10, filter={"lang": lang})
            assert all(doc.metadata["lang"] == lang for doc, _ in found) and len(found) == 10
            for doc, score in found:  # scores are the true cosines of the right rows
                row = int(doc.id.split(":")[1])
                assert score == pytest.approx(float(vectors[row] @ query), abs=1e-5)
            agree.append(len({d.id for d, _ in found} & {d.id for d, _ in truth}) / 10)
    assert np.mean(agree) >= 0.9
    # adding passages (to an index in memory: the stored one is memory-mapped, read-only)
    # keeps the per-language graphs in step with the rows
    flat = faiss.IndexFlatIP(16)
    flat.add(vectors)
    langs = [c.lang for c in chunks]
    growing = FaissStore(None, flat, list(documents), build_partitions(vectors, langs))  # type: ignore[arg-type]
    probe = -vectors[0]
    extra = Document(page_content="new", metadata={"lang": "en"}, id="d:new")
    growing.add_vectors(probe[None, :], [extra])
    best = growing.similarity_search_with_score_by_vector(probe, k=1, filter={"lang": "en"})
    assert best[0][0].id == "d:new" and best[0][1] == pytest.approx(1.0, abs=1e-5)
    assert growing.partitions["en"][1][-1] == 600


def test_damaged_partition_is_reported(tmp_path: Path, monkeypatch) -> None:
    from index.store import IndexCorruptError

    monkeypatch.setattr(vector_store, "APPROXIMATE_FROM", 100)
    chunks, vectors = _corpus(200)
    table = build_sentence_table([], np.zeros((0, 16), dtype=np.float32))
    write_index(tmp_path / "idx", {"seeds": {}}, chunks, vectors, KeywordIndex([[c.text] for c in chunks]),
                table, {})
    faiss.write_index(faiss.IndexFlatIP(16), str(tmp_path / "idx" / "vectors-ja.faiss"))
    with pytest.raises(IndexCorruptError, match=r"vectors-ja\.faiss"):
        read_index(tmp_path / "idx")
