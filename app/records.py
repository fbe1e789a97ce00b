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


# A sentence of a checked text that is not a statement of fact (a question, an opinion).
TextVerdict = Literal["supported", "unsupported", "contradicted", "not_a_claim"]
TEXT_VERDICTS: tuple[TextVerdict, ...] = ("supported", "contradicted", "unsupported", "not_a_claim")


@dataclass(frozen=True)
class TextPart:
    """A span of a checked text that is not checked: a heading, a list or citation marker."""

    start: int
    end: int
    kind: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "kind": self.kind, "text": self.text}


@dataclass
class CheckedSentence:
    """A sentence of a checked text: `text == input[start:end]`; `claim` is what was checked
    (the sentence without its citation markers). `verdict` is None until it has been checked."""

    n: int
    start: int
    end: int
    text: str
    claim: str
    lang: str
    kind: str  # claim, question or opinion
    verdict: TextVerdict | None = None
    reason: str = ""
    evidence: list[Citation] = field(default_factory=list)
    markers: list[TextPart] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "start": self.start, "end": self.end, "text": self.text,
                "claim": self.claim, "lang": self.lang, "kind": self.kind, "verdict": self.verdict,
                "reason": str(self.reason), "reason_lang": getattr(self.reason, "lang", self.lang),
                "reason_en": in_lang(self.reason, "en"), "reason_ja": in_lang(self.reason, "ja"),
                "evidence": [c.to_json() for c in self.evidence],
                "markers": [m.to_json() for m in self.markers]}


@dataclass
class TextCheck:
    """A whole text checked sentence by sentence, with what was left unchecked."""

    text: str
    sentences: list[CheckedSentence]
    skipped: list[TextPart]
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(s.verdict is not None for s in self.sentences)

    def summary(self) -> dict[str, int]:
        counts = {verdict: 0 for verdict in TEXT_VERDICTS}
        for sentence in self.sentences:
            if sentence.verdict is not None:
                counts[sentence.verdict] += 1
        return {"sentences": len(self.sentences), **counts,
                "pending": sum(1 for s in self.sentences if s.verdict is None)}

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "summary": self.summary(),
                "sentences": [s.to_json() for s in self.sentences],
                "skipped": [p.to_json() for p in self.skipped],
                "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()}}
