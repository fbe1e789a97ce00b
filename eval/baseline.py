"""The setups a user would otherwise reach for, measured by the same harness: the bar to clear.

- The LangChain tutorial: RecursiveCharacterTextSplitter (1000 characters, 200 overlap) and plain
  FAISS similarity search with the same embedding model and prompts; no language handling, no
  keywords.
- Plain BM25 over 1000-character chunks with the project's Japanese-aware tokenizer.
Both "answer" by quoting their top chunk.
"""

from __future__ import annotations

from collections.abc import Callable

import faiss
import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from eval.datasets import QACase
from eval.retrieval import RetrievalScores, evaluate_retrieval
from index.keyword_index import KeywordIndex
from index.tokenizer import KeywordTokenizer

Span = tuple[str, int, int]


def split_sources(sources: dict[str, str], size: int = 1000, overlap: int = 200) -> list[Span]:
    splitter = RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=overlap, add_start_index=True)
    spans: list[Span] = []
    for doc, text in sorted(sources.items()):
        for piece in splitter.create_documents([text]):
            start = piece.metadata["start_index"]
            spans.append((doc, start, start + len(piece.page_content)))
    return spans


class TutorialSearch:
    """The LangChain tutorial pipeline's retrieval: (question) -> ranked spans."""

    def __init__(self, sources: dict[str, str], encode_passages: Callable[[list[str]], np.ndarray],
                 encode_query: Callable[[str], np.ndarray]) -> None:
        self.spans = split_sources(sources)
        self.encode_query = encode_query
        self.index = faiss.IndexFlatIP(int(encode_query("probe").shape[0]))
        texts = [sources[doc][start:end] for doc, start, end in self.spans]
        self.index.add(np.ascontiguousarray(encode_passages(texts), dtype=np.float32))

    def __call__(self, question: str, k: int = 5) -> list[Span]:
        _, rows = self.index.search(self.encode_query(question).reshape(1, -1).astype(np.float32), k)
        return [self.spans[row] for row in rows[0] if row >= 0]


class Bm25Search:
    """BM25 (the project's fugashi tokenizer) over 1000-character chunks: (question) -> ranked spans."""

    def __init__(self, sources: dict[str, str], tokenizer: KeywordTokenizer) -> None:
        self.spans = split_sources(sources, overlap=0)
        self.tokenizer = tokenizer
        self.index = KeywordIndex([tokenizer.tokenize(sources[doc][start:end])
                                   for doc, start, end in self.spans])

    def __call__(self, question: str, k: int = 5) -> list[Span]:
        return [self.spans[row] for row, _ in self.index.top(self.tokenizer.tokenize(question), k)]


def baseline_retrieval(cases: list[QACase], sources: dict[str, str],
                       encode_passages: Callable[[list[str]], np.ndarray],
                       encode_query: Callable[[str], np.ndarray]) -> RetrievalScores:
    return evaluate_retrieval(cases, TutorialSearch(sources, encode_passages, encode_query), sources)
