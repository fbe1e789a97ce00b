"""Embeddings of every sentence of every chunk, so that answers pick sentences without
embedding anything at question time. Stored as a NumPy .npz of plain arrays (no pickle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.records import Chunk


@dataclass
class SentenceTable:
    docs: list[str]
    doc_index: np.ndarray  # int32, row -> position in docs
    starts: np.ndarray  # int32
    ends: np.ndarray  # int32
    langs: np.ndarray  # str ("ja" / "en")
    vectors: np.ndarray  # float32, L2-normalized: the sentence in its context
    plain: np.ndarray | None = None  # float32, L2-normalized: the sentence alone
    _rows: dict[tuple[str, int, int], int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n = len(self.starts)
        if self.plain is None:
            self.plain = self.vectors
        if not (len(self.doc_index) == len(self.ends) == len(self.langs) == len(self.vectors)
                == len(self.plain) == n):
            raise ValueError("sentence table columns differ in length")
        self._rows = {(self.docs[d], int(s), int(e)): row for row, (d, s, e) in
                      enumerate(zip(self.doc_index, self.starts, self.ends))}

    def __len__(self) -> int:
        return len(self.starts)

    def row(self, doc: str, start: int, end: int) -> int | None:
        return self._rows.get((doc, start, end))

    def save(self, path: Path) -> None:
        with open(path, "wb") as out:
            np.savez(out, doc_index=self.doc_index, starts=self.starts, ends=self.ends,
                     langs=self.langs, vectors=self.vectors, plain=self.plain,
                     docs=np.array(self.docs, dtype=np.str_))

    @classmethod
    def load(cls, path: Path) -> SentenceTable:
        with np.load(path, allow_pickle=False) as data:
            return cls([str(d) for d in data["docs"]], data["doc_index"], data["starts"],
                       data["ends"], data["langs"], data["vectors"].astype(np.float32),
                       data["plain"].astype(np.float32))


Sentence = tuple[str, int, int, str, str]  # doc, start, end, lang, text to embed


def unique_sentences(chunks: list[Chunk]) -> list[Sentence]:
    """(doc, start, end, lang, text to embed) of each sentence once, overlaps removed.

    A sentence is embedded in its context: its section title and the sentence before it, so
    that "it accepts about 30 students each year" still says who "it" is. A sentence broken
    across a column is embedded together with its other half.
    """
    seen: set[tuple[str, int, int]] = set()
    out: list[Sentence] = []
    for chunk in chunks:
        last = len(chunk.sentences) - 1
        for i, (start, end) in enumerate(chunk.sentences):
            key = (chunk.doc, start, end)
            if key in seen:
                continue
            seen.add(key)
            text = chunk.text[start - chunk.start:end - chunk.start]
            if i == 0 and chunk.context_before:
                text = f"{chunk.context_before} {text}"
            elif i > 0:
                a, b = chunk.sentences[i - 1]
                text = f"{chunk.text[a - chunk.start:b - chunk.start]} {text}"
            if i == last and chunk.context_after:
                text = f"{text} {chunk.context_after}"
            if chunk.title:
                text = f"{chunk.title}\n{text}"
            out.append((chunk.doc, start, end, chunk.lang, text))
    return out


def build_sentence_table(sentences: list[Sentence], vectors: np.ndarray,
                         plain: np.ndarray | None = None) -> SentenceTable:
    """`vectors` embed each sentence in its context, `plain` the sentence alone (default: the same)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    width = vectors.shape[-1] if vectors.ndim == 2 else -1  # (0, dim) stays (0, dim)
    plain = vectors if plain is None else np.asarray(plain, dtype=np.float32)
    docs = sorted({doc for doc, *_ in sentences})
    position = {doc: i for i, doc in enumerate(docs)}
    return SentenceTable(
        docs,
        np.array([position[s[0]] for s in sentences], dtype=np.int32),
        np.array([s[1] for s in sentences], dtype=np.int32),
        np.array([s[2] for s in sentences], dtype=np.int32),
        np.array([s[3] for s in sentences], dtype="<U2"),
        vectors.reshape(len(sentences), width),
        plain.reshape(len(sentences), width),
    )
