"""Checking a whole text: each of its sentences against the sources, as `ClaimChecker` checks one
statement.

The sentences' queries are embedded in one batch. A sentence often leans on the one before it
("It was proposed by Japan …" after a sentence naming HFSP), so the passages retrieved for the
previous sentence of the same paragraph are offered as evidence too: sentences that share their
evidence are judged on the same passages, whose embeddings the checker keeps between sentences.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from app.answer.evidence import Candidate, candidates_of
from app.inputs import one_line
from app.records import CheckedSentence, TextCheck, TextPart
from app.verify.checker import ClaimChecker
from app.verify.text_split import Piece, claim_text, split_text
from app.wording import reason
from index.retriever import HybridRetriever
from ingest.lang import detect_lang


@dataclass(frozen=True)
class TextCheckSettings:
    # Given by the service from the settings (retrieval.k, limits.max_question_chars): no defaults
    # of their own, so a text's sentences are checked as single statements are.
    k: int  # passages retrieved per sentence
    max_sentence_chars: int  # a longer sentence is checked on its first this many characters
    share_evidence: bool = True  # offer the previous sentence's passages too


class TextChecker:
    def __init__(self, retriever: HybridRetriever, checker: ClaimChecker,
                 embed_queries: Callable[[list[str]], np.ndarray], settings: TextCheckSettings) -> None:
        self.retriever = retriever
        self.checker = checker
        self.embed_queries = embed_queries
        self.settings = settings

    def prepare(self, text: str) -> TextCheck:
        """The text cut into sentences (none checked yet) and the parts left unchecked."""
        started = time.perf_counter()
        sentences: list[CheckedSentence] = []
        skipped: list[TextPart] = []
        for piece in split_text(text):
            part = TextPart(piece.start, piece.end, piece.kind, piece.text(text))
            if not piece.is_sentence:
                skipped.append(part)
                continue
            # A longer sentence is checked on its first `max_sentence_chars` characters.
            claim = one_line(claim_text(text, piece))[: self.settings.max_sentence_chars]
            if not claim:  # nothing but control characters
                skipped.append(part)
                continue
            sentences.append(_sentence(text, piece, claim, len(sentences) + 1))
        return TextCheck(text, sentences, skipped,
                         {"split": (time.perf_counter() - started) * 1000})

    def run(self, report: TextCheck) -> Iterator[CheckedSentence]:
        """Check the report's sentences in order, filling each in; yields each once it is."""
        started = time.perf_counter()
        claims = [s for s in report.sentences if s.kind == "claim"]
        vectors = self.embed_queries([s.claim for s in claims]) if claims else np.zeros((0, 0))
        report.timings_ms["embed"] = (time.perf_counter() - started) * 1000
        vector_of = {s.n: vectors[i] for i, s in enumerate(claims)}
        breaks = [m.start() for m in _BLANK_LINE.finditer(report.text)]
        previous: tuple[int, list[Candidate]] | None = None  # paragraph, hits of the last claim
        for sentence in report.sentences:
            if sentence.kind != "claim":
                sentence.verdict = "not_a_claim"
                sentence.reason = reason(sentence.kind, sentence.lang)
                yield sentence
                continue
            vector = vector_of[sentence.n]
            result = self.retriever.search_by_vector(sentence.claim, vector, self.settings.k)
            hits = candidates_of(result.hits)
            paragraph = bisect.bisect(breaks, sentence.start)  # blank lines before it
            own = hits
            if self.settings.share_evidence and previous is not None and previous[0] == paragraph:
                # "It", "they", 「同」: what the sentence is about is in the previous sentence's
                # passages, which come first; otherwise after its own.
                first, then = (previous[1], hits) if _ANAPHORA.match(sentence.claim) else (hits, previous[1])
                hits = _merged(first, then)
            previous = (paragraph, own)
            verdict = self.checker.check(sentence.claim, vector, hits)
            sentence.verdict = verdict.verdict
            sentence.reason = verdict.reason
            sentence.evidence = verdict.evidence
            yield sentence
        report.timings_ms["check"] = (time.perf_counter() - started) * 1000


def _sentence(text: str, piece: Piece, claim: str, n: int) -> CheckedSentence:
    markers = [TextPart(a, b, "citation", text[a:b]) for a, b in piece.markers]
    return CheckedSentence(n, piece.start, piece.end, piece.text(text), claim, detect_lang(claim),
                           piece.kind, markers=markers)


def _merged(first: list[Candidate], then: list[Candidate]) -> list[Candidate]:
    """The passages of `first`, then those of `then` not among them, ranked in that order."""
    seen = {c.chunk.id for c in first}
    joined = first + [c for c in then if c.chunk.id not in seen]
    return [Candidate(c.chunk, rank, c.fused, c.keyword) for rank, c in enumerate(joined)]


# A sentence about what the one before it named: a pronoun or a "the said" prefix first.
_ANAPHORA = re.compile(r"(?:it|its|they|their|this|these|that|those|he|she|his|her)\b"
                       r"|(?:同|その|これ|それ|この|彼|当)", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t\r\u3000]*\n")
