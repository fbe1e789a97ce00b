"""A whole text checked against the seeds with the real model and index: every sentence's
verdict, its exact offsets in the input, and evidence that quotes the sources exactly."""

from __future__ import annotations

import pytest

from app.inputs import InputError
from eval.text_check_eval import load_text_cases, score_text_checks

pytestmark = pytest.mark.integration

# Written from the seeds: supported, negated, a swapped name, a wrong number, one the sources do
# not hold, a question and an opinion, Japanese and English mixed, with markers to leave alone.
BRIEF = """## International cooperation

HFSP was proposed by Japan at the Venice Summit in June 1987 [1].
It is now supported by a total of 12 countries.
ITER計画には日本が参加していない。
The ISTC was established in March 1994 by Japan, the U.S., the EU and China.
理研は1917年に創設された（JISTEC Report, 2022）。
The ISS project plans to land astronauts on Mars by 2030.
Does RIKEN have an office in Singapore? We believe international exchange should grow.
"""
EXPECTED = [
    ("HFSP was proposed by Japan at the Venice Summit in June 1987 [1].", "supported"),
    ("It is now supported by a total of 12 countries.", "contradicted"),
    ("ITER計画には日本が参加していない。", "contradicted"),
    ("The ISTC was established in March 1994 by Japan, the U.S., the EU and China.", "contradicted"),
    ("理研は1917年に創設された（JISTEC Report, 2022）。", "supported"),
    ("The ISS project plans to land astronauts on Mars by 2030.", "unsupported"),
    ("Does RIKEN have an office in Singapore?", "not_a_claim"),
    ("We believe international exchange should grow.", "not_a_claim"),
]


@pytest.fixture(scope="module")
def brief(service):
    return service.check_text(BRIEF)


def test_each_sentence_gets_its_verdict(brief) -> None:
    assert [(s.text, s.verdict) for s in brief.sentences] == EXPECTED
    assert brief.summary() == {"sentences": 8, "supported": 2, "contradicted": 3, "unsupported": 1,
                               "not_a_claim": 2, "pending": 0}


def test_offsets_point_into_the_input_and_markers_are_not_checked(brief) -> None:
    for sentence in brief.sentences:
        assert BRIEF[sentence.start:sentence.end] == sentence.text
    assert [p.text for p in brief.skipped] == ["## International cooperation"]
    assert brief.sentences[0].claim == "HFSP was proposed by Japan at the Venice Summit in June 1987."
    assert [m.text for m in brief.sentences[0].markers] == ["[1]"]
    assert brief.sentences[4].claim == "理研は1917年に創設された。"  # the citation's 2022 is no claim


def test_reasons_are_in_each_sentences_language_and_name_what_differs(brief, service) -> None:
    by_text = {s.text: s for s in brief.sentences}
    assert "14" in by_text[EXPECTED[1][0]].reason and "12" in by_text[EXPECTED[1][0]].reason
    assert "Russia" in by_text[EXPECTED[3][0]].reason
    assert by_text[EXPECTED[2][0]].to_json()["reason_lang"] == "ja"
    assert "資料" in by_text[EXPECTED[2][0]].reason
    # Evidence quotes the sources exactly.
    for sentence in brief.sentences:
        for citation in sentence.evidence:
            quote = citation.quote
            assert service.sources[quote.doc][quote.start:quote.end] == quote.text
        # The deciding sentence for a verdict (the closest one for "not found"); none for a question.
        assert bool(sentence.evidence) == (sentence.verdict != "not_a_claim")


def test_results_stream_sentence_by_sentence(service) -> None:
    text = "IODPは2003年に開始された。The ISS project does not involve Canada. Is that so?"
    states = [[s.verdict for s in report.sentences] for report in service.check_text_stream(text)]
    assert states == [[None, None, None], ["supported", None, None],
                      ["supported", "contradicted", None], ["supported", "contradicted", "not_a_claim"]]


def test_bad_input_is_refused_with_a_clear_message(service) -> None:
    with pytest.raises(InputError, match="empty"):
        service.check_text(" \n ")
    limit = service.settings.limits.max_text_chars
    with pytest.raises(InputError, match=f"{limit:,}"):
        service.check_text("HFSP. " * (limit // 6 + 1))
    # Text with no sentence (only a heading and a marker) is no error: nothing to check.
    assert service.check_text("# Heading\n\n[3]").summary()["sentences"] == 0


def test_per_sentence_accuracy_on_the_mixed_texts(service) -> None:
    report = score_text_checks(service.check_text, load_text_cases())
    # Floors just under what the current checker gets (dev 100%, fresh 64%): a regression fails.
    assert report.per_split["dev"]["accuracy"] >= 0.94, report.wrong
    assert report.per_split["fresh"]["accuracy"] >= 0.57, report.wrong
    assert report.offsets_exact == 1.0 and report.skipped_kept == 1.0 and report.split_errors == 0
    assert report.false_support <= 0.15
