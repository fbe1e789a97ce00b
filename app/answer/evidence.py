"""The sentences of retrieved passages as candidate evidence, each described by a few features.

Every sentence already has a contextual embedding (built with the index), so describing a
candidate costs a few dot products and a tokenization, not another pass through the model. The
features say nothing about what kind of question was asked: which of them matter, and how much,
is learned from public question-answering data (`app/answer/selector.py`, `make train`). Word-overlap
features are only computed when the question and the sentence share a language; `same_lang`
tells the learned model when they are missing, so a question in the other language is judged on
meaning, names and numbers instead of being penalised.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from app.answer.numbers import Number, extract_numbers, missing_numbers
from index.keyword_index import KeywordIndex
from index.retriever import Retrieved
from index.sentence_table import SentenceTable
from index.tokenizer import KeywordTokenizer
from ingest.records import Chunk

_LABEL_CHARS = 60
_LABEL = re.compile(r"^(?:#|●|図|表|Fig|Figure|Table)", re.IGNORECASE)
# Cells of a table row, as text files (tabs), Word and HTML tables (" | ") and Markdown write them.
_TABLE_ROW = re.compile(r"\t|\s\|\s")
# What a statement ends with, before any closing bracket or quote mark: "（AMED）" and
# 'Events “J-RAPID”' name things, 'They said, “Yes.”' states one. A Japanese quote often closes a
# sentence without 。 (「…行ったんだ」), so 」 and 』 end one themselves.
_STATEMENT_END = "。！？!?.:：;；」』"
_CLOSERS = "）)】〕\"”’'"
_LATIN_NAME = re.compile(r"^[a-z0-9][a-z0-9&.+'-]*$")
_CAPITALISED = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z]+")
_KATAKANA = re.compile(r"[ァ-ヶー]{2,}")
_QUOTED = re.compile(r"[「『“\"][^」』”\"]{1,40}[」』”\"]")


# The features of a candidate sentence, in the order the learned selector reads them.
FEATURES: tuple[str, ...] = (
    "dense",  # language-centred cosine of the question and the sentence (in its context)
    "dense_gap",  # dense minus the best dense among the candidates
    "dense_rank",  # 1 / (1 + rank of dense among the candidates)
    "plain",  # language-centred cosine of the question and the sentence alone
    "plain_gap",  # plain minus the best plain among the candidates
    "passage_rank",  # 1 / (1 + rank of its passage in retrieval)
    "passage_fused",  # retrieval score (the passage ranker's probability) of its passage over the best one's
    "passage_keyword",  # BM25 of its passage over the best BM25 of the retrieved passages
    "same_lang",  # the sentence is in the question's language
    "overlap",  # share of the question's words (by rarity) in the sentence; same language only
    "context",  # ... in the sentence before it
    "title",  # ... in its section title
    "phrase",  # share of the question's word pairs found in order
    "new_words",  # share of the sentence's words the question does not have (an answer adds)
    "names",  # share of the question's Latin-script names and numbers found, in any language
    "numbers",  # share of the question's numbers found, in any script
    "asks_numbers",  # the question states numbers at all
    # What the sentence holds that the question does not: an answer adds a date, a number, a
    # name. Which of them a question wants is learned from the question's embedding (selector).
    "new_year",  # a year or month the question does not give
    "new_count",  # a count, amount or percentage the question does not give
    "new_latin",  # a capitalised Latin-script word the question does not have
    "new_katakana",  # a katakana word the question does not have
    "quoted",  # a quoted or bracketed name: 「」『』“” ""
    "label",  # a heading or caption: it names a topic but states nothing
    "length",  # log of the sentence's length in characters
    "first",  # the first sentence of its passage
)


def _new_content(text: str, question: str, asked: list[Number]) -> list[float]:
    """new_year, new_count, new_latin, new_katakana, quoted: what the sentence adds."""
    numbers = missing_numbers(extract_numbers(text), asked)
    folded = question.lower()
    names = _CAPITALISED.findall(text)
    if names and text.lstrip().startswith(names[0]):
        names = names[1:]  # a sentence's first word is capitalised anyway
    return [float(any(n.kind in ("year", "month") for n in numbers)),
            float(any(n.kind in ("number", "percent") for n in numbers)),
            float(any(w.lower() not in folded for w in names)),
            float(any(w not in question for w in _KATAKANA.findall(text))),
            float(bool(_QUOTED.search(text)))]


def is_label(text: str) -> bool:
    """A heading, caption or title rather than a sentence: it names things but states nothing.
    A short table row ("Jun 2015 | Nepal Earthquake") is no label: it pairs the facts it holds."""
    text = text.strip()
    body = text.rstrip(_CLOSERS)
    states = bool(body) and body[-1] in _STATEMENT_END
    return bool(_LABEL.match(text)) or (
        len(text) < _LABEL_CHARS and not states and not _TABLE_ROW.search(text))


@dataclass(frozen=True)
class Candidate:
    """A retrieved passage, with what retrieval said about it."""

    chunk: Chunk
    rank: int  # in retrieval, from 0 (a neighbour passage takes its passage's rank)
    fused: float = 0.0
    keyword: float = 0.0


def candidates_of(hits: list[Retrieved]) -> list[Candidate]:
    """Retrieval's ranked hits as candidates, with their fused and keyword scores."""
    return [Candidate(hit.chunk, rank, hit.score, hit.keyword or 0.0) for rank, hit in enumerate(hits)]


