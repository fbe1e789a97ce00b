"""Seeds -> chunks -> vectors and keyword tokens -> the index folder, rebuilt only when stale."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from index.aliases import alias_tokens, find_aliases
from index.alignment import align_chunks
from index.embedder import Embedder
from index.embedding_cache import CachedEncoder, EmbeddingCache
from index.keyword_index import BM25Params, KeywordIndex
from index.sentence_table import build_sentence_table, unique_sentences
from index.store import (
    IndexCorruptError,
    StoredIndex,
    read_documents_info,
    read_index,
    read_manifest,
    read_source,
    write_index,
)
from index.token_store import TokenStateStore, read_all
from index.tokenizer import KeywordTokenizer
from ingest.chunker import ChunkingParams, chunk_document
from ingest.reader import MAX_DOCUMENT_BYTES, DocumentError, read_document_bytes, source_files, too_large
from ingest.records import Chunk, Document, Heading

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
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    # The sha256 prefix of the learned answer weights served with this index: recorded so that
    # a report or a bug names the exact reranker, and compared like the model.
    answer_model: str = ""
    max_stored_token_states: int = 0  # see `index.token_store`

    def manifest(self, docs: list[Document], skipped: list[Skipped] | None = None) -> dict[str, Any]:
        return {
            "seeds": {doc.name: doc.sha256 for doc in docs},
            # Files that could not be read, and why: not read again until they change.
            "skipped": {s.name: {"sha256": s.sha256, "reason": s.reason} for s in skipped or []},
            "model": {"name": self.model, "fingerprint": self.model_fingerprint},
            "chunking": asdict(self.chunking),
            "bm25": asdict(self.bm25),
            "limits": {"max_document_bytes": self.max_document_bytes,
                       "max_stored_token_states": self.max_stored_token_states},
            "answer_model": self.answer_model,
            "code_version": code_version(),
        }


_COMPARED = ("model", "chunking", "bm25", "limits", "answer_model", "code_version")


@dataclass(frozen=True)
class Skipped:
    """A file of the documents folder that was not indexed, and why (the message names it)."""

    name: str
    reason: str
    sha256: str


@dataclass
class Scan:
    """The documents of a folder that could be read, and the files that could not."""

    docs: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def file_fingerprint(path: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """The file's SHA-256; a file over the size limit is known by its size, never read."""
    size = path.stat().st_size
    if too_large(size, max_bytes):
        return f"over-limit:{size}"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_fingerprints(seeds_dir: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> dict[str, str]:
    """Name -> fingerprint of every file the folder offers: what decides whether the index is stale."""
    found = {}
    for path in source_files(seeds_dir):
        try:
            found[path.name] = file_fingerprint(path, max_bytes)
        except OSError as err:
            found[path.name] = f"unreadable:{err.strerror}"
    return found


class Previous:
    """What the last index read from each file, reused when the file and the reading code are
    unchanged: a large PDF is not read again because another file was added."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.documents: dict[str, dict[str, Any]] = {}
        self.skipped: dict[str, dict[str, Any]] = {}
        try:
            manifest = read_manifest(folder) if folder is not None else None
            if manifest is not None and manifest.get("code_version") == code_version():
                self.documents = read_documents_info(folder)  # type: ignore[arg-type]
                self.skipped = manifest.get("skipped", {})
        except IndexCorruptError:
            pass

    def document(self, name: str, sha256: str) -> Document | None:
        info = self.documents.get(name)
        if info is None or info.get("sha256") != sha256 or info.get("format") in ("text", "markdown"):
            return None
        try:
            text = read_source(self.folder, name)  # type: ignore[arg-type]
        except IndexCorruptError:
            return None
        return Document(name=name, text=text, sha256=sha256, format=info["format"],
                        pages=tuple(info.get("page_starts", ())),
                        headings=tuple(Heading(*h) for h in info.get("headings", [])),
                        title=info.get("title", ""), size=int(info.get("bytes", 0)))

    def reason(self, name: str, sha256: str) -> str | None:
        skipped = self.skipped.get(name)
        return skipped.get("reason") if skipped and skipped.get("sha256") == sha256 else None


def _read(path: Path, max_bytes: int, previous: Previous, known: dict[str, Document]) -> Document:
    reason = too_large(path.stat().st_size, max_bytes)
    if reason:  # refused before a byte of it is read
        raise DocumentError(f"{path.name}: {reason}")
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    skipped_before = previous.reason(path.name, sha256)
    if skipped_before:
        raise DocumentError(skipped_before)
    if sha256 in known:  # read a moment ago (an upload, checked before it was stored)
        return replace(known[sha256], name=path.name)
    return previous.document(path.name, sha256) or read_document_bytes(path.name, data, max_bytes)


def scan_documents(seeds_dir: Path, max_bytes: int = MAX_DOCUMENT_BYTES,
                   previous_index: Path | None = None, known: Sequence[Document] = ()) -> Scan:
    """Every file of the folder read; one that cannot be is skipped with its reason.

    With `previous_index`, files unchanged since that index was built are not read again, nor
    files with the content of a `known` document (read already).
    """
    previous = Previous(previous_index)
    by_hash = {doc.sha256: doc for doc in known}
    scan = Scan()
    for path in source_files(seeds_dir):
        try:
            scan.docs.append(_read(path, max_bytes, previous, by_hash))
        except (DocumentError, OSError) as err:
            reason = (str(err) if isinstance(err, DocumentError)
                      else f"{path.name}: cannot be read ({err.strerror})")
            try:
                fingerprint = file_fingerprint(path, max_bytes)
            except OSError as oserr:
                fingerprint = f"unreadable:{oserr.strerror}"
            scan.skipped.append(Skipped(path.name, reason, fingerprint))
    return scan


def read_documents(seeds_dir: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> list[Document]:
    """The documents of the folder that can be read."""
    return scan_documents(seeds_dir, max_bytes).docs


def stale_reasons(spec: IndexSpec, fingerprints: dict[str, str]) -> list[str]:
    """Why the index in `spec.folder` cannot serve the files as they are now ([] if it can).

    `fingerprints`: name -> `file_fingerprint` of every file of the folder (`source_fingerprints`).
    """
    stored = read_manifest(spec.folder)
    if stored is None:
        return ["no index yet"]
    expected = spec.manifest([])
    reasons = [f"{key} changed" for key in _COMPARED if stored.get(key) != expected[key]]
    old = {**stored.get("seeds", {}),
           **{name: s.get("sha256") for name, s in stored.get("skipped", {}).items()}}
    new = fingerprints
    if old != new:
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        edited = sorted(n for n in set(new) & set(old) if new[n] != old[n])
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


def document_info(doc: Document, chunks: list[Chunk]) -> dict[str, Any]:
    """The documents.json entry of `doc`: what the app lists about it."""
    shares = Counter(chunk.lang for chunk in chunks)  # passages, not characters: a Japanese
    languages = [lang for lang, n in shares.most_common() if n >= 0.1 * len(chunks)]  # one says more
    return {"name": doc.name, "format": doc.format, "title": doc.title, "sha256": doc.sha256,
            "bytes": doc.size, "chars": len(doc.text), "pages": len(doc.pages),
            "page_starts": list(doc.pages),
            "headings": [[h.start, h.end, h.level] for h in doc.headings],
            "languages": languages, "chunks": len(chunks)}


def stored_token_states(spec: IndexSpec, embedder: Embedder, texts: list[str]) -> TokenStateStore | None:
    """The sentences' token states to keep in the index, when they fit its limit: those of the
    index being replaced reused (same model and prompt), the rest read now. A text repeated
    (a heading, a table cell) is kept once: states are found by text."""
    texts = list(dict.fromkeys(texts))
    try:
        tokens = sum(len(spans) for spans in embedder.token_spans(texts))
    except NotImplementedError:  # a model whose tokenizer gives no offsets: read at question time
        return None
    if not texts or tokens > spec.max_stored_token_states:
        return None
    previous = None
    try:
        old = read_manifest(spec.folder) or {}
        if (old.get("model", {}).get("fingerprint") == spec.model_fingerprint
                and old.get("token_states", {}).get("prompt") == embedder.query_prompt):
            previous = TokenStateStore.load(spec.folder)
    except (IndexCorruptError, OSError, ValueError):
        previous = None  # read them all again
    return read_all(texts, embedder.token_states, previous)


def build_index(spec: IndexSpec, embedder: Embedder, tokenizer: KeywordTokenizer,
                docs: list[Document] | None = None,
                progress: bool = False,
                cache: EmbeddingCache | None = None,
                skipped: list[Skipped] | None = None) -> tuple[StoredIndex, dict[str, float]]:
    """Chunk, embed and tokenize every document; write the folder atomically.

    Without `docs`, the documents folder is read (files that cannot be are skipped, with why).
    With `cache`, only texts never embedded before with this model reach the model.
    """
    timings: dict[str, float] = {}
    encode = CachedEncoder(embedder.encode_passages, embedder.dimension,
                           f"{spec.model}|{spec.model_fingerprint}", embedder.passage_prompt, cache)
    started = time.perf_counter()
    if docs is None:
        scan = scan_documents(spec.seeds_dir, spec.max_document_bytes)
        docs, skipped = scan.docs, scan.skipped
    by_doc = {doc.name: chunk_document(doc, spec.chunking) for doc in docs}
    chunks = [chunk for doc in docs for chunk in by_doc[doc.name]]
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
    plain_texts = [texts_of[doc][start:end] for doc, start, end, *_ in sentences]
    plain_vectors = encode(plain_texts, progress=progress)
    table = build_sentence_table(sentences, sentence_vectors, plain_vectors)
    parallel = {chunks[a].id: chunks[b].id for a, b in align_chunks(chunks, vectors).items()}
    timings["sentences_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    states = stored_token_states(spec, embedder, plain_texts)
    timings["token_states_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    keywords = KeywordIndex(keyword_tokens(chunks, texts, parallel, tokenizer, docs), spec.bm25)
    timings["keywords_s"] = time.perf_counter() - mark
    timings["embedded"], timings["reused"] = encode.embedded, encode.reused
    manifest = {**spec.manifest(docs, skipped),
                "language_centroids": language_centroids(chunks, vectors)}
    if states is not None:
        manifest["token_states"] = {"prompt": embedder.query_prompt, "sentences": len(states),
                                    "tokens": len(states.states)}
    write_index(spec.folder, manifest, chunks, vectors, keywords, table, parallel,
                [(document_info(doc, by_doc[doc.name]), doc.text) for doc in docs], states)
    timings["total_s"] = time.perf_counter() - started
    return read_index(spec.folder), timings
