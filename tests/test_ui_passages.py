"""Passages as the page shows them: headings as titles, the quote marked, furniture recognised."""

from __future__ import annotations

import pytest

from app.web.passages import heading_text, is_furniture, passage_html, related_passages, text_html

ITER = "intro\n##### 1) ITER\n\n\nThe ITER project is big.\nmore"


def test_heading_lines_become_titles_and_the_quote_stays_marked() -> None:
    quote = (ITER.index("The"), ITER.index("big.") + 4)
    assert text_html(ITER, quote) == ('intro\n<span class="kk-heading">1) ITER</span>'
                                      '<mark class="kk-quote">The ITER project is big.</mark>\nmore')
    assert heading_text("##### 1) ITER") == "1) ITER" and heading_text("Plain") == "Plain"


def test_a_quoted_heading_is_left_as_the_source_has_it() -> None:
    text = "## Title\nBody."
    assert text_html(text, (0, 8)) == '<mark class="kk-quote">## Title</mark>\nBody.'


def test_passage_html_marks_the_quote_and_escapes() -> None:
    passage = {"text": "<b>A.</b> ${x} B.", "start": 100}
    citation = {"passage": passage, "start": 110, "end": 117, "text": "${x} B."}
    html = passage_html(citation)
    assert html == '&lt;b&gt;A.&lt;/b&gt; <mark class="kk-quote">&#36;&#123;x&#125; B.</mark>'


@pytest.mark.parametrize("text", [
    "Copyright 2022 Japan Agency for Medical Research and Development. All Rights Reserved.",
    "TT\tTranslation Together\nHFSP\tHuman Frontier Science Program",
    "Chair of Board of Directors, Okimura Kazuki\nJapan International Science and Technology Exchange Center",
    "●本誌に関するお問い合わせは、当センターまでお願いします。",
    "Contact Division of General Affairs\nTel: +81-3-6870-2200 mail: jimu-ask@amed.go.jp",
])
def test_furniture_is_recognised(text: str) -> None:
    assert is_furniture(text)


@pytest.mark.parametrize("text", [
    "Japan delegates the experts to the OECD office and they are working on new indicators.",
    "理研は1917年に設立された研究所であり、物理学、工学、化学などの幅広い分野で研究開発を行っています。",
])
def test_prose_is_not_furniture(text: str) -> None:
    assert not is_furniture(text)


def test_related_passages_leave_furniture_out() -> None:
    answer = {"retrieved": [{"text": "Copyright 2022 AMED. All Rights Reserved."},
                            {"text": "The ITER project aims to demonstrate the feasibility of fusion."}]}
    assert [r["text"][:8] for r in related_passages(answer)] == ["The ITER"]