@dataclass(frozen=True)
class Scored:
    chunk: Chunk
    rank: int  # of the chunk in retrieval, from 0
    start: int
    end: int
    dense: float  # cosine to the question minus the language offset
    features: np.ndarray  # FEATURES, float32
    score: float = 0.0  # the learned probability that the sentence answers the question

    @property
    def text(self) -> str:
        return self.chunk.text[self.start - self.chunk.start:self.end - self.chunk.start]

    @property
    def lang(self) -> str:
        return self.chunk.lang


class EvidenceScorer:
    """Describes candidate sentences; `app.answer.selector.AnswerSelector` turns that into a score."""

    def __init__(self, sentences: SentenceTable, keywords: KeywordIndex,
                 tokenizer: KeywordTokenizer) -> None:
        self.sentences = sentences
        self.keywords = keywords
        self.tokenizer = tokenizer
        langs = sentences.langs
        self.centroids = {lang: sentences.vectors[langs == lang].mean(axis=0)
                          for lang in set(langs.tolist())}
        self.plain_centroids = {lang: sentences.plain[langs == lang].mean(axis=0)
                                for lang in set(langs.tolist())}
        # A word the documents never use is as telling as their rarest word.
        self._unknown_idf = keywords.max_idf()
        self._langs = langs
        self._token_cache: dict[tuple[str, int, int], list[str]] = {}

    def tokens(self, doc: str, start: int, end: int, text: str) -> list[str]:
        """Keyword tokens of a sentence (or, with start = end = -1, a title), computed once:
        MeCab is the slow part of scoring."""
        key = (doc, start, end) if start >= 0 else (text, start, end)
        cached = self._token_cache.get(key)
        if cached is None:
            cached = self._token_cache[key] = self.tokenizer.tokenize(text)
        return cached

    def idf(self, term: str) -> float:
        known = self.keywords.idf(term)
        return known if known > 0 else self._unknown_idf

    def overlap(self, terms: list[str], tokens: set[str]) -> float:
        """Share of the terms found in `tokens`, each term weighted by its rarity."""
        unique = set(terms)
        total = sum(self.idf(t) for t in unique)
        return sum(self.idf(t) for t in unique if t in tokens) / total if total else 0.0

    def dense(self, vector: np.ndarray, row: int) -> float:
        lang = str(self._langs[row])
        return float(self.sentences.vectors[row] @ vector - self.centroids[lang] @ vector)

    def plain(self, vector: np.ndarray, row: int) -> float:
        lang = str(self._langs[row])
        return float(self.sentences.plain[row] @ vector - self.plain_centroids[lang] @ vector)

    def describe(self, vector: np.ndarray, question: str, lang: str,
                 candidates: list[Candidate]) -> list[Scored]:
        """Every sentence of the candidate passages once, with its features (score unset)."""
        terms = self.tokenizer.tokenize(question)
        names = [t for t in terms if _LATIN_NAME.match(t)]
        asked_numbers = extract_numbers(question)
        pairs = set(itertools.pairwise(terms))
        term_set = set(terms)
        best_fused = max((c.fused for c in candidates), default=0.0) or 1.0
        best_keyword = max((c.keyword for c in candidates), default=0.0) or 1.0
        rows: list[tuple[Candidate, int, int, float, float, list[float]]] = []
        seen: set[tuple[str, int, int]] = set()
        for candidate in candidates:
            chunk = candidate.chunk
            title_tokens = set(self.tokens(chunk.doc, -1, -1, chunk.title))
            previous: list[str] = []
            for position, (start, end) in enumerate(chunk.sentences):
                row = self.sentences.row(chunk.doc, start, end)
                if row is None or (chunk.doc, start, end) in seen:
                    continue
                seen.add((chunk.doc, start, end))
                text = chunk.text[start - chunk.start:end - chunk.start]
                own = self.tokens(chunk.doc, start, end, text)
                tokens = set(own)
                same = chunk.lang == lang
                overlap = self.overlap(terms, tokens | title_tokens) if same else 0.0
                context = self.overlap(terms, set(previous)) if same else 0.0
                title = self.overlap(terms, title_tokens) if same else 0.0
                phrase = (len(pairs & set(itertools.pairwise(previous + own))) / len(pairs)
                          if same and pairs else 0.0)
                new_words = (len(tokens - term_set) / len(tokens) if same and tokens else 0.0)
                previous = own
                found_names = self.overlap(names, tokens | title_tokens) if names else 0.0
                numbers = (1 - len(missing_numbers(asked_numbers, extract_numbers(text))) / len(asked_numbers)
                           if asked_numbers else 0.0)
                dense, plain = self.dense(vector, row), self.plain(vector, row)
                rows.append((candidate, start, end, dense, plain, [
                    dense, 0.0, 0.0, plain, 0.0, 1 / (1 + candidate.rank), candidate.fused / best_fused,
                    candidate.keyword / best_keyword, float(same), overlap, context, title, phrase,
                    new_words, found_names, numbers, float(bool(asked_numbers)),
                    *_new_content(text, question, asked_numbers), float(is_label(text)),
                    math.log1p(len(text)), float(position == 0)]))
        if not rows:
            return []
        dense_values = np.array([r[3] for r in rows], dtype=np.float32)
        order = np.argsort(-dense_values, kind="stable")
        dense_rank = np.empty(len(rows), dtype=np.float32)
        dense_rank[order] = 1 / (1 + np.arange(len(rows), dtype=np.float32))
        best = float(dense_values.max())
        best_plain = max(r[4] for r in rows)
        out = []
        for i, (candidate, start, end, dense, plain, values) in enumerate(rows):
            features = np.asarray(values, dtype=np.float32)
            features[1] = dense - best
            features[2] = dense_rank[i]
            features[4] = plain - best_plain
            out.append(Scored(candidate.chunk, candidate.rank, start, end, dense, features))
        return out
