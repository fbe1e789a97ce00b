"""Optional generated answers, every sentence checked against the passages it cites.

A generator writes a fluent answer in the question's language from the retrieved passages
(app/generate/prompts.py makes the prompt); each sentence is then checked against the passages it
cites (app/generate/sentence_checks.py) and kept with its verdict, marked, or dropped. The extractive
answer stays the default and the fallback: when the model fails, times out or gives nothing
usable, the answer is the extractive one, and says so.

Backends: any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server) through LangChain's
ChatOpenAI, or a GGUF file through llama-cpp-python (an optional extra).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import numpy as np

from app.answer.composer import Composer
from app.answer.extractive import extractive_answer
from app.answer.question import Question, analyse
from app.env import GENERATOR_API_KEY_ENV
from app.generate.params import GeneratorSettings
from app.generate.prompts import Prompt, build_prompt, is_no_answer, parse_sentences, render
from app.generate.sentence_checks import Checked, SentenceVerifier, mark
from app.inputs import clean_text, is_loopback
from app.records import Answer, Citation, RetrievedPassage, Span
from app.verify.checker import ClaimChecker
from app.wording import phrase
from index.retriever import HybridRetriever, SearchResult
from ingest.records import Chunk

LLAMACPP_HINT = ("llama-cpp-python is not installed; install the optional extra with "
                 "`.venv/bin/pip install -c constraints.txt -e '.[llamacpp]'` (it compiles for minutes)")

class GenerationError(RuntimeError):
    """The model could not give a usable answer; the message says why, for the user."""


# ---------------------------------------------------------------------------- backends

class ChatBackend(Protocol):
    label: str

    def stream(self, prompt: Prompt) -> Iterator[str]:
        """The answer's text, piece by piece."""
        ...


def _no_tiktoken(text: str) -> list[int]:
    """Token counting without tiktoken (which downloads its encodings on first use)."""
    return [len(word) for word in re.findall(r"\w+|[^\w\s]", text)]


class OpenAICompatibleBackend:
    """A chat-completions server: Ollama, vLLM, llama.cpp's llama-server, ..."""

    def __init__(self, config: GeneratorSettings, api_key: str | None = None) -> None:
        from langchain_openai import ChatOpenAI  # imported when a generator is asked for

        self.label = f"openai:{config.model or 'default'}"
        self.chat = ChatOpenAI(
            base_url=config.base_url,
            api_key=api_key or os.environ.get(GENERATOR_API_KEY_ENV) or "not-needed",
            model=config.model or "default", timeout=config.timeout_s, max_retries=0,
            temperature=config.temperature, max_tokens=config.max_tokens, streaming=True,
            stream_usage=False, custom_get_token_ids=_no_tiktoken,
            # LangChain sends the limit as max_completion_tokens; some servers read max_tokens only.
            extra_body={"max_tokens": config.max_tokens})

    def stream(self, prompt: Prompt) -> Iterator[str]:
        messages = [("system", prompt.system), ("human", prompt.user)]
        for chunk in self.chat.stream(messages):
            text = chunk.text
            if text:
                yield text


class LlamaCppBackend:
    """A GGUF model run in this process by llama-cpp-python (the `llamacpp` extra)."""

    def __init__(self, config: GeneratorSettings, path: Path) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise GenerationError(LLAMACPP_HINT) from None
        if not path.is_file():
            raise GenerationError(f"no model file at {path}")
        self.label = f"llamacpp:{path.name}"
        self.config = config
        self.llm = Llama(model_path=str(path), n_ctx=config.context_tokens, verbose=False)
        self._lock = threading.Lock()  # one generation at a time: a Llama is not thread-safe

    def stream(self, prompt: Prompt) -> Iterator[str]:
        with self._lock:
            parts = self.llm.create_chat_completion(
                messages=prompt.messages(), stream=True, max_tokens=self.config.max_tokens,
                temperature=self.config.temperature)
            for part in parts:
                text = part["choices"][0].get("delta", {}).get("content")
                if text:
                    yield text


