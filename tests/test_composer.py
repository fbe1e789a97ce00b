"""The composer on a hand-made corpus: which sentence it quotes, when it abstains, what it cites
(a stand-in selector, tests/components.py: the logic, not the quality of answers)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from components import CHUNKS, QUESTION, SOURCES, composer, hits

from app.answer.composer import Composer
from app.answer.evidence import EvidenceScorer, Scored
from app.answer.params import ComposerSettings
from app.answer.question import Question
from app.wording import phrase
from index.keyword_index import KeywordIndex
from index.sentence_table import SentenceTable
from index.tokenizer import KeywordTokenizer
from ingest.records import Chunk

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


def _two_document_composer(en: str, ja: str, vectors: dict[tuple[str, str], tuple[float, ...]],
                           settings: ComposerSettings | None = None) -> tuple[Composer, list[Chunk]]:
    """A composer over one English and one Japanese passage, aligned, with hand-made sentence
    vectors keyed by (document, sentence); no selector."""
    sources = {"en.txt": en, "ja.txt": ja}
    spans = {key: (sources[key[0]].index(key[1]), sources[key[0]].index(key[1]) + len(key[1]))
             for key in vectors}
    docs = sorted(sources)
    table = SentenceTable(docs, np.array([docs.index(d) for d, _ in vectors], np.int32),
                          np.array([spans[k][0] for k in vectors], np.int32),
                          np.array([spans[k][1] for k in vectors], np.int32),
                          np.array(["en" if d == "en.txt" else "ja" for d, _ in vectors]),
                          np.array(list(vectors.values()), np.float32))
    chunks = [Chunk(doc, 0, len(text), 1, text.count("\n") + 1, lang, f"c-{lang}", "", text,
                    sentences=[spans[k] for k in vectors if k[0] == doc])
              for doc, text, lang in (("en.txt", en, "en"), ("ja.txt", ja, "ja"))]
    tokenizer = KeywordTokenizer()
    scorer = EvidenceScorer(table, KeywordIndex([tokenizer.tokenize(c.text) for c in chunks]), tokenizer)
    composer_ = Composer(scorer, None, tokenizer, chunks, {"c-en": "c-ja", "c-ja": "c-en"},  # type: ignore[arg-type]
                         sources, settings or ComposerSettings())
    return composer_, chunks


def _scored(chunk: Chunk, sentence: str) -> Scored:
    start = chunk.text.index(sentence)
    return Scored(chunk, 0, start, start + len(sentence), 0.0, np.zeros(1, np.float32))


def test_a_caption_is_never_taken_for_a_sentences_translation() -> None:
    """The caption sits closer in meaning to the English sentence than its true translation does
    (hand-made vectors), but a caption translates a caption, not a sentence that states things."""
    en = "RIKEN has offices in Beijing and Singapore. RIKEN was founded in 1917."
    ja = "図1 理研の海外事務所\n理研は北京とシンガポールに事務所を置いている。理研は1917年に創設された。"
    composer_, chunks = _two_document_composer(en, ja, {
        ("en.txt", "RIKEN has offices in Beijing and Singapore."): (1.0, 0.0, 0.0, 0.0),
        ("en.txt", "RIKEN was founded in 1917."): (0.0, 1.0, 0.0, 0.0),
        ("ja.txt", "図1 理研の海外事務所"): (1.0, 0.0, 0.0, 0.0),
        ("ja.txt", "理研は北京とシンガポールに事務所を置いている。"): (0.9, 0.0, 0.43, 0.0),
        ("ja.txt", "理研は1917年に創設された。"): (0.0, 1.0, 0.0, 0.0)})
    found = composer_.parallel_sentence(_scored(chunks[0], "RIKEN has offices in Beijing and Singapore."))
    assert found is not None
    assert ja[found[1]:found[2]] == "理研は北京とシンガポールに事務所を置いている。"


_PAINTED = "Raphael painted The School of Athens in 1511."
_IT = "It is seen as his masterpiece."
_DIED = "Raphael died in 1520."
_PAINTED_JA = "ラファエロは1511年に『アテナイの学堂』を描いた。"
_SONO = "その絵は彼の最高傑作とされる。"


def _painting_composer(en: str = f"{_PAINTED} {_IT} {_DIED}",
                       settings: ComposerSettings | None = None) -> tuple[Composer, list[Chunk]]:
    sentences = [("en.txt", s) for s in (_PAINTED, _IT, _DIED) if s in en]
    sentences += [("ja.txt", _PAINTED_JA), ("ja.txt", _SONO)]
    vectors = {key: tuple(float(i == k % 4) for i in range(4)) for k, key in enumerate(sentences)}
    return _two_document_composer(en, _PAINTED_JA + _SONO, vectors, settings)


def test_a_sentence_that_points_back_is_quoted_after_the_sentence_it_points_to() -> None:
    composer_, (en, ja) = _painting_composer()
    it = _scored(en, _IT)
    assert [s.text for s in composer_.with_antecedents([it])] == [_PAINTED, _IT]
    assert [s.text for s in composer_.with_antecedents([_scored(ja, _SONO)])] == [_PAINTED_JA, _SONO]
    # A sentence that names its subject, or one whose antecedent is quoted already, stands as it is.
    died = _scored(en, _DIED)
    assert composer_.with_antecedents([died]) == [died]
    painted = _scored(en, _PAINTED)
    assert composer_.with_antecedents([painted, it]) == [painted, it]


def test_no_antecedent_past_the_answers_length_or_before_a_passages_first_sentence() -> None:
    short, (en, _) = _painting_composer(settings=ComposerSettings(max_answer_chars=60))
    it = _scored(en, _IT)
    assert short.with_antecedents([it]) == [it]
    opening, (en, _) = _painting_composer(f"{_IT} {_DIED}")
    first = _scored(en, _IT)
    assert opening.with_antecedents([first]) == [first]
