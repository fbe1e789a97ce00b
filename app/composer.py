"""Extractive answers: the sentences that answer the question, quoted verbatim and cited.

No language model: the answer is made of exact spans of the sources, so every statement can
be checked against its citation. Evidence in the question's language is preferred; for the
bilingual report the parallel passage in the other language comes along with each citation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.evidence import EvidenceScorer, Scored, is_label
from app.numbers import extract_numbers, missing_numbers
from app.question import SHAPED_KINDS, Question, fit
from app.records import AnswerSentence, Citation, Span
from app.wording import phrase
from index.tokenizer import KeywordTokenizer
from ingest.lines import LineIndex, strip_span
from ingest.records import Chunk


@dataclass(frozen=True)
class ComposerSettings:
    passages: int = 5  # retrieved passages whose sentences are considered
    # Calibrated on the dev set and our own cases (`kakehashi eval`): below it the sources
    # "do not say". Raise it to abstain more, lower it to answer more.
    abstain_below: float = 0.07
    max_quote_chars: int = 200  # a longer sentence is trimmed to its most telling clauses
    extra_sentence_margin: float = 0.02  # a second sentence must score this close to the best
    parallel_min: float = 0.35  # language-centred similarity for a sentence to count as a translation
    unknown_penalty: float = 0.2  # taken off confidence, times the share of unknown words
    shape_margin: float = 0.1  # how far below the best a sentence with the asked-for shape may be


@dataclass
class Composition:
    answer: str
    abstained: bool
    confidence: float
    citations: list[Citation]
    sentences: list[AnswerSentence]


_CLAUSE_END = "、，,;；:：。）)"


def _windows(text: str, limit: int) -> list[tuple[int, int]]:
    """Maximal spans of at most `limit` characters between clause or word boundaries."""
    cuts = sorted({0, len(text)} | {m.end() for m in re.finditer(r"[、，,;；:：]\s*|\s+", text)})
    spans: list[tuple[int, int]] = []
    for i, a in enumerate(cuts[:-1]):
        b = max((c for c in cuts[i + 1:] if c - a <= limit), default=None)
        if b is None:
            b = a + limit
        a2, b2 = strip_span(text, a, b)
        if b2 > a2 and (not spans or spans[-1][1] < b2):
            spans.append((a2, b2))
    return spans


def _elided(citation: Citation) -> str:
    """The quote as shown in an answer: "…" where it leaves out part of its sentence."""
    quote, passage = citation.quote, citation.passage
    text = passage.text
    before = text[:quote.start - passage.start].rstrip(" \t")
    after = text[quote.end - passage.start:].lstrip(" \t")
    head = "…" if before and not before.endswith(("\n", *_SENTENCE_ENDS)) else ""
    tail = "…" if after and not after.startswith("\n") and quote.text[-1:] not in _SENTENCE_ENDS else ""
    return f"{head}{quote.text}{tail}"


_SENTENCE_ENDS = tuple("。！？.!?」』）)\"”")


class Composer:
    def __init__(self, scorer: EvidenceScorer, tokenizer: KeywordTokenizer,
                 chunks: list[Chunk], parallel: dict[str, str], sources: dict[str, str],
                 settings: ComposerSettings,
                 embed: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.scorer = scorer
        self.embed = embed  # embeds passages, to choose among equally worded windows
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
        self._position = {c.id: i for order in self._order.values() for i, c in enumerate(order)}

    # ------------------------------------------------------------------ evidence

    def evidence(self, question: Question, vector: np.ndarray, chunks: list[Chunk]) -> list[Scored]:
        terms = self.tokenizer.tokenize(question.text)
        return self.scorer.score(vector, terms, question, self._with_neighbours(chunks))

    def _with_neighbours(self, chunks: list[Chunk]) -> list[Chunk]:
        """The top passages, each followed by the next passage of its document and language:
        an answer often sits in the sentence right after the one that matched."""
        out: dict[str, Chunk] = {}
        for chunk in chunks[: self.settings.passages]:
            order = self._order[(chunk.doc, chunk.lang)]
            at = self._position[chunk.id]
            for candidate in order[at:at + 2]:
                out.setdefault(candidate.id, candidate)
        return list(out.values())

    def unknown_share(self, question: Question, terms: list[str]) -> float:
        """How much of the question (by rarity) is words the sources never use.

        "Olympic medals", "population", "budget": a question about something the documents never
        mention cannot be answered from them, however close its other words come.
        """
        # Short English words ("body", "take") are too common to tell anything when missing.
        words = [t for t in set(terms) if not any(ch.isdigit() for ch in t)
                 and len(t) >= (5 if t.isascii() else 2)]
        if not words:
            return 0.0
        total = sum(self.scorer.idf(t) for t in words)
        unknown = sum(self.scorer.idf(t) for t in words if self.scorer.keywords.idf(t) == 0)
        return unknown / total if total else 0.0

    def confidence(self, question: Question, best: Scored, terms: list[str]) -> float:
        share = self.unknown_share(question, terms)
        if question.lang == "ja" and best.lang != "ja":
            # A Japanese question answered from English may use words missing from the Japanese
            # half of the sources for no other reason: only a mostly unknown question counts.
            share = max(0.0, share - 0.5) * 2
        return best.score - self.settings.unknown_penalty * share

    # ------------------------------------------------------------------ spans

    def span(self, doc: str, start: int, end: int, lang: str, title: str) -> Span:
        lines = self._lines[doc]
        return Span(doc, start, end, lines.line_of(start), lines.line_of(max(start, end - 1)), lang,
                    title, self.sources[doc][start:end])

    def trim(self, sentence: Scored, question: Question, vector: np.ndarray,
             terms: list[str]) -> tuple[int, int]:
        """The sentence, or for a long one the window of it that says most about the question.

        Windows start and end at clause or word boundaries. They are ranked by the question's
        words they hold and whether they hold the kind of thing asked for; when words cannot
        tell (a Japanese question on an English sentence) by embedding similarity.
        """
        start, end = sentence.start, sentence.end
        # A list is worth quoting whole: "Beijing, Singapore and Brussels".
        limit = self.settings.max_quote_chars * (2 if question.many else 1)
        if end - start <= limit:
            return start, end
        text = self.sources[sentence.chunk.doc][start:end]
        windows = _windows(text, limit)
        values = []
        for a, b in windows:
            window = text[a:b]
            shape = fit(question, window)
            # A window without the thing asked for (the date, the place) is no answer at all.
            values.append(self.scorer.overlap(terms, set(self.tokenizer.tokenize(window)))
                          + 2 * shape * (question.kind in SHAPED_KINDS or shape == 2)
                          + 0.05 * (a == 0 or text[a - 1] in _CLAUSE_END)
                          + 0.0001 * (b - a))
        top = max(values)
        tied = [w for w, v in zip(windows, values) if v >= top - 0.02]
        if len(tied) > 1 and self.embed is not None:
            embedded = self.embed([text[a:b] for a, b in tied])
            # Rounded, so that float noise cannot flip a near tie: the first window wins ties.
            tied = [tied[int(np.argmax(np.round(embedded @ vector, 3)))]]
        a, b = tied[0]
        return start + a, start + b

    # ------------------------------------------------------------------ languages

    def parallel_sentence(self, sentence: Scored) -> tuple[Chunk, int, int] | None:
        """The same sentence in the other language, looked for around the aligned passage."""
        partner_id = self.parallel.get(sentence.chunk.id)
        if partner_id is None:
            return None
        partner = self.by_id[partner_id]
        order = self._order[(partner.doc, partner.lang)]
        at = self._position[partner.id]
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
                if missing_numbers(numbers, extract_numbers(text)):
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
        if question.kind in SHAPED_KINDS and best.fit == 0:
            # A "when" question wants a date: take a close runner-up that has one.
            fitting = [s for s in scored[1:] if s.fit > 0
                       and s.score >= best.score - self.settings.shape_margin]
            best = fitting[0] if fitting else best
            scored = [best] + [s for s in scored if s is not best]
        terms = self.tokenizer.tokenize(question.text)
        confidence = self.confidence(question, best, terms)
        # A "when" question whose evidence holds no date has no answer in the sources.
        shapeless = question.kind in SHAPED_KINDS and best.fit == 0
        if confidence < self.settings.abstain_below or shapeless:
            return Composition(phrase("no_answer", question.lang), True, confidence, [], [])
        picked = [best]
        limit = self.settings.max_quote_chars * (2 if question.many else 1)
        margin = self.settings.extra_sentence_margin * (3 if question.many else 1)
        for other in scored[1:]:
            if other.score < best.score - margin:
                break
            if other.lang == best.lang and not is_label(other.text) \
                    and sum(len(p.text) for p in picked) + len(other.text) <= limit:
                picked.append(other)
        picked.sort(key=lambda s: (s.chunk.doc, s.start))
        picked = [part for s in picked for part in (s, self.continuation(s)) if part is not None]
        citations: list[Citation] = []
        parts: list[str] = []
        for n, sentence in enumerate(picked, start=1):
            citation = self.cite(n, sentence, question, vector, terms)
            citations.append(citation)
            parts.append(f"{_elided(citation)} [{n}]")
        quote_lang = citations[0].quote.lang
        lead = phrase("from_english" if quote_lang == "en" else "from_japanese", question.lang) \
            if quote_lang != question.lang else ""
        sentences = [AnswerSentence(c.quote.text, [c.n], "supported") for c in citations]
        return Composition(lead + " ".join(parts), False, confidence, citations, sentences)

    def continuation(self, sentence: Scored) -> Scored | None:
        """The rest of a sentence that a column cut off, as a sentence of its own chunk."""
        chunk = sentence.chunk
        if not chunk.context_after or (sentence.start, sentence.end) != chunk.sentences[-1]:
            return None
        for other in self._order[(chunk.doc, chunk.lang)]:
            if other.context_before and other.context_before.endswith(sentence.text) and other.sentences:
                start, end = other.sentences[0]
                return Scored(other, sentence.rank, start, end, sentence.dense, sentence.overlap,
                              sentence.fit, sentence.score)
        return None

    def cite(self, n: int, sentence: Scored, question: Question, vector: np.ndarray,
             terms: list[str]) -> Citation:
        """A citation of `sentence`, switched to its translation in the question's language."""
        chunk = sentence.chunk
        translated = self.parallel_sentence(sentence)
        if translated is not None and sentence.lang != question.lang:
            other, start, end = translated
            quote = self.span(other.doc, start, end, other.lang, other.title)
            return Citation(n, quote, Span.of_chunk(other), Span.of_chunk(chunk))
        start, end = self.trim(sentence, question, vector, terms)
        quote = self.span(chunk.doc, start, end, chunk.lang, chunk.title)
        # The passage holding the sentence's translation is a truer parallel than the passage
        # aligned as a whole (chunk boundaries differ between the languages).
        partner = translated[0] if translated is not None else self.by_id.get(
            self.parallel.get(chunk.id, ""))
        return Citation(n, quote, Span.of_chunk(chunk),
                        Span.of_chunk(partner) if partner is not None else None)
