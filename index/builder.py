"""Seeds -> chunks -> vectors and keyword tokens -> the index folder, rebuilt only when stale."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.aliases import alias_tokens, find_aliases
from index.alignment import align_chunks
from index.embedder import Embedder
from index.embedding_cache import CachedEncoder, EmbeddingCache
from index.keyword_index import BM25Params, KeywordIndex
from index.sentence_table import build_sentence_table, unique_sentences
from index.store import StoredIndex, read_index, read_manifest, write_index
from index.tokenizer import KeywordTokenizer
from ingest.chunker import ChunkingParams, chunk_document
from ingest.reader import read_document, source_files
from ingest.records import Chunk, Document

_CODE_PACKAGES = ("ingest", "index")


def code_version() -> str:
    """A hash of the code that decides what goes into an index: ingest and index."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for package in _CODE_PACKAGES:
        for path in sorted((root / package).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class IndexSpec:
    """Everything an index depends on; the manifest records it and loading compares it."""

    seeds_dir: Path
    folder: Path
    model: str
    model_fingerprint: str
    chunking: ChunkingParams
    bm25: BM25Params
    # The sha256 prefix of the learned answer weights served with this index: recorded so that
    # a report or a bug names the exact reranker, and compared like the model.
    answer_model: str = ""

    def manifest(self, docs: list[Document]) -> dict[str, Any]:
        return {
            "seeds": {doc.name: doc.sha256 for doc in docs},
            "model": {"name": self.model, "fingerprint": self.model_fingerprint},
            "chunking": asdict(self.chunking),
            "bm25": asdict(self.bm25),
            "answer_model": self.answer_model,
            "code_version": code_version(),
        }


_COMPARED = ("seeds", "model", "chunking", "bm25", "answer_model", "code_version")


def read_documents(seeds_dir: Path) -> list[Document]:
    return [read_document(path) for path in source_files(seeds_dir)]


def stale_reasons(spec: IndexSpec, docs: list[Document]) -> list[str]:
    """Why the index in `spec.folder` cannot serve `docs` as they are now ([] if it can)."""
    stored = read_manifest(spec.folder)
    if stored is None:
        return ["no index yet"]
    expected = spec.manifest(docs)
    reasons = [f"{key} changed" for key in _COMPARED if stored.get(key) != expected[key]]
    if "seeds changed" in reasons:
        old, new = stored.get("seeds", {}), expected["seeds"]
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        edited = sorted(n for n in set(new) & set(old) if new[n] != old[n])
        reasons.remove("seeds changed")
        reasons += [f"{what}: {', '.join(names)}" for what, names in
                    (("added", added), ("removed", removed), ("edited", edited)) if names]
    return reasons


def embedding_text(chunk: Chunk) -> str:
    """What the embedder reads: the section title, then the chunk with its broken-sentence context."""
    return f"{chunk.title}\n{chunk.indexed_text()}" if chunk.title else chunk.indexed_text()


def language_centroids(chunks: list[Chunk], vectors: np.ndarray) -> dict[str, list[float]]:
    """The mean passage vector of each language.

    A multilingual encoder scores a passage in the question's own language higher than an
    equally relevant one in the other language. Subtracting the question's similarity to each
    language's centroid removes that offset (see `index.retriever`).
    """
    langs = np.array([chunk.lang for chunk in chunks])
    return {lang: vectors[langs == lang].mean(axis=0).round(6).tolist()
            for lang in sorted(set(langs.tolist()))}


def keyword_tokens(chunks: list[Chunk], texts: list[str], parallel: dict[str, str],
                   tokenizer: KeywordTokenizer, docs: list[Document]) -> list[list[str]]:
    """BM25 tokens of each chunk, with the acronyms of the names it (or its translation) spells out."""
    aliases = find_aliases([doc.text for doc in docs])
    by_id = {chunk.id: chunk for chunk in chunks}
    tokens = []
    for chunk, text in zip(chunks, texts, strict=True):
        partner = by_id.get(parallel.get(chunk.id, ""))
        extra = alias_tokens(chunk.text, aliases) + (
            alias_tokens(partner.text, aliases) if partner else [])
        tokens.append(tokenizer.tokenize(text) + sorted(set(extra)))
    return tokens


def build_index(spec: IndexSpec, embedder: Embedder, tokenizer: KeywordTokenizer,
                docs: list[Document] | None = None,
                progress: bool = False,
                cache: EmbeddingCache | None = None) -> tuple[StoredIndex, dict[str, float]]:
    """Chunk, embed and tokenize every document; write the folder atomically.

    With `cache`, only texts never embedded before with this model reach the model.
    """
    timings: dict[str, float] = {}
    encode = CachedEncoder(embedder.encode_passages, embedder.dimension,
                           f"{spec.model}|{spec.model_fingerprint}", embedder.passage_prompt, cache)
    started = time.perf_counter()
    docs = read_documents(spec.seeds_dir) if docs is None else docs
    chunks = [chunk for doc in docs for chunk in chunk_document(doc, spec.chunking)]
    timings["chunk_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    texts = [embedding_text(chunk) for chunk in chunks]
    vectors = encode(texts, progress=progress)
    timings["embed_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    sentences = unique_sentences(chunks)
    sentence_vectors = encode([s[4] for s in sentences], progress=progress)
    # Alone, too: in its context a sentence also matches what its neighbour says.
    texts_of = {doc.name: doc.text for doc in docs}
    plain_vectors = encode([texts_of[doc][start:end] for doc, start, end, *_ in sentences], progress=progress)
    table = build_sentence_table(sentences, sentence_vectors, plain_vectors)
    parallel = {chunks[a].id: chunks[b].id for a, b in align_chunks(chunks, vectors).items()}
    timings["sentences_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    keywords = KeywordIndex(keyword_tokens(chunks, texts, parallel, tokenizer, docs), spec.bm25)
    timings["keywords_s"] = time.perf_counter() - mark
    timings["embedded"], timings["reused"] = encode.embedded, encode.reused
    manifest = {**spec.manifest(docs), "language_centroids": language_centroids(chunks, vectors)}
    write_index(spec.folder, manifest, chunks, vectors, keywords, table, parallel)
    timings["total_s"] = time.perf_counter() - started
    return read_index(spec.folder), timings
