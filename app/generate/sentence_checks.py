"""Checking each generated sentence against the passages it cites, with the claim checker.

A sentence is supported only when one of the sentences of the passages it cites supports it
(the checker's own judgement, `ClaimChecker.judge_all` and `decide`: words or meaning or the
learned entailment, with its names, numbers and negations held exactly), every number it states
occurs in those passages, and every passage it cites was in the prompt. A sentence that cites
nothing, or cites a passage that was not given, is unsupported; one that a cited sentence
contradicts (another year, another name, a "not") is contradicted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.answer.composer import Composer
from app.answer.evidence import Candidate, Scored
from app.answer.question import Question
from app.generate.prompts import GeneratedSentence
from app.records import AnswerSentence, Support
from app.verify.checker import ClaimChecker
from app.wording import phrase, reason
from ingest.lang import detect_lang
from ingest.records import Chunk


def mark(support: Support, lang: str) -> str:
    """How an answer marks a sentence that its citations do not support (marked mode)."""
    return phrase(f"mark_{support}", lang) if support in ("unsupported", "contradicted") else ""


@dataclass(frozen=True)
class Checked:
    sentence: AnswerSentence
    reason: str


def _inside(sentence: Scored, passages: list[Chunk]) -> bool:
    return any(sentence.chunk.doc == c.doc and c.start <= sentence.start and sentence.end <= c.end
               for c in passages)


class SentenceVerifier:
    """Verdicts for generated sentences, from the composer's evidence scoring and the checker."""

    def __init__(self, composer: Composer, checker: ClaimChecker,
                 embed: Callable[[str], np.ndarray], candidates: int | None = None) -> None:
        self.composer = composer
        self.checker = checker
        self.embed = embed
        self.candidates = candidates or checker.settings.candidates

    def verify(self, sentence: GeneratedSentence, passages: dict[int, Chunk]) -> Checked:
        text, cites = sentence.text, sentence.citations
        lang = detect_lang(text)

        def verdict(support: Support, why: str) -> Checked:
            return Checked(AnswerSentence(text, list(cites), support), why)

        if not cites:
            return verdict("unsupported", reason("cites_nothing", lang))
        absent = [n for n in cites if n not in passages]
        if absent:
            return verdict("unsupported", reason("cites_absent", lang,
                                                 claimed=", ".join(f"[{n}]" for n in absent)))
        cited = [passages[n] for n in cites]
        vector = self.embed(text)
        scored = [s for s in self.composer.evidence(Question(text, lang), vector,
                                                         [Candidate(c, i) for i, c in enumerate(cited)],
                                                         rerank=False)
                  if _inside(s, cited)][: self.candidates]
        support: Support = "unsupported"
        why: str = reason("not_in_cited", lang)
        if scored:
            best = self.checker.decide(self.checker.judge_all(text, lang, vector, scored))
            if best.verdict != "unsupported":
                support, why = best.verdict, best.reason
        # The same statement-wide rules as a claim's, the numbers looked for in the cited passages.
        return verdict(*self.checker.overrule(text, lang, support, why, [c.text for c in cited]))
