"""The composer on a hand-made corpus: which sentence it quotes, when it abstains, what it cites
(a stand-in selector, tests/components.py: the logic, not the quality of answers)."""

from __future__ import annotations

from dataclasses import replace

from components import CHUNKS, QUESTION, SOURCES, composer, hits

from app.answer.params import ComposerSettings
from app.answer.question import Question
from app.wording import phrase

WHERE = Question("Where is the ITER reactor being built?", "en")


def test_the_likeliest_sentence_is_quoted_and_cited_exactly() -> None:
    composed = composer().compose(WHERE, QUESTION, hits("c1"))
    assert not composed.abstained
    assert composed.answer == "The reactor is being built in Cadarache, France. [1]"
    (citation,) = composed.citations
    quote = citation.quote
    assert SOURCES[quote.doc][quote.start:quote.end] == quote.text
    assert (quote.line_start, quote.line_end) == (2, 2)
    assert citation.passage.text == CHUNKS[0].text
    assert [s.support for s in composed.sentences] == ["supported"]


def test_the_passage_after_a_retrieved_one_is_read_too() -> None:
    # Only c1 was retrieved; the answer is in c2, the passage after it.
    composed = composer().compose(Question("When was the ITER Organization established?", "en"),
                                  QUESTION, hits("c1"))
    assert composed.citations[0].quote.text == "The ITER Organization was established in 2007."
    assert composed.ranking[0] == "c2"  # reranked: the answering passage first


def test_below_the_threshold_it_says_the_sources_do_not_say() -> None:
    strict = composer(ComposerSettings(abstain_below=1.01))
    composed = strict.compose(WHERE, QUESTION, hits("c1"))
    assert composed.abstained and composed.citations == []
    assert composed.answer == phrase("no_answer", "en")


def test_a_heading_is_never_quoted() -> None:
    # "ITER" holds every word of this question, but it is a heading, not a statement.
    composed = composer(ComposerSettings(abstain_below=0.0)).compose(Question("ITER", "en"), QUESTION,
                                                                     hits("c1"))
    assert all(c.quote.text != "ITER" for c in composed.citations)


def test_a_nearly_as_likely_runner_up_is_quoted_too_in_document_order() -> None:
    question = Question("Which ITER members are in the European Union and when was the Organization "
                        "established?", "en")
    both = composer(ComposerSettings(second_ratio=0.2, max_answer_chars=400)).compose(
        question, QUESTION, hits("c2"))
    assert [c.quote.text[:12] for c in both.citations] == ["The members ", "The ITER Org"]
    assert both.answer.endswith("[2]")
    one = composer(ComposerSettings(second_ratio=0.99, max_answer_chars=400)).compose(
        question, QUESTION, hits("c2"))
    assert len(one.citations) == 1


def test_a_long_sentence_is_trimmed_to_the_clauses_about_the_question() -> None:
    settings = ComposerSettings(max_quote_chars=40)
    composed = composer(settings).compose(Question("Which members: India, Japan?", "en"), QUESTION,
                                          hits("c2"))
    quote = composed.citations[0].quote.text
    assert len(quote) <= 40 and "India" in quote and "Japan" in quote
    assert composed.answer.startswith("…")  # it shows what it left out


def test_a_quote_in_the_other_language_is_introduced_as_such() -> None:
    question = Question("理化学研究所の海外事務所はどこですか？", "ja")
    settings = replace(ComposerSettings(), abstain_below=0.0, abstain_below_cross=0.0)
    composed = composer(settings).compose(question, QUESTION, hits("c1"))
    assert composed.answer.startswith(phrase("from_english", "ja"))
