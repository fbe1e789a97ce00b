"""The LangChain tutorial setup, measured by the same harness: the bar our retrieval must clear.

RecursiveCharacterTextSplitter (1000 characters, 200 overlap) and plain FAISS similarity search
with the same embedding model and prompts. No language handling, no keywords.
"""

from __future__ import annotations

from collections.abc import Callable

import faiss
import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from eval.datasets import QACase
from eval.retrieval import RetrievalScores, evaluate_retrieval


def baseline_retrieval(cases: list[QACase], sources: dict[str, str],
                       encode_passages: Callable[[list[str]], np.ndarray],
                       encode_query: Callable[[str], np.ndarray]) -> RetrievalScores:
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    spans: list[tuple[str, int, int]] = []
    texts: list[str] = []
    for doc, text in sorted(sources.items()):
        for piece in splitter.create_documents([text]):
            start = piece.metadata["start_index"]
            spans.append((doc, start, start + len(piece.page_content)))
            texts.append(piece.page_content)
    index = faiss.IndexFlatIP(int(encode_query("probe").shape[0]))
    index.add(np.ascontiguousarray(encode_passages(texts), dtype=np.float32))

    def search(question: str) -> list[tuple[str, int, int]]:
        _, rows = index.search(encode_query(question).reshape(1, -1).astype(np.float32), 5)
        return [spans[row] for row in rows[0] if row >= 0]

    return evaluate_retrieval(cases, search, sources)
