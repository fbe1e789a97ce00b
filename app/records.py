"""What the app answers with: citations, answers and verdicts, and their JSON forms.

The JSON forms are a contract (the CLI, the web API and automated evaluation read them):
extend them, never rename or remove a field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from app.wording import in_lang
from ingest.records import Chunk

Support = Literal["supported", "unsupported", "contradicted"]


@dataclass(frozen=True)
class Span:
    """An exact span of a source document: `text == source[start:end]`."""

    doc: str
    start: int
    end: int
    line_start: int
    line_end: int
    lang: str
    title: str
    text: str
    # Pages of a paged document (PDF), from 1; None for text, Markdown, Word and HTML files.
    page: int | None = None
    page_end: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"doc": self.doc, "start": self.start, "end": self.end,
                "line_start": self.line_start, "line_end": self.line_end, "lang": self.lang,
                "title": self.title, "text": self.text, "page": self.page, "page_end": self.page_end}

    @classmethod
    def of_chunk(cls, chunk: Chunk) -> Span:
        return cls(chunk.doc, chunk.start, chunk.end, chunk.line_start, chunk.line_end,
                   chunk.lang, chunk.title, chunk.text)


@dataclass(frozen=True)
class Citation:
    n: int
    quote: Span  # the sentence(s) quoted
    passage: Span  # the passage the quote comes from, for context
    parallel: Span | None = None  # the same passage in the other language, if aligned

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, **self.quote.to_json(), "passage": self.passage.to_json(),
                "parallel": self.parallel.to_json() if self.parallel else None}


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citations: list[int]
    support: Support

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "citations": self.citations, "support": self.support}


@dataclass(frozen=True)
class RetrievedPassage:
    span: Span
    score: float

    def to_json(self) -> dict[str, Any]:
        return {**self.span.to_json(), "score": round(self.score, 6)}


@dataclass
class Answer:
    question: str
    lang: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[RetrievedPassage]
    sentences: list[AnswerSentence] = field(default_factory=list)
    confidence: float = 0.0
    generator: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "lang": self.lang, "answer": self.answer,
            "abstained": self.abstained, "confidence": round(self.confidence, 4),
            "generator": self.generator,
            "citations": [c.to_json() for c in self.citations],
            "sentences": [s.to_json() for s in self.sentences],
            "retrieved": [r.to_json() for r in self.retrieved],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass
class Verdict:
    claim: str
    lang: str
    verdict: Support
    reason: str
    evidence: list[Citation]
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim, "lang": self.lang, "verdict": self.verdict, "reason": str(self.reason),
            # The reason in the claim's language, and in each language.
            "reason_lang": getattr(self.reason, "lang", "en"), "reason_en": in_lang(self.reason, "en"),
            "reason_ja": in_lang(self.reason, "ja"),
            "evidence": [c.to_json() for c in self.evidence],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
