"""The extractive answer: quoted sentences of the retrieved passages, the passages reranked.

One assembly for the service's answers and for the generator's fallback, so both read alike.
"""

from __future__ import annotations

import time

from app.answer.composer import Composer
from app.answer.evidence import candidates_of
from app.answer.question import Question
from app.records import Answer, RetrievedPassage, Span
from index.retriever import SearchResult


def extractive_answer(composer: Composer, question: Question, result: SearchResult, started: float,
                      lead: str = "", label: str = "extractive",
                      timings: dict[str, float] | None = None) -> Answer:
    """The composed answer to `question` from `result` (`lead` goes before its text); timings
    add the composing and the total since `started` to `timings` (the search's by default)."""
    mark = time.perf_counter()
    composed = composer.compose(question, result.vector, candidates_of(result.hits))
    timings = {**(result.timings_ms if timings is None else timings),
               "compose": (time.perf_counter() - mark) * 1000,
               "total": (time.perf_counter() - started) * 1000}
    # Reranked: the passages whose sentences the selector found likeliest to answer come first.
    order = {chunk_id: i for i, chunk_id in enumerate(composed.ranking)}
    hits = sorted(result.hits, key=lambda h: order.get(h.chunk.id, len(order)))
    retrieved = [RetrievedPassage(Span.of_chunk(h.chunk), h.score) for h in hits]
    return Answer(question.text, question.lang, lead + composed.answer, composed.abstained,
                  composed.citations, retrieved, composed.sentences, composed.confidence, label,
                  timings_ms=timings)
