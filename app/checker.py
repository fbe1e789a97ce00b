"""Checking a statement against the sources: supported, unsupported or contradicted.

A statement is supported when a sentence of the sources says the same thing: in the same
language, most of its words (weighted by rarity) are there; across languages, the meaning is
close (language-centred embedding similarity) and its names in Latin script are there; and in
both cases every number it states is there too, whatever the script (2,000 = ２０００ = 2千,
令和4年 = 2022). It is contradicted when a sentence about the very same thing gives another
number of the same kind (another year, another count). A statement that names something the
sources never mention (a city, an organisation) is not supported, however close the rest is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from app.composer import Composer
from app.evidence import Candidate, Scored
from app.numbers import extract_numbers, missing_numbers
from app.question import Question
from app.records import Citation, Verdict
from app.wording import Message
from ingest.lang import detect_lang

# Names: capitalised or upper-case Latin words (not the first word), and katakana words.
_NAME_EN = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][A-Za-z]{2,}|[A-Z]{2,}[0-9]*)\b")
_NAME_JA = re.compile(r"[ァ-ヶー]{2,}")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class CheckerSettings:
    candidates: int = 4  # best evidence sentences examined
    support_overlap: float = 0.6  # same language: share of the statement's words in the evidence
    support_dense: float = 0.09  # across languages: centred similarity to the evidence
    topic_overlap: float = 0.5  # same thing talked about (needed to call a number contradicted)
    topic_dense: float = 0.09  # across languages
    topic_dense_same: float = 0.12  # same language, when other words say the same ("founded")
    figures_overlap: float = 0.4  # enough words when all the statement's numbers are there


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason: str
    sentence: Scored
    strength: float


class ClaimChecker:
    def __init__(self, composer: Composer, settings: CheckerSettings) -> None:
        self.composer = composer
        self.settings = settings
        self._folded_sources: list[str] = []

    def unknown_names(self, claim: str) -> list[str]:
        """Latin-script names in the statement that no source document contains anywhere."""
        if not self._folded_sources:
            self._folded_sources = [_fold(text) for text in self.composer.sources.values()]
        return [name for name in _NAME_EN.findall(claim)
                if not any(_fold(name) in text for text in self._folded_sources)]

    def _evidence_text(self, sentence: Scored) -> str:
        """The sentence with the one before it and its continuation past a column break."""
        chunk = sentence.chunk
        parts = [sentence.text]
        index = chunk.sentences.index((sentence.start, sentence.end))
        if index > 0:
            a, b = chunk.sentences[index - 1]
            parts.insert(0, self.composer.sources[chunk.doc][a:b])
        continuation = self.composer.continuation(sentence)
        if continuation is not None:
            parts.append(continuation.text)
        return " ".join(parts)

    def judge(self, claim: str, lang: str, terms: list[str], sentence: Scored) -> Judgement:
        s = self.settings
        scorer, tokenizer = self.composer.scorer, self.composer.tokenizer
        text = self._evidence_text(sentence)
        same_language = sentence.lang == lang
        if not same_language:
            translated = self.composer.parallel_sentence(sentence)
            if translated is not None:
                other, start, end = translated
                text = f"{text} {self.composer.sources[other.doc][start:end]}"
                same_language = True
        # Words the sources never use are paraphrases ("founded" for "establishment") and weigh
        # nothing here; names the sources never use are caught by `unknown_names`.
        words = [t for t in terms if not any(ch.isdigit() for ch in t) and scorer.keywords.idf(t) > 0]
        evidence_tokens = set(tokenizer.tokenize(text)) | set(tokenizer.tokenize(sentence.chunk.title))
        overlap = scorer.overlap(words, evidence_tokens) if words else 1.0
        # Names are looked for in the whole passage and its title: what "it" refers to.
        folded = _fold(" ".join((text, sentence.chunk.title, sentence.chunk.text)))
        if same_language:
            on_topic = overlap >= s.topic_overlap or sentence.dense >= s.topic_dense_same
            close, strength = overlap >= s.support_overlap, overlap
            # Its own figures found on the topic say as much as words: "founded in 1917" is
            # supported by "since its establishment in 1917".
            claimed_figures = extract_numbers(claim)
            if claimed_figures and on_topic and overlap >= s.figures_overlap \
                    and not missing_numbers(claimed_figures, extract_numbers(text)):
                close = True
            # A name the statement gives must be in the evidence: "India" is not "the U.S.".
            names = _NAME_EN.findall(claim) if lang == "en" else _NAME_JA.findall(claim)
            if any(_fold(name) not in folded for name in names):
                close = False
        else:
            names = tokenizer.tokenize(" ".join(_NAME_EN.findall(claim))) if lang == "en" else \
                [t for t in words if re.fullmatch(r"[a-z][a-z0-9&.+'-]*", t)]
            anchored = scorer.overlap(names, evidence_tokens) >= 0.5 if names else True
            on_topic = sentence.dense >= s.topic_dense and anchored
            close = on_topic and sentence.dense >= s.support_dense
            strength = sentence.dense / s.support_dense * s.support_overlap
        claimed = extract_numbers(claim)
        found = extract_numbers(text)
        missing = missing_numbers(claimed, found)
        if missing and on_topic:
            other = [f for f in found if any(f.kind == n.kind for n in missing)]
            if other:
                return Judgement(
                    "contradicted",
                    Message("check_contradicted", given=[f.text for f in other[:3]],
                            claimed=[n.text for n in missing]), sentence, strength)
        if close and not missing:
            return Judgement("supported", Message("check_supported"), sentence, strength)
        return Judgement("unsupported", Message("check_unsupported"), sentence, strength)

    def check(self, claim: str, vector: np.ndarray, hits: list[Candidate]) -> Verdict:
        lang = detect_lang(claim)
        question = Question(claim, lang)
        terms = self.composer.tokenizer.tokenize(claim)
        scored = self.composer.evidence(question, vector, hits)[: self.settings.candidates]
        if not scored:
            return Verdict(claim, lang, "unsupported", Message("check_no_passage"), [])
        judgements = [self.judge(claim, lang, terms, sentence) for sentence in scored]
        order = {"supported": 0, "contradicted": 1, "unsupported": 2}
        judgements.sort(key=lambda j: (order[j.verdict], -j.strength))
        best = judgements[0]
        verdict, reason = best.verdict, best.reason
        unknown = self.unknown_names(claim)
        if unknown and verdict == "supported":
            verdict = "unsupported"
            reason = Message("check_unknown_names", names=unknown)
        # A second piece of evidence only from another passage: one passage is shown once.
        more = [j.sentence for j in judgements[1:] if j.verdict == best.verdict
                and j.sentence.chunk.id != best.sentence.chunk.id][:1]
        evidence: list[Citation] = [self.composer.cite(n, sentence, question, vector, terms)
                                    for n, sentence in enumerate([best.sentence, *more], start=1)]
        return Verdict(claim, lang, verdict, reason, evidence)  # type: ignore[arg-type]
