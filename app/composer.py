"""Extractive answers: the sentences that answer the question, quoted verbatim and cited.

No language model: the answer is made of exact spans of the sources, so every statement can
be checked against its citation. Evidence in the question's language is preferred; for the
bilingual report the parallel passage in the other language comes along with each citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from app.evidence import EvidenceScorer, Scored
from app.numbers import extract_numbers
from app.question import Question
from app.records import AnswerSentence, Citation, Span
from app.wording import phrase
from index.tokenizer import KeywordTokenizer
from ingest.lines import LineIndex
from ingest.records import Chunk


@dataclass(frozen=True)
class ComposerSettings:
    passages: int = 5  # retrieved passages whose sentences are considered
    abstain_below: float = 0.1  # confidence under which the sources "do not say"
    max_quote_chars: int = 200  # a longer sentence is trimmed to its most telling clauses
    extra_sentence_margin: float = 0.02  # a second sentence must score this close to the best
    parallel_min: float = 0.35  # language-centred similarity for a sentence to count as a translation


@dataclass
class Composition:
    answer: str
    abstained: bool
    confidence: float
    citations: list[Citation]
    sentences: list[AnswerSentence]


_CLAUSE = re.compile(r"(?<=[、，,;；:：])\s*")


class Composer:
    def __init__(self, scorer: EvidenceScorer, tokenizer: KeywordTokenizer,
                 chunks: list[Chunk], parallel: dict[str, str], sources: dict[str, str],
                 settings: ComposerSettings) -> None:
        self.scorer = scorer
        self.tokenizer = tokenizer
        self.settings = settings
        self.chunks = chunks
        self.by_id = {c.id: c for c in chunks}
        self.parallel = parallel
        self.sources = sources
        self._lines = {doc: LineIndex(text) for doc, text in sources.items()}
        # Chunks of each (doc, lang) in document order, to look around an aligned passage.
        self._order: dict[tuple[str, str], list[Chunk]] = {}
        for chunk in chunks:
            self._order.setdefault((chunk.doc, chunk.lang), []).append(chunk)

    # ------------------------------------------------------------------ evidence

    def evidence(self, question: Question, vector: np.ndarray, chunks: list[Chunk]) -> list[Scored]:
        terms = self.tokenizer.tokenize(question.text)
        return self.scorer.score(vector, terms, question.kind, chunks[: self.settings.passages])

    def confidence(self, best: Scored) -> float:
        return best.score

    # ------------------------------------------------------------------ spans

    def span(self, doc: str, start: int, end: int, lang: str, title: str) -> Span:
        lines = self._lines[doc]
        return Span(doc, start, end, lines.line_of(start), lines.line_of(max(start, end - 1)), lang,
                    title, self.sources[doc][start:end])

    def trim(self, sentence: Scored, terms: list[str]) -> tuple[int, int]:
        """The sentence, or for a long one the run of clauses that says most about the question."""
        start, end, limit = sentence.start, sentence.end, self.settings.max_quote_chars
        if end - start <= limit:
            return start, end
        text = self.sources[sentence.chunk.doc][start:end]
        cuts = [0] + [m.end() for m in _CLAUSE.finditer(text)] + [len(text)]
        pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
        best, best_value = (0, min(len(text), limit)), -1.0
        for i in range(len(pieces)):
            for j in range(i, len(pieces)):
                a, b = pieces[i][0], pieces[j][1]
                if b - a > limit:
                    break
                window = text[a:b]
                value = self.scorer.overlap(terms, set(self.tokenizer.tokenize(window))) \
                    + 0.1 * bool(extract_numbers(window)) + 0.001 * (b - a) / limit
                if value > best_value:
                    best, best_value = (a, b), value
        a, b = best
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return start + a, start + b

    # ------------------------------------------------------------------ languages

    def parallel_sentence(self, sentence: Scored) -> tuple[Chunk, int, int] | None:
        """The same sentence in the other language, looked for around the aligned passage."""
        partner_id = self.parallel.get(sentence.chunk.id)
        if partner_id is None:
            return None
        partner = self.by_id[partner_id]
        order = self._order[(partner.doc, partner.lang)]
        at = order.index(partner)
        row = self.scorer.sentences.row(sentence.chunk.doc, sentence.start, sentence.end)
        if row is None:
            return None
        centred = self.scorer.sentences.vectors[row] - self.scorer.centroids[sentence.lang]
        numbers = extract_numbers(sentence.text)
        best, best_sim = None, self.settings.parallel_min
        for chunk in order[max(0, at - 1):at + 2]:
            for start, end in chunk.sentences:
                other = self.scorer.sentences.row(chunk.doc, start, end)
                if other is None:
                    continue
                candidate = self.scorer.sentences.vectors[other] - self.scorer.centroids[chunk.lang]
                sim = float(candidate @ centred / (np.linalg.norm(candidate) * np.linalg.norm(centred)))
                text = self.sources[chunk.doc][start:end]
                found = extract_numbers(text)
                if any(not any(n.matches(f) for f in found) for n in numbers):
                    continue  # a translation keeps its numbers
                if sim > best_sim:
                    best, best_sim = (chunk, start, end), sim
        return best

    # ------------------------------------------------------------------ answer

    def compose(self, question: Question, vector: np.ndarray, chunks: list[Chunk]) -> Composition:
        scored = self.evidence(question, vector, chunks)
        if not scored:
            return Composition(phrase("no_answer", question.lang), True, 0.0, [], [])
        best = scored[0]
        confidence = self.confidence(best)
        if confidence < self.settings.abstain_below:
            return Composition(phrase("no_answer", question.lang), True, confidence, [], [])
        picked = [best]
        limit = self.settings.max_quote_chars * (2 if question.kind == "list" else 1)
        for other in scored[1:]:
            if other.score < best.score - self.settings.extra_sentence_margin:
                break
            if other.lang == best.lang and sum(len(p.text) for p in picked) + len(other.text) <= limit:
                picked.append(other)
        picked.sort(key=lambda s: (s.chunk.doc, s.start))
        terms = self.tokenizer.tokenize(question.text)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, sentence in enumerate(picked, start=1):
            citation = self.cite(n, sentence, question.lang, terms)
            citations.append(citation)
            parts.append(f"{citation.quote.text} [{n}]")
        quote_lang = citations[0].quote.lang
        lead = phrase("from_english" if quote_lang == "en" else "from_japanese", question.lang) \
            if quote_lang != question.lang else ""
        sentences = [AnswerSentence(c.quote.text, [c.n], "supported") for c in citations]
        return Composition(lead + " ".join(parts), False, confidence, citations, sentences)

    def cite(self, n: int, sentence: Scored, lang: str, terms: list[str]) -> Citation:
        """A citation of `sentence`, switched to its translation when that is in `lang`."""
        chunk = sentence.chunk
        if sentence.lang != lang:
            translated = self.parallel_sentence(sentence)
            if translated is not None:
                other, start, end = translated
                quote = self.span(other.doc, start, end, other.lang, other.title)
                return Citation(n, quote, Span.of_chunk(other), Span.of_chunk(chunk))
        start, end = self.trim(sentence, terms)
        quote = self.span(chunk.doc, start, end, chunk.lang, chunk.title)
        partner = self.parallel.get(chunk.id)
        return Citation(n, quote, Span.of_chunk(chunk),
                        Span.of_chunk(self.by_id[partner]) if partner else None)
