"""A hand-made corpus of a few sentences with hand-made vectors, for unit tests of the answering
and checking components (no model, no index). The selector is a stand-in that scores a sentence
by the share of the question's words it holds: these tests are about the components' logic,
never about answer quality (the integration tests measure that with the real model)."""

from __future__ import annotations

import numpy as np

from app.answer.composer import Composer
from app.answer.evidence import FEATURES, Candidate, EvidenceScorer
from app.answer.params import ComposerSettings
from index.keyword_index import KeywordIndex
from index.sentence_table import SentenceTable
from index.tokenizer import KeywordTokenizer
from ingest.records import Chunk

DIM = 4
EN = ("ITER\n"
      "ITER is an international project to demonstrate the feasibility of fusion energy. "
      "The reactor is being built in Cadarache, France.\n"
      "The members are China, the European Union, India, Japan, Korea, Russia and the United States. "
      "The ITER Organization was established in 2007.\n")
JA = "理化学研究所は、北京とシンガポールに海外事務所を置いている。"
SOURCES = {"iter.txt": EN, "riken.txt": JA}

# Each sentence's vector: the question vector used in the tests is QUESTION = e0, so a
# sentence's first coordinate is how close in meaning it is.
_SENTENCES = {
    "ITER": (0.1, 0.9, 0.3, 0.3),
    "ITER is an international project to demonstrate the feasibility of fusion energy.": (0.9, 0.3, 0.2, 0.2),
    "The reactor is being built in Cadarache, France.": (0.5, 0.1, 0.8, 0.3),
    "The members are China, the European Union, India, Japan, Korea, Russia and the United States.":
        (0.4, 0.2, 0.2, 0.9),
    "The ITER Organization was established in 2007.": (0.6, 0.6, 0.3, 0.3),
    JA: (0.2, 0.3, 0.9, 0.2),
}
QUESTION = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)


def _span(doc: str, sentence: str) -> tuple[int, int]:
    start = SOURCES[doc].index(sentence)
    return start, start + len(sentence)


def _chunk(chunk_id: str, doc: str, lang: str, sentences: list[str], title: str) -> Chunk:
    spans = [_span(doc, s) for s in sentences]
    start, end = spans[0][0], spans[-1][1]
    line = SOURCES[doc].count("\n", 0, start) + 1
    return Chunk(doc, start, end, line, SOURCES[doc].count("\n", 0, end) + 1, lang, chunk_id, title,
                 SOURCES[doc][start:end], sentences=spans)


EN_SENTENCES = [s for s in _SENTENCES if s != JA]
CHUNKS = [
    _chunk("c1", "iter.txt", "en", EN_SENTENCES[:3], "ITER"),
    _chunk("c2", "iter.txt", "en", EN_SENTENCES[3:], "ITER"),
    _chunk("c3", "riken.txt", "ja", [JA], "理研"),
]


def sentence_table() -> SentenceTable:
    rows = [(doc, *_span(doc, s), "ja" if doc == "riken.txt" else "en", v)
            for s, v in _SENTENCES.items() for doc in SOURCES if s in SOURCES[doc]]
    vectors = np.array([r[4] for r in rows], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs = sorted(SOURCES)
    return SentenceTable(docs, np.array([docs.index(r[0]) for r in rows], np.int32),
                         np.array([r[1] for r in rows], np.int32), np.array([r[2] for r in rows], np.int32),
                         np.array([r[3] for r in rows]), vectors)


class WordShareSelector:
    """Stands in for the learned selector: a sentence's probability is the share of the
    question's words it holds (0 across languages)."""

    fingerprint = "word-share"

    def probabilities(self, features: np.ndarray, vector: np.ndarray, lang: str) -> np.ndarray:
        return features[:, FEATURES.index("overlap")].astype(np.float64)


def composer(settings: ComposerSettings | None = None, selector: object | None = None) -> Composer:
    tokenizer = KeywordTokenizer()
    keywords = KeywordIndex([tokenizer.tokenize(c.indexed_text()) for c in CHUNKS])
    scorer = EvidenceScorer(sentence_table(), keywords, tokenizer)
    # A runner-up only when the stand-in finds it half as likely: these tests are about which
    # sentence is quoted, not about the tuned default (which quotes nearly every runner-up).
    return Composer(scorer, selector or WordShareSelector(), tokenizer, CHUNKS, {}, SOURCES,
                    settings or ComposerSettings(second_ratio=0.5))  # type: ignore[arg-type]


def hits(*chunk_ids: str) -> list[Candidate]:
    by_id = {c.id: c for c in CHUNKS}
    return [Candidate(by_id[chunk_id], rank, 1.0 / (1 + rank), 1.0)
            for rank, chunk_id in enumerate(chunk_ids)]
