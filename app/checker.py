"""Checking a statement against the sources: supported, unsupported or contradicted.

A statement is supported when a sentence of the sources says the same thing: in the same
language, most of its words (weighted by rarity) are there; across languages, the meaning is
close (language-centred embedding similarity); and in both cases every number it states is
there too, whatever the script (2,000 = ２０００ = 2千, 令和4年 = 2022). It is contradicted when
a sentence about the very same thing gives other numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.composer import Composer
from app.evidence import Scored
from app.numbers import Number, extract_numbers
from app.question import Question
from app.records import Citation, Verdict
from ingest.lang import detect_lang
from ingest.records import Chunk


@dataclass(frozen=True)
class CheckerSettings:
    candidates: int = 4  # best evidence sentences examined
    support_overlap: float = 0.6  # same language: share of the statement's words in the evidence
    support_dense: float = 0.22  # across languages: centred similarity to the evidence
    topic_overlap: float = 0.5  # same thing talked about (needed to call a number contradicted)
    topic_dense: float = 0.18


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str
    sentence: Scored
    strength: float


def _year_like(n: Number) -> bool:
    return not n.percent and n.value.is_integer() and 1800 <= n.value <= 2100


def _missing(claimed: list[Number], found: list[Number]) -> list[Number]:
    return [n for n in claimed if not any(n.matches(f) for f in found)]


class ClaimChecker:
    def __init__(self, composer: Composer, settings: CheckerSettings) -> None:
        self.composer = composer
        self.settings = settings

    def judge(self, claim: str, lang: str, terms: list[str], sentence: Scored) -> Judgement:
        s = self.settings
        scorer, tokenizer = self.composer.scorer, self.composer.tokenizer
        text = sentence.text
        same_language = sentence.lang == lang
        if not same_language:
            translated = self.composer.parallel_sentence(sentence)
            if translated is not None:
                other, start, end = translated
                text = self.composer.sources[other.doc][start:end]
                same_language = True
        words = [t for t in terms if not any(ch.isdigit() for ch in t)]
        evidence_tokens = set(tokenizer.tokenize(text)) | set(tokenizer.tokenize(sentence.chunk.title))
        overlap = scorer.overlap(words, evidence_tokens) if words else 1.0
        on_topic = overlap >= s.topic_overlap if same_language else sentence.dense >= s.topic_dense
        close = overlap >= s.support_overlap if same_language else sentence.dense >= s.support_dense
        claimed = extract_numbers(claim)
        found = extract_numbers(text) + extract_numbers(sentence.text)
        missing = _missing(claimed, found)
        strength = overlap if same_language else sentence.dense / s.support_dense * s.support_overlap
        if missing and on_topic:
            kinds = {_year_like(n) for n in missing}
            if any(_year_like(f) in kinds for f in found):
                stated = ", ".join(n.text for n in missing)
                return Judgement("contradicted",
                                 f"The sources give other figures than {stated}.", sentence, strength)
        if close and not missing:
            return Judgement("supported", "A passage of the sources states this.", sentence, strength)
        return Judgement("unsupported", "No passage of the sources states this.", sentence, strength)

    def check(self, claim: str, vector: np.ndarray, chunks: list[Chunk]) -> Verdict:
        lang = detect_lang(claim)
        question = Question(claim, lang, "other")
        terms = self.composer.tokenizer.tokenize(claim)
        scored = self.composer.evidence(question, vector, chunks)[: self.settings.candidates]
        judgements = [self.judge(claim, lang, terms, sentence) for sentence in scored]
        order = {"supported": 0, "contradicted": 1, "unsupported": 2}
        judgements.sort(key=lambda j: (order[j.verdict], -j.strength))
        if not judgements:
            return Verdict(claim, lang, "unsupported", "No passage of the sources is related.", [])
        best = judgements[0]
        evidence_sentences = [best.sentence] + [j.sentence for j in judgements[1:]
                                                if j.verdict == best.verdict][:1]
        evidence: list[Citation] = [self.composer.cite(n, sentence, lang, terms)
                                    for n, sentence in enumerate(evidence_sentences, start=1)]
        return Verdict(claim, lang, best.verdict, best.reason, evidence)  # type: ignore[arg-type]
