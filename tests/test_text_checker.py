"""The whole-text checker's own logic with stand-ins for retrieval and the claim checker: one
batch of query embeddings, the previous sentence's passages offered (first after a pronoun),
never across a paragraph, and questions or opinions never checked. Quality is measured with the
real model in test_text_check.py."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.records import Verdict
from app.verify.text_check import TextChecker, TextCheckSettings
from index.retriever import Retrieved, SearchResult
from ingest.records import Chunk


def chunk(name: str) -> Chunk:
    return Chunk("doc.txt", 0, 1, 1, 1, "en", name, "", name)


class StandInRetriever:
    """Each query finds the passage named by its first word."""

    def search_by_vector(self, query: str, vector: np.ndarray, k: int | None = None) -> SearchResult:
        return SearchResult(query, [Retrieved(chunk(query.split()[0].strip(".")), 1.0)], {}, vector)


class StandInChecker:
    def __init__(self) -> None:
        self.seen: list[tuple[str, list[str]]] = []

    def check(self, claim: str, vector: np.ndarray, hits: list[Any]) -> Verdict:
        self.seen.append((claim, [h.chunk.id for h in hits]))
        assert [h.rank for h in hits] == list(range(len(hits)))
        return Verdict(claim, "en", "supported", "ok", [])


def run(text: str, share: bool = True) -> tuple[StandInChecker, list[list[str]], Any]:
    batches: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        batches.append(texts)
        return np.ones((len(texts), 3), np.float32)

    checker = StandInChecker()
    texts = TextChecker(StandInRetriever(), checker, embed,  # type: ignore[arg-type]
                        TextCheckSettings(k=5, max_sentence_chars=40, share_evidence=share))
    report = texts.prepare(text)
    assert [s.verdict for s in report.sentences] == [None] * len(report.sentences)
    done = list(texts.run(report))
    assert [s.n for s in done] == [s.n for s in report.sentences] and report.done
    return checker, batches, report


def test_the_previous_sentences_passages_are_offered_first_after_a_pronoun() -> None:
    checker, batches, _ = run("HFSP grew. It has 14 members. ITER started.\n\nRIKEN grew.")
    assert batches == [["HFSP grew.", "It has 14 members.", "ITER started.", "RIKEN grew."]]  # one batch
    assert checker.seen == [("HFSP grew.", ["HFSP"]),
                            ("It has 14 members.", ["HFSP", "It"]),  # "it": the previous first
                            ("ITER started.", ["ITER", "It"]),  # otherwise after its own
                            ("RIKEN grew.", ["RIKEN"])]  # a new paragraph shares nothing


def test_without_sharing_each_sentence_reads_only_its_own_passages() -> None:
    checker, _, _ = run("HFSP grew. It has 14 members.", share=False)
    assert checker.seen == [("HFSP grew.", ["HFSP"]), ("It has 14 members.", ["It"])]


def test_questions_opinions_and_over_long_sentences() -> None:
    text = "Is HFSP large? We believe it should grow. RIKEN " + "x" * 60 + "."
    checker, _, report = run(text)
    assert [(s.kind, s.verdict) for s in report.sentences] == [
        ("question", "not_a_claim"), ("opinion", "not_a_claim"), ("claim", "supported")]
    assert report.sentences[0].reason.startswith("A question")
    assert len(checker.seen) == 1 and len(checker.seen[0][0]) == 40  # checked on its first 40
    assert report.sentences[2].text == text[report.sentences[2].start:]  # the sentence itself whole