def _failure(err: Exception, timeout_s: float) -> str:
    """A short reason for a backend's exception."""
    try:
        import openai
    except ImportError:  # pragma: no cover - a dependency of langchain-openai
        openai = None  # type: ignore[assignment]
    if isinstance(err, GenerationError):
        return str(err)
    if openai is not None:
        if isinstance(err, openai.APITimeoutError):
            return f"the model did not answer within {timeout_s:g} s"
        if isinstance(err, openai.APIConnectionError):
            return "the model server could not be reached"
        if isinstance(err, openai.APIStatusError):
            return f"the model server answered with an error (HTTP {err.status_code})"
    if isinstance(err, TimeoutError):
        return f"the model did not answer within {timeout_s:g} s"
    return f"the model failed ({type(err).__name__})"


def endpoint_allowed(url: str, config: GeneratorSettings) -> bool:
    """Whether the web page may point the server at `url`: on this machine, on the configured
    server's host, or anywhere when `generator.ui_any_endpoint` is on."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    configured = urlsplit(config.base_url).hostname or ""
    return config.ui_any_endpoint or is_loopback(host) or host.lower() == configured.lower()


# ---------------------------------------------------------------------------- events

EventKind = Literal["passages", "text", "answer"]


@dataclass
class GenerationEvent:
    """What `Kakehashi.ask_stream` yields: first the numbered passages, then the text as it
    arrives (sentences verified as each one ends), last the answer (generated or extractive)."""

    kind: EventKind
    citations: list[Citation] = field(default_factory=list)  # passages: all, numbered as in the prompt
    text: str = ""  # text: what the model has written so far
    sentences: list[dict[str, Any]] = field(default_factory=list)  # text: support None while unfinished
    answer: Answer | None = None  # answer: the final answer

    def to_json(self) -> dict[str, Any]:
        if self.kind == "passages":
            return {"event": "passages", "citations": [c.to_json() for c in self.citations]}
        if self.kind == "text":
            return {"event": "text", "text": self.text, "sentences": self.sentences}
        assert self.answer is not None
        return {"event": "answer", "answer": self.answer.to_json()}


# ---------------------------------------------------------------------------- answering

class GeneratedAnswers:
    """Generated, verified answers from the components they need: the retriever that finds the
    passages, the composer behind the extractive fallback and the checker that verifies."""

    def __init__(self, retriever: HybridRetriever, composer: Composer, checker: ClaimChecker,
                 embed_query: Callable[[str], np.ndarray], config: GeneratorSettings, *, k: int,
                 max_question_chars: int, resolve_path: Callable[[Path], Path] = lambda path: path,
                 log: Callable[[str], None] = lambda message: None) -> None:
        self.retriever, self.composer = retriever, composer
        self.config, self.k, self.max_question_chars = config, k, max_question_chars
        self.resolve_path, self.log = resolve_path, log  # model files relative to the project
        self.verifier = SentenceVerifier(composer, checker, embed_query)
        self._backends: dict[tuple[Any, ...], ChatBackend] = {}
        self._lock = threading.Lock()

    def settings_for(self, generator: str | None = None,
                     config: GeneratorSettings | None = None) -> GeneratorSettings:
        config = config or self.config
        return replace(config, backend=generator) if generator else config

    def backend(self, config: GeneratorSettings) -> ChatBackend:
        if config.backend == "openai":
            return OpenAICompatibleBackend(config)  # cheap to make: one per request
        if config.backend == "llamacpp":
            if not config.model_path:
                raise GenerationError("no model file given (generator.model_path, --model-path)")
            path = self.resolve_path(Path(config.model_path).expanduser())
            key = (str(path), config.context_tokens, config.max_tokens, config.temperature)
            with self._lock:  # a model is loaded once and kept
                if key not in self._backends:
                    self._backends[key] = LlamaCppBackend(config, path)
                return self._backends[key]
        raise GenerationError(f"no generator {config.backend!r}")

    def answer(self, question: object, config: GeneratorSettings) -> Answer:
        final = None
        for event in self.stream(question, config):
            final = event.answer or final
        assert final is not None
        return final

    def stream(self, question: object, config: GeneratorSettings) -> Iterator[GenerationEvent]:
        started = time.perf_counter()
        text = clean_text(question, self.max_question_chars)
        result = self.retriever.search(text, self.k)
        analysed = analyse(text)
        chunks = [h.chunk for h in result.hits]
        prompt = build_prompt(text, analysed.lang, chunks)
        numbered = {n: self.citation(n, chunk) for n, chunk in prompt.passages.items()}
        retrieved = [RetrievedPassage(Span.of_chunk(h.chunk), h.score) for h in result.hits]
        timings = dict(result.timings_ms)
        yield GenerationEvent("passages", citations=list(numbered.values()))

        checked: dict[tuple[str, tuple[int, ...]], Checked] = {}

        def check(sentence: Any) -> Checked:
            key = (sentence.text, tuple(sentence.citations))
            if key not in checked:
                checked[key] = self.verifier.verify(sentence, prompt.passages)
            return checked[key]

        mark_time = time.perf_counter()
        raw, label = "", config.backend
        try:
            backend = self.backend(config)
            label = backend.label
            deadline = time.monotonic() + config.timeout_s
            for piece in backend.stream(prompt):
                raw += piece
                if time.monotonic() > deadline:
                    raise TimeoutError("generation took too long")
                visible = _visible(raw)
                if is_no_answer(visible) or not visible.strip():
                    continue
                parsed = parse_sentences(visible)
                # Every sentence but the last has ended: check it now, show its verdict.
                shown = []
                for sentence in parsed[:-1]:
                    verdict = check(sentence).sentence
                    if config.on_unsupported == "mark" or verdict.support == "supported":
                        shown.append(verdict.to_json())
                if parsed:
                    shown.append({"text": parsed[-1].text, "citations": parsed[-1].citations,
                                  "support": None})
                yield GenerationEvent("text", text=visible, sentences=shown)
            visible = _visible(raw)
            if not visible.strip():
                raise GenerationError("the model returned no text")
            if is_no_answer(visible):
                raise GenerationError("the model found no answer in the passages")
            parsed = parse_sentences(visible)
            if not parsed:
                raise GenerationError("the model returned no sentence")
            results = [check(s) for s in parsed]
            timings["generate"] = (time.perf_counter() - mark_time) * 1000
            if not any(r.sentence.support == "supported" for r in results):
                raise GenerationError("no generated sentence is supported by the passages it cites")
        except Exception as err:  # any failure of the model: the extractive answer, said so
            reason = _failure(err, config.timeout_s)
            self.log(f"generator {label}: {reason} ({err!r})")
            yield GenerationEvent("answer", answer=self.fallback(analysed, result, reason, timings,
                                                                   started))
            return
        yield GenerationEvent("answer", answer=self.compose(
            text, analysed.lang, results, numbered, retrieved, label, config, timings, started))

    def citation(self, n: int, chunk: Chunk) -> Citation:
        """A whole passage, cited by its number in the prompt, with its translation if aligned."""
        partner = self.composer.parallel.get(chunk.id)
        parallel = Span.of_chunk(self.composer.by_id[partner]) if partner else None
        span = Span.of_chunk(chunk)
        return Citation(n, span, span, parallel)

    def compose(self, question: str, lang: str, results: list[Checked], numbered: dict[int, Citation],
                retrieved: list[RetrievedPassage], label: str, config: GeneratorSettings,
                timings: dict[str, float], started: float) -> Answer:
        kept = [r.sentence for r in results
                if config.on_unsupported == "mark" or r.sentence.support == "supported"]
        text = render([(s.text, s.citations, mark(s.support, lang)) for s in kept])
        dropped = len(results) - len(kept)
        if dropped:
            text = f"{text} {phrase('dropped_note', lang).format(n=dropped)}"
        cited = sorted({n for s in kept for n in s.citations if n in numbered})
        supported = sum(r.sentence.support == "supported" for r in results)
        timings = {**timings, "total": (time.perf_counter() - started) * 1000}
        return Answer(question, lang, text, False, [numbered[n] for n in cited], retrieved,
                      list(kept), supported / len(results), label, timings_ms=timings)

    def fallback(self, question: Question, result: SearchResult, reason: str,
                 timings: dict[str, float], started: float) -> Answer:
        """The extractive answer, led by a note that the generated one could not be used."""
        lead = phrase("fallback_lead", question.lang).format(reason=reason)
        return extractive_answer(self.composer, question, result, started, lead,
                                 f"extractive (fallback: {reason})", timings)


_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


def _visible(raw: str) -> str:
    """The answer without a reasoning model's <think> section (finished or not)."""
    return _THINKING.sub("", raw).strip()
