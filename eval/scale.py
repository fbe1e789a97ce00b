"""`kakehashi bench --scale 10000,100000`: how cost grows with the size of the corpus.

The corpora are synthetic but made of real text: chunks of the seeds' own sentences drawn at
random and recombined (one language per chunk, the chunker's target length, a real section
title), so tokenization and keyword statistics are those of real Japanese and English.

What is measured at each size, on this machine:

- build: keyword tokenization and BM25 (all chunks), and the vector index of each kind, timed
  for real: exact flat; one HNSW graph searched with a language filter ("hnsw-1"); an HNSW
  graph per language ("hnsw"); an IVF index per language ("ivf", what the index builder makes
  past APPROXIMATE_FROM chunks); embedding time from the model's measured rate on
  a sample of the synthetic chunks (embedding every chunk of a 100k corpus takes hours on two
  cores, and costs the same per chunk at any size);
- query: the whole hybrid search (query embedding, both languages' dense search, BM25,
  fusion) with the index kind chosen automatically, p50 over the evaluation questions; and the
  dense search alone for every index kind;
- recall@10 of each approximate index against exact search, per language filter, as the
  retriever searches;
- memory: bytes of each vector index, and the process's resident memory growth for the keyword
  index.

Chunk vectors are the normalized mean of their sentences' real embeddings (from the index's
sentence table): the same model's geometry, without hours of embedding.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from eval.datasets import EVAL_DIR, load_questions
from eval.machine import machine_facts
from eval.metrics import percentile
from index.keyword_index import KeywordIndex
from index.vector_store import HNSW_EF_CONSTRUCTION, HNSW_M, build_partitions
from ingest.records import Chunk

QUERY_K = 30  # as deep as the retriever reads the dense ranking (retrieval.candidates)
RECALL_K = 10
EPSILON = 1e-3  # cosine: ann-benchmarks' tolerance for "as good as the true k-th neighbour"
HNSW_EF = (32, 96, 256)
IVF_PROBES = (8, 32, 96)


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * (4096 / 1024 / 1024)
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass
class SentencePool:
    texts: dict[str, list[str]]
    vectors: dict[str, np.ndarray]
    titles: dict[str, list[str]]
    share: dict[str, float]  # of chunks in each language


def sentence_pool(service: Any) -> SentencePool:
    table, sources = service.index.sentences, service.sources
    texts: dict[str, list[str]] = {}
    rows: dict[str, list[int]] = {}
    for row in range(len(table)):
        doc = table.docs[int(table.doc_index[row])]
        lang = str(table.langs[row])
        text = sources[doc][int(table.starts[row]):int(table.ends[row])].strip()
        if text:
            texts.setdefault(lang, []).append(text)
            rows.setdefault(lang, []).append(row)
    titles: dict[str, list[str]] = {}
    for chunk in service.index.chunks:
        titles.setdefault(chunk.lang, []).append(chunk.title)
    counts = {lang: len(v) for lang, v in titles.items()}
    total = sum(counts.values())
    return SentencePool(texts, {lang: table.vectors[r] for lang, r in rows.items()},
                        titles, {lang: n / total for lang, n in counts.items()})


def synthetic_corpus(pool: SentencePool, size: int, targets: dict[str, int],
                     seed: int = 0) -> tuple[list[Chunk], np.ndarray]:
    """`size` chunks of recombined seed sentences, and a vector for each.

    With a few thousand seed sentences, a 100k corpus repeats each sentence in many chunks, so
    its chunks are more alike than a real corpus's: near-ties in the exact ranking make strict
    recall@10 pessimistic (see `recall_eps` in `measure_size`).
    """
    rng = np.random.default_rng(seed)
    langs = sorted(pool.share)
    picks = rng.choice(len(langs), size=size, p=[pool.share[lang] for lang in langs])
    chunks: list[Chunk] = []
    dim = next(iter(pool.vectors.values())).shape[1]
    vectors = np.zeros((size, dim), dtype=np.float32)
    for i, pick in enumerate(picks):
        lang = langs[int(pick)]
        texts, sentence_vectors = pool.texts[lang], pool.vectors[lang]
        target = targets[lang] * rng.uniform(0.5, 1.0)
        # a run of consecutive sentences, as a real chunk is, from a random place ...
        row = int(rng.integers(len(texts)))
        chosen: list[int] = []
        length = 0
        while length < target and len(chosen) < 40:
            chosen.append(row % len(texts))
            length += len(texts[row % len(texts)]) + 1
            row += 1
        # ... with one sentence swapped for one from elsewhere: recombined, so rarely repeated
        chosen[int(rng.integers(len(chosen)))] = int(rng.integers(len(texts)))
        text = (" " if lang == "en" else "").join(texts[r] for r in chosen)
        doc = f"synthetic-{i // 200:05d}.txt"
        title = pool.titles[lang][int(rng.integers(len(pool.titles[lang])))]
        chunks.append(Chunk(id=f"{doc}:{i}", doc=doc, start=0, end=len(text), line_start=1,
                            line_end=1, lang=lang, title=title, text=text))  # type: ignore[arg-type]
        mean = sentence_vectors[chosen].mean(axis=0)
        vectors[i] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    return chunks, vectors


def _hnsw(dim: int) -> faiss.Index:
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    return index


def _ivf(dim: int, size: int) -> faiss.Index:
    nlist = max(16, int(4 * math.sqrt(size)))
    return faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)


def _fill(index: faiss.Index, vectors: np.ndarray) -> faiss.Index:
    if not index.is_trained:
        sample = np.random.default_rng(1).permutation(len(vectors))[:max(index.nlist * 40, 10_000)]
        index.train(vectors[sample])
    index.add(vectors)
    return index


@dataclass
class Kind:
    """How the dense side is searched: one index with a language filter, or one per language."""

    parts: dict[str | None, tuple[faiss.Index, np.ndarray | None]]  # lang (None: all) -> index, rows
    settings: tuple[int | None, ...]
    build_s: float

    def search(self, query: np.ndarray, lang: str, selector: faiss.IDSelector, k: int,
               setting: int | None) -> list[int]:
        index, rows = self.parts.get(lang) or self.parts[None]
        sel = selector if rows is None else None
        if isinstance(index, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(setting or 96, k))
        elif isinstance(index, faiss.IndexIVF):
            params = faiss.SearchParametersIVF(sel=sel, nprobe=setting or 32)
        else:
            params = faiss.SearchParameters(sel=sel)
        _, found = index.search(query.reshape(1, -1), k, params=params)
        return [int(r if rows is None else rows[r]) for r in found[0] if r >= 0]

    @property
    def megabytes(self) -> float:
        return sum(faiss.serialize_index(index).nbytes for index, _ in self.parts.values()) / 1e6


def _kind(make: Any, vectors: np.ndarray, langs: np.ndarray, per_language: bool,
          settings: tuple[int | None, ...]) -> Kind:
    started = time.perf_counter()
    if not per_language:
        parts: dict[str | None, tuple[faiss.Index, np.ndarray | None]] = {
            None: (_fill(make(len(vectors)), vectors), None)}
    else:
        parts = {}
        for lang in sorted(set(langs.tolist())):
            rows = np.flatnonzero(langs == lang)
            parts[lang] = (_fill(make(len(rows)), np.ascontiguousarray(vectors[rows])), rows)
    return Kind(parts, settings, time.perf_counter() - started)


def measure_size(size: int, pool: SentencePool, targets: dict[str, int], service: Any,
                 queries: np.ndarray, questions: list[str], embed_rate: float,
                 log: Any) -> dict[str, Any]:
    from langchain_core.documents import Document

    from index.retriever import HybridRetriever
    from index.vector_store import FaissStore

    chunks, vectors = synthetic_corpus(pool, size, targets)
    dim = vectors.shape[1]
    log(f"  {size} chunks: tokenizing ...")
    rss = _rss_mb()
    mark = time.perf_counter()
    tokens = [service.tokenizer.tokenize(f"{c.title}\n{c.text}") for c in chunks]
    tokenize_s = time.perf_counter() - mark
    mark = time.perf_counter()
    keywords = KeywordIndex(tokens, service.index.keywords.params)
    keywords_s = time.perf_counter() - mark
    keywords_mb = _rss_mb() - rss
    langs = np.array([c.lang for c in chunks])
    selectors = {lang: faiss.IDSelectorBatch(np.flatnonzero(langs == lang).astype(np.int64))
                 for lang in sorted(set(langs.tolist()))}

    builders = {
        "flat": (lambda n: faiss.IndexFlatIP(dim), False, (None,)),
        "hnsw-1": (lambda n: _hnsw(dim), False, HNSW_EF),  # one graph, language as a filter
        "hnsw": (lambda n: _hnsw(dim), True, HNSW_EF),  # a graph per language (what we ship)
        "ivf": (lambda n: _ivf(dim, n), True, IVF_PROBES),  # per language
    }
    rows: list[dict[str, Any]] = []
    truth: dict[tuple[int, str], set[int]] = {}
    floors: dict[tuple[int, str], float] = {}
    for name, (make, per_language, settings) in builders.items():
        log(f"  {size} chunks: building {name} ...")
        kind = _kind(make, vectors, langs, per_language, settings)
        for setting in kind.settings:
            times, recalls, near = [], [], []
            for q, query in enumerate(queries):
                for lang, selector in selectors.items():
                    mark = time.perf_counter()
                    found = kind.search(query, lang, selector, QUERY_K, setting)
                    times.append((time.perf_counter() - mark) * 1000)
                    top = found[:RECALL_K]
                    if name == "flat":
                        truth[(q, lang)] = set(top)
                        floors[(q, lang)] = float(vectors[top[-1]] @ query) if top else 0.0
                        continue
                    expected = truth[(q, lang)]
                    recalls.append(len(set(top) & expected) / max(len(expected), 1))
                    # as ann-benchmarks counts: a hit scoring within EPSILON of the 10th best counts
                    good = sum(float(vectors[r] @ query) >= floors[(q, lang)] - EPSILON for r in top)
                    near.append(min(good, len(expected)) / max(len(expected), 1))
            rows.append({"index": name, "param": setting, "build_s": round(kind.build_s, 3),
                         "index_mb": round(kind.megabytes, 1),
                         "dense_p50_ms": round(2 * percentile(times, 50), 3),  # both languages
                         "recall_at_10": round(statistics.fmean(recalls), 4) if recalls else 1.0,
                         "recall_eps_at_10": round(statistics.fmean(near), 4) if near else 1.0})

    mark = time.perf_counter()
    exact = faiss.IndexFlatIP(dim)
    exact.add(vectors)
    partitions = build_partitions(vectors, langs.tolist())  # what the index builder does
    auto_build_s = time.perf_counter() - mark
    auto_kind = "flat" if not partitions else "+".join(sorted(
        {"ivf" if isinstance(part, faiss.IndexIVF) else "flat" for part in partitions.values()}))
    documents = [Document(page_content=c.text, metadata={"row": i, "lang": c.lang}, id=c.id)
                 for i, c in enumerate(chunks)]
    centroids = {lang: vectors[langs == lang].mean(axis=0) for lang in selectors}
    store = FaissStore(service.embedder, exact, documents, partitions)
    retriever = HybridRetriever(embedder=service.embedder, vector_store=store, keywords=keywords,
                                tokenizer=service.tokenizer, chunks=chunks,
                                fusion=service.retriever.fusion, k=5, language_centroids=centroids)
    retriever.search(questions[0])
    query_times = []
    stages: dict[str, list[float]] = {}
    for question in questions:
        mark = time.perf_counter()
        result = retriever.search(question)
        query_times.append((time.perf_counter() - mark) * 1000)
        for key, value in result.timings_ms.items():
            stages.setdefault(key, []).append(value)
    embed_s = size / embed_rate
    build_s = embed_s + tokenize_s + keywords_s + auto_build_s
    return {
        "chunks": size, "auto_index": auto_kind,
        "build": {"embed_s_estimated": round(embed_s, 1), "tokenize_s": round(tokenize_s, 2),
                  "keywords_s": round(keywords_s, 2), "vector_index_s": round(auto_build_s, 2),
                  "total_s": round(build_s, 1), "chunks_per_s": round(size / build_s, 1),
                  "chunks_per_s_without_embedding": round(size / (build_s - embed_s), 1)},
        "query_p50_ms": round(percentile(query_times, 50), 2),
        "query_p95_ms": round(percentile(query_times, 95), 2),
        "query_stages_p50_ms": {k: round(percentile(v, 50), 2) for k, v in stages.items() if k != "search"},
        "memory_mb": {"vectors": round(vectors.nbytes / 1e6, 1), "keyword_index_rss": round(keywords_mb, 1),
                      "process_rss": round(_rss_mb(), 1)},
        "indexes": rows,
    }


def run_scale(settings: Any, sizes: list[int], log: Any = None) -> dict[str, Any]:
    from app.service import Kakehashi, log_to_stderr

    log = log or log_to_stderr
    return study(Kakehashi(settings, log=log), sizes, log=log)


def study(service: Any, sizes: list[int], questions: list[str] | None = None, sample: int = 128,
          log: Any = None) -> dict[str, Any]:
    log = log or (lambda message: None)
    pool = sentence_pool(service)
    chunking = service.settings.chunking
    targets = {"ja": chunking.target_ja, "en": chunking.target_en}
    questions = questions or load_questions() + load_questions(EVAL_DIR / "extra_qa.jsonl")
    queries = np.vstack([service.embedder.encode_query(q) for q in questions])
    sample_chunks, _ = synthetic_corpus(pool, sample, targets, seed=99)
    mark = time.perf_counter()
    service.embedder.encode_passages([f"{c.title}\n{c.text}" for c in sample_chunks])
    embed_rate = sample / (time.perf_counter() - mark)
    log(f"Embedding rate on synthetic chunks: {embed_rate:.1f} chunks/s ({sample} embedded)")
    results = []
    for size in sizes:
        log(f"Scale study at {size} chunks ...")
        results.append(measure_size(size, pool, targets, service, queries, questions, embed_rate, log))
    return {"sizes": results, "embed_chunks_per_s": round(embed_rate, 2), "queries": len(questions),
            "machine": machine_facts(), "seed_sentences": {k: len(v) for k, v in pool.texts.items()}}


def print_scale_table(report: dict[str, Any]) -> None:
    print(f"Embedding: {report['embed_chunks_per_s']:.1f} chunks/s (measured on a sample); "
          f"{report['queries']} queries\n")
    print(f"{'chunks':>8}  {'auto':>5}  {'build chunks/s':>14}  {'w/o embed':>10}  "
          f"{'query p50':>10}  {'vectors':>8}  {'BM25 RSS':>9}")
    for size in report["sizes"]:
        b, m = size["build"], size["memory_mb"]
        print(f"{size['chunks']:>8}  {size['auto_index']:>5}  {b['chunks_per_s']:>14.1f}  "
              f"{b['chunks_per_s_without_embedding']:>10.0f}  {size['query_p50_ms']:>8.1f}ms  "
              f"{m['vectors']:>6.0f}MB  {m['keyword_index_rss']:>7.0f}MB")
    for size in report["sizes"]:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in size["query_stages_p50_ms"].items())
        print(f"{size['chunks']:>8}  query stages p50 (ms): {stages}")
    print(f"\n{'chunks':>8}  {'index':>6}  {'param':>5}  {'build s':>8}  {'size MB':>8}  "
          f"{'dense p50 ms':>12}  {'recall@10':>9}  {'recall@10 eps':>13}")
    for size in report["sizes"]:
        for row in size["indexes"]:
            param = "" if row["param"] is None else str(row["param"])
            print(f"{size['chunks']:>8}  {row['index']:>6}  {param:>5}  {row['build_s']:>8.2f}  "
                  f"{row['index_mb']:>8.1f}  {row['dense_p50_ms']:>12.3f}  {row['recall_at_10']:>9.3f}  "
                  f"{row['recall_eps_at_10']:>13.3f}")
