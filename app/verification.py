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

from app.checker import ClaimChecker
from app.composer import Composer
from app.evidence import Candidate, Scored
from app.grounding import GeneratedSentence
from app.numbers import extract_numbers
from app.numbers import missing_numbers as numbers_missing
from app.question import Question
from app.records import AnswerSentence, Support
from ingest.lang import detect_lang
from ingest.records import Chunk

# How an answer marks a sentence that its citations do not support (marked mode).
MARKS: dict[Support, dict[str, str]] = {
    "unsupported": {"en": "(not supported by the cited passages)", "ja": "（出典に裏付けなし）"},
    "contradicted": {"en": "(contradicted by the cited passages)", "ja": "（出典と矛盾）"},
}


def mark(support: Support, lang: str) -> str:
    table = MARKS.get(support)
    return "" if table is None else table.get(lang, table["en"])


@dataclass(frozen=True)
class Checked:
    sentence: AnswerSentence
    reason: str


def missing_numbers(text: str, passages: list[Chunk]) -> list[str]:
    """The numbers `text` states that none of `passages` gives (2,000 = ２０００ = 2千)."""
    found = [n for chunk in passages for n in extract_numbers(chunk.text)]
    return [n.text for n in numbers_missing(extract_numbers(text), found)]


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

        def verdict(support: Support, reason: str) -> Checked:
            return Checked(AnswerSentence(text, list(cites), support), reason)

        if not cites:
            return verdict("unsupported", "The sentence cites no passage.")
        absent = [n for n in cites if n not in passages]
        if absent:
            return verdict("unsupported", f"It cites {', '.join(f'[{n}]' for n in absent)}, "
                                          "which no passage given to the model has.")
        cited = [passages[n] for n in cites]
        lang = detect_lang(text)
        vector = self.embed(text)
        scored = [s for s in self.composer.evidence(Question(text, lang), vector,
                                                         [Candidate(c, i) for i, c in enumerate(cited)])
                  if _inside(s, cited)][: self.candidates]
        support: Support = "unsupported"
        reason = "No sentence of the cited passages states this."
        if scored:
            best = self.checker.decide(self.checker.judge_all(text, lang, vector, scored))
            if best.verdict != "unsupported":
                support, reason = best.verdict, best.reason
        missing = missing_numbers(text, cited)
        if missing and support == "supported":
            support = "unsupported"
            reason = f"The cited passages never give {', '.join(missing)}."
        unknown = self.checker.unknown_names(text)
        if unknown and support == "supported":
            support = "unsupported"
            reason = f"The sources never mention {', '.join(unknown)}."
        return verdict(support, reason)
