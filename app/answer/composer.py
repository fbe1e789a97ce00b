"""Extractive answers: the sentences that answer the question, quoted verbatim and cited.

No language model: the answer is made of exact spans of the sources, so every statement can
be checked against its citation. Evidence in the question's language is preferred; for the
bilingual report the parallel passage in the other language comes along with each citation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from app.answer.answer_span import AnswerLocator, answer_weight
from app.answer.evidence import Candidate, EvidenceScorer, Scored, is_label
from app.answer.numbers import extract_numbers, missing_numbers
from app.answer.params import ComposerSettings
from app.answer.question import Question
from app.answer.reranker import SentenceReranker
from app.answer.selector import AnswerSelector
from app.records import AnswerSentence, Citation, Span
from app.wording import phrase
from index.embedder import TokenStates
from index.tokenizer import KeywordTokenizer
from ingest.lines import LineIndex, strip_span
from ingest.records import Chunk


@dataclass
class Composition:
    answer: str
    abstained: bool
    confidence: float
    citations: list[Citation]
    sentences: list[AnswerSentence]
    # Retrieved passage ids, best first by their best sentence's learned score (the reranking).
    ranking: list[str] = field(default_factory=list)




# A quote trimmed from a long sentence ends at a clause boundary or at a phrase's: before a
# preposition, conjunction, relative word or verb that opens the next ("…fusion energy| through
# the construction"; not before "of", "to" or "than", which bind to what precedes), never after
# a word that needs the next ("through the…"), and never starts inside a name ("…Island" of
# "Staten Island"). On the English tuning questions two more answers held (295 of 374) than with
# any word boundary allowed, and the answer locator of that day kept the answer in 81.4% of the gold
# sentences too long to quote (80.5%). Japanese text is cut at clause boundaries only.
_OPEN_ENDED = frozenset(
    "a an the of to in on at by for with from into onto via through than as and or but nor that "
    "which who whom whose where when while its their his her our your my this these those is are "
    "was were be been being has have had do does did not no such both either each very more most "
    "about over under between among after before during since until".split())


_PHRASE_OPENERS = frozenset(
    "in on at by for with from into onto via through as and or but nor that which who "
    "whom whose where when while after before during since until because although though if "
    "including such like under over between among against within without toward towards across "
    "along around beyond despite is are was were has have had".split())

# A capitalised word followed by another (or a number): "Staten Island", "June 1987".
_NAME_GOES_ON = re.compile(r"\b[A-Z][\w'’.-]*\s+(?=[A-Z0-9])")

_EMBEDDED_WINDOWS = 6

# A sentence that opens by pointing back ("It", "These", その, 同年) names its subject in the
# sentence before: quoted alone, the answer would not say what it is about.
_POINTS_BACK = re.compile(
    r"^[「『“\"(（]?(?:(?:It|Its|This|These|That|Those|He|She|They|His|Her|Their|Such)\b"
    r"|The (?:latter|former)\b|この|その|あの|これ|それ|ここ|そこ|同[年月日社国氏]|彼|当時|両者|前者|後者)")

# A comma between digits groups them ("9,000"): no clause ends there.
_CLAUSE_END = re.compile(r"(?:[、，;；:：。]|,(?!\d)|(?<!\d),)\s*")


def _cut_points(text: str) -> tuple[list[int], list[int]]:
    """Where a quote may start (clause and word boundaries, not inside a name), and where it may
    end (clause boundaries, and before a word that opens a phrase)."""
    clauses = {m.end() for m in _CLAUSE_END.finditer(text)}
    starts = {0} | clauses | {m.end() for m in re.finditer(r"\s+", text)}
    ends = set(clauses) | {len(text)}
    for m in re.finditer(r"([A-Za-z0-9'’%)\].\"”-]+)\s+(?=([A-Za-z]+))", text):
        if m.group(1).lower() not in _OPEN_ENDED and m.group(2).lower() in _PHRASE_OPENERS:
            ends.add(m.end(1))
    return sorted(starts - {m.end() for m in _NAME_GOES_ON.finditer(text)}), sorted(ends)


def _windows(text: str, limit: int) -> list[tuple[int, int]]:
    """Maximal spans of at most `limit` characters between allowed cut points (never
    mid-phrase); none when no such span exists."""
    starts, ends = _cut_points(text)
    spans: list[tuple[int, int]] = []
    for a in starts:
        b = max((c for c in ends if a < c <= a + limit), default=None)
        if b is None:
            continue
        a2, b2 = strip_span(text, a, b)
        if b2 > a2 and (not spans or spans[-1][1] < b2):
            spans.append((a2, b2))
    return spans


def _most_likely_run(windows: list[tuple[int, int]], probabilities: np.ndarray,
                     spans: list[tuple[int, int]]) -> tuple[tuple[int, int], float]:
    """The run holding most of the answer locator's probability, and that share of it."""
    weights = [answer_weight(probabilities, spans, a, b) for a, b in windows]
    best = int(np.argmax(weights))
    return windows[best], weights[best]


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
    def __init__(self, scorer: EvidenceScorer, selector: AnswerSelector, tokenizer: KeywordTokenizer,
                 chunks: list[Chunk], parallel: dict[str, str], sources: dict[str, str],
                 settings: ComposerSettings,
                 embed: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.scorer = scorer
        self.selector = selector
        self.embed = embed  # embeds passages, to choose among the clauses of a long sentence
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
        self.reranker: SentenceReranker | None = None
        self.read: Callable[[list[str]], list[TokenStates]] | None = None
        self.locator: AnswerLocator | None = None
        self.token_spans: Callable[[list[str]], list[list[tuple[int, int]]]] | None = None

    def use_reranker(self, reranker: SentenceReranker,
                     read: Callable[[list[str]], list[TokenStates]]) -> None:
        """Read the selector's first sentences again with the learned reranker; `read` gives
        texts the token states it was trained on."""
        self.reranker, self.read = reranker, read

    def use_locator(self, locator: AnswerLocator, read: Callable[[list[str]], list[TokenStates]],
                    token_spans: Callable[[list[str]], list[list[tuple[int, int]]]]) -> None:
        """Trim a long sentence to the run of words the learned locator finds the answer in;
        `read` as for the reranker (the same kept states), `token_spans` where its tokens lie."""
        self.locator, self.read, self.token_spans = locator, read, token_spans

    # ------------------------------------------------------------------ evidence

    def evidence(self, question: Question, vector: np.ndarray, hits: list[Candidate],
                 rerank: bool = True) -> list[Scored]:
        """The sentences of the top passages (and of the passage after each), best first by the
        learned probability that they answer the question (with `rerank`, the reranker's too:
        claim checks read their candidates with the entailment head instead)."""
        described = self.scorer.describe(vector, question.text, question.lang, self._with_neighbours(hits))
        if not described:
            return []
        probabilities = self.selector.probabilities(np.stack([s.features for s in described]), vector,
                                                    question.lang)
        scored = sorted((replace(s, score=float(p)) for s, p in zip(described, probabilities)),
                        key=lambda s: -s.score)
        return self._reranked(question, scored) if rerank and self.reranker is not None else scored

    def _reranked(self, question: Question, scored: list[Scored]) -> list[Scored]:
        """The selector's first sentences (headings and captions aside, they answer nothing)
        scored again by the reranker with the selector's probability, then the rest, none above
        the last of them."""
        assert self.reranker is not None and self.read is not None
        top = [s for s in scored if not is_label(s.text)][: self.settings.rerank_top]
        if not top:
            return scored
        texts = [s.text for s in top]
        asked, *read = self.read([question.text, *texts])
        scores = self.reranker.scores(asked, question.text, read, texts)
        p = self.reranker.combiner.probabilities(np.array([s.score for s in top]), scores)
        reranked = sorted((replace(s, score=float(v)) for s, v in zip(top, p)), key=lambda s: -s.score)
        floor, chosen = reranked[-1].score, {id(s) for s in top}
        return reranked + [replace(s, score=min(s.score, floor)) for s in scored if id(s) not in chosen]

    def _with_neighbours(self, hits: list[Candidate]) -> list[Candidate]:
        """The top passages, each followed by the next passage of its document and language:
        an answer often sits in the sentence right after the one that matched."""
        out: dict[str, Candidate] = {}
        for hit in hits[: self.settings.passages]:
            order = self._order[(hit.chunk.doc, hit.chunk.lang)]
            at = self._position[hit.chunk.id]
            out.setdefault(hit.chunk.id, hit)
            for neighbour in order[at + 1:at + 2]:
                out.setdefault(neighbour.id, Candidate(neighbour, hit.rank))
        return list(out.values())

    # ------------------------------------------------------------------ spans

    def span(self, doc: str, start: int, end: int, lang: str, title: str) -> Span:
        lines = self._lines[doc]
        return Span(doc, start, end, lines.line_of(start), lines.line_of(max(start, end - 1)), lang,
                    title, self.sources[doc][start:end])

    def trim(self, sentence: Scored, question: Question, vector: np.ndarray,
             terms: list[str], limit: int | None = None) -> tuple[int, int]:
        """The sentence, or for a long one its run of clauses that holds the answer.

        Runs end at clause or phrase boundaries and start at no word inside a name. With
        the learned locator, the run whose words it finds most likely to be the answer, in either
        language; without it (no reranker), the run holding most of the question's words, or
        across languages the run closest in meaning. `limit`: the longest run (`quote_limit`;
        by default `max_quote_chars`).
        """
        start, end = sentence.start, sentence.end
        if limit is None:
            limit = self.settings.max_quote_chars
        if end - start <= limit:
            return start, end
        text = self.sources[sentence.chunk.doc][start:end]
        windows = _windows(text, limit)
        if len(windows) < 2:
            return start, end  # no clause boundary to trim at: the whole sentence
        if self.locator is not None and self.read is not None and self.token_spans is not None:
            asked, read = self.read([question.text, text])
            probabilities = self.locator.token_probabilities(asked, [read])[0]
            spans = self.token_spans([text])[0]
            run, weight = _most_likely_run(windows, probabilities, spans)
            # A quote kept shorter than one long quote (quote_limit) is not widened.
            if weight < self.settings.widen_below * float(np.sum(probabilities)) \
                    and limit >= self.settings.max_quote_chars:
                run = self._widened(text, probabilities, spans)
            tied = [run]
        elif sentence.lang == question.lang:
            values = [self.scorer.overlap(terms, set(self.tokenizer.tokenize(text[a:b]))) for a, b in windows]
            top = max(values)
            # Of the runs holding as many of the question's words, the one starting latest: it
            # begins at what the question asks about and goes on to what it adds.
            tied = [w for w, v in zip(windows, values) if v >= top - 0.02][-1:]
        else:  # no words to share: the run closest in meaning, among a few spread over the sentence
            step = max(1, len(windows) // _EMBEDDED_WINDOWS)
            tied = windows[::step][:_EMBEDDED_WINDOWS]
            if len(tied) > 1 and self.embed is not None:
                embedded = self.embed([text[a:b] for a, b in tied])
                # Rounded, so that float noise cannot flip a near tie: the first window wins ties.
                tied = [tied[int(np.argmax(np.round(embedded @ vector, 3)))]]
        a, b = tied[0]
        return start + a, start + b

    def _widened(self, text: str, probabilities: np.ndarray, spans: list[tuple[int, int]]) -> tuple[int, int]:
        """The locator's best run of at most `wide_quote_chars`, or the whole sentence when no
        cut point allows one: where it is unsure which short run holds the answer, a longer
        quote keeps the answer more often than a short one that may have cut it away."""
        windows = _windows(text, self.settings.wide_quote_chars)
        if len(windows) < 2:
            return 0, len(text)
        return _most_likely_run(windows, probabilities, spans)[0]

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
        # A caption or heading translates a caption or heading, never a sentence that states things.
        labelled = is_label(sentence.text)
        best, best_sim = None, self.settings.parallel_min
        for chunk in order[max(0, at - 1):at + 2]:
            for start, end in chunk.sentences:
                other = self.scorer.sentences.row(chunk.doc, start, end)
                if other is None:
                    continue
                candidate = self.scorer.sentences.vectors[other] - self.scorer.centroids[chunk.lang]
                sim = float(candidate @ centred / (np.linalg.norm(candidate) * np.linalg.norm(centred)))
                text = self.sources[chunk.doc][start:end]
                if missing_numbers(numbers, extract_numbers(text)) or is_label(text) != labelled:
                    continue  # a translation keeps its numbers, and its kind
                if sim > best_sim:
                    best, best_sim = (chunk, start, end), sim
        return best

    # ------------------------------------------------------------------ answer

    def abstain_below(self, question: Question, scored: list[Scored]) -> float:
        crossed = bool(scored) and scored[0].lang != question.lang
        return self.settings.abstain_below_cross if crossed else self.settings.abstain_below

    def select(self, scored: list[Scored], lang: str) -> list[Scored]:
        """The best sentence, and the runner-up when the selector finds it nearly as likely to
        answer (a list, a sentence that needs the next one) and the quotes stay short; a third
        when likely enough too, the evidence is in the question's language `lang` (an answer
        from the other language is already longer by its lead) and the three together are no
        longer than `max_three_chars` (short sentences, as Japanese ones mostly are). A runner-up
        at least `pair_ratio` as likely that is too long to quote whole with the best is quoted
        too, both trimmed short (`quote_limit`)."""
        best = scored[0]
        picked = [best]
        length = len(best.text)
        rules = [(self.settings.second_ratio, self.settings.max_answer_chars)]
        if best.lang == lang:
            rules.append((self.settings.third_ratio, self.settings.max_three_chars))
        for other, (ratio, budget) in zip(scored[1:], rules):
            if other.score < ratio * best.score or other.lang != best.lang \
                    or length + len(other.text) > budget:
                break
            picked.append(other)
            length += len(other.text)
        if len(picked) == 1 and len(scored) > 1 and self.settings.pair_quote_chars:
            other = scored[1]
            if other.score >= self.settings.pair_ratio * best.score and other.lang == best.lang \
                    and len(best.text) + len(other.text) > self.settings.max_answer_chars:
                picked.append(other)  # too long together: both are trimmed short (quote_limit)
        return sorted(picked, key=lambda s: (s.chunk.doc, s.start))

    def quote_limit(self, picked: list[Scored]) -> int:
        """The longest quote of a sentence of `picked`: `pair_quote_chars` for two sentences too
        long to quote whole together (only `select`'s pair rule picks such two)."""
        if len(picked) == 2 and sum(len(s.text) for s in picked) > self.settings.max_answer_chars:
            return self.settings.pair_quote_chars
        return self.settings.max_quote_chars

    def compose(self, question: Question, vector: np.ndarray, hits: list[Candidate]) -> Composition:
        scored = self.evidence(question, vector, hits)
        ranking = list(dict.fromkeys(s.chunk.id for s in scored))
        # A heading or caption names a topic and answers nothing: never quoted as the answer.
        scored = [s for s in scored if not is_label(s.text)]
        confidence = scored[0].score if scored else 0.0
        if confidence < self.abstain_below(question, scored):
            return Composition(phrase("no_answer", question.lang), True, confidence, [], [], ranking)
        terms = self.tokenizer.tokenize(question.text)
        selected = self.select(scored, question.lang)
        limit = self.quote_limit(selected)
        picked = [part for s in selected for part in (s, self.continuation(s)) if part is not None]
        if self.settings.quote_antecedent:
            picked = self.with_antecedents(picked)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, sentence in enumerate(picked, start=1):
            citation = self.cite(n, sentence, question, vector, terms, limit)
            citations.append(citation)
            parts.append(f"{_elided(citation)} [{n}]")
        quote_lang = citations[0].quote.lang
        lead = phrase("from_english" if quote_lang == "en" else "from_japanese", question.lang) \
            if quote_lang != question.lang else ""
        sentences = [AnswerSentence(c.quote.text, [c.n], "supported") for c in citations]
        return Composition(lead + " ".join(parts), False, confidence, citations, sentences, ranking)

    def with_antecedents(self, picked: list[Scored]) -> list[Scored]:
        """Before a sentence that points back, the sentence it points back to (same passage),
        while the quotes stay within the answer's length."""
        out: list[Scored] = []
        quoted = {(s.chunk.doc, s.start) for s in picked}
        length = sum(min(len(s.text), self.settings.max_quote_chars) for s in picked)
        for sentence in picked:
            spans = sentence.chunk.sentences
            at = spans.index((sentence.start, sentence.end)) if (sentence.start, sentence.end) in spans else 0
            if at > 0 and _POINTS_BACK.match(sentence.text):
                before = replace(sentence, start=spans[at - 1][0], end=spans[at - 1][1])
                extra = min(len(before.text), self.settings.max_quote_chars)
                if (before.chunk.doc, before.start) not in quoted and not is_label(before.text) \
                        and length + extra <= self.settings.max_answer_chars:
                    out.append(before)
                    quoted.add((before.chunk.doc, before.start))
                    length += extra
            out.append(sentence)
        return out

    def continuation(self, sentence: Scored) -> Scored | None:
        """The rest of a sentence that a column cut off, as a sentence of its own chunk."""
        chunk = sentence.chunk
        if not chunk.context_after or (sentence.start, sentence.end) != chunk.sentences[-1]:
            return None
        for other in self._order[(chunk.doc, chunk.lang)]:
            if other.context_before and other.context_before.endswith(sentence.text) and other.sentences:
                start, end = other.sentences[0]
                return replace(sentence, chunk=other, start=start, end=end)
        return None

    def cite(self, n: int, sentence: Scored, question: Question, vector: np.ndarray,
             terms: list[str], limit: int | None = None) -> Citation:
        """A citation of `sentence`, switched to its translation in the question's language."""
        chunk = sentence.chunk
        translated = self.parallel_sentence(sentence)
        if translated is not None and sentence.lang != question.lang:
            other, start, end = translated
            quote = self.span(other.doc, start, end, other.lang, other.title)
            return Citation(n, quote, Span.of_chunk(other), Span.of_chunk(chunk))
        start, end = self.trim(sentence, question, vector, terms, limit)
        quote = self.span(chunk.doc, start, end, chunk.lang, chunk.title)
        # The passage holding the sentence's translation is a truer parallel than the passage
        # aligned as a whole (chunk boundaries differ between the languages).
        partner = translated[0] if translated is not None else self.by_id.get(
            self.parallel.get(chunk.id, ""))
        return Citation(n, quote, Span.of_chunk(chunk),
                        Span.of_chunk(partner) if partner is not None else None)
