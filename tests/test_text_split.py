"""Cutting a pasted text into sentences to check and parts to leave alone, with exact offsets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.inputs import InputError, check_text_input
from app.verify.text_split import claim_text, split_text

DRAFT = """# Japan in big science

Key findings:
- HFSP is supported by 14 countries [3]. It was proposed by Japan in 1987 (JISTEC Report, 2022).
- 理研は1917年に創設された¹。私たちは国際協力が重要だと考えています。
2. Do Japanese researchers take part in the LHC project?

12

We believe the program should grow. The ISS project involves Canada.

[3] JISTEC Report, 2022.
"""


def kinds(text: str) -> list[tuple[str, str]]:
    return [(p.kind, p.text(text)) for p in split_text(text)]


def test_a_draft_is_cut_into_sentences_and_the_parts_left_unchecked() -> None:
    assert kinds(DRAFT) == [
        ("heading", "# Japan in big science"),
        ("heading", "Key findings:"),
        ("list_marker", "-"),
        ("claim", "HFSP is supported by 14 countries [3]."),
        ("claim", "It was proposed by Japan in 1987 (JISTEC Report, 2022)."),
        ("list_marker", "-"),
        ("claim", "理研は1917年に創設された¹。"),
        ("opinion", "私たちは国際協力が重要だと考えています。"),
        ("list_marker", "2."),
        ("question", "Do Japanese researchers take part in the LHC project?"),
        ("number", "12"),
        ("opinion", "We believe the program should grow."),
        ("claim", "The ISS project involves Canada."),
        ("reference", "[3] JISTEC Report, 2022."),
    ]


def test_citation_markers_stay_in_the_sentence_but_are_not_checked() -> None:
    pieces = [p for p in split_text(DRAFT) if p.is_sentence]
    claims = [claim_text(DRAFT, p) for p in pieces[:3]]
    assert claims == ["HFSP is supported by 14 countries.",
                      "It was proposed by Japan in 1987.",  # the citation's year is no claim
                      "理研は1917年に創設された。"]
    assert [DRAFT[a:b] for a, b in pieces[0].markers] == ["[3]"]
    assert [DRAFT[a:b] for a, b in pieces[1].markers] == ["(JISTEC Report, 2022)"]
    assert [DRAFT[a:b] for a, b in pieces[2].markers] == ["¹"]


def test_parentheses_that_are_content_are_kept() -> None:
    text = "The Fifth Meeting (in Krabi) was held in 2010. RIKEN (founded in 1917) has offices abroad."
    claims = [claim_text(text, p) for p in split_text(text)]
    assert claims == ["The Fifth Meeting (in Krabi) was held in 2010.",
                      "RIKEN (founded in 1917) has offices abroad."]


def test_japanese_and_english_mixed_without_spaces() -> None:
    text = ("日本はITER計画に参加している。Currently, six countries participate in ITER. "
            "SCJは45の団体に参加している。")
    assert kinds(text) == [("claim", "日本はITER計画に参加している。"),
                           ("claim", "Currently, six countries participate in ITER."),
                           ("claim", "SCJは45の団体に参加している。")]


def test_a_single_line_without_a_full_stop_is_a_claim_not_a_heading() -> None:
    assert kinds("Japan hosted the forum in 2010") == [("claim", "Japan hosted the forum in 2010")]


def test_questions_and_opinions_in_either_language() -> None:
    text = ("理研の海外拠点はどこですか。Is HFSP supported by 14 countries? In our view, ITER matters. "
            "日本は留学生を増やすべきだ。Japan should invite more researchers. "
            "RIKEN has an office in Singapore.")
    assert [k for k, _ in kinds(text)] == ["question", "question", "opinion", "opinion", "opinion", "claim"]


def test_numbered_lists_japanese_and_footnote_references() -> None:
    text = "（１）IODPは2003年に開始された※1。\n①ITERには7極が参加している。\n\n※1 科学技術白書による。"
    assert kinds(text) == [("list_marker", "（１）"), ("claim", "IODPは2003年に開始された※1。"),
                           ("list_marker", "①"), ("claim", "ITERには7極が参加している。"),
                           ("reference", "※1 科学技術白書による。")]


def test_a_line_starting_with_a_figure_is_not_a_numbered_item() -> None:
    text = "Summary\n\n3.5 million people visited Japan in 2019."
    assert kinds(text)[-1] == ("claim", "3.5 million people visited Japan in 2019.")


# Building blocks of drafts: sentences, markers, headings, list items, odd white space.
_PARTS = st.sampled_from([
    "HFSP is supported by 14 countries.", "理研は1917年に創設された。", " [3]", "¹", " (JISTEC Report, 2022)",
    "# Heading\n", "- ", "1. ", "\n", "\n\n", "  ", "\u3000", "Is it true?", "We believe so.", "12\n",
    "It was founded in 1917", "。", ".", "※1", "（出典：白書）", "\r\n", "\t", "😀", "e\u0301",
])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PARTS, max_size=25).map("".join) | st.text(max_size=200))
def test_every_piece_is_an_exact_non_overlapping_span_of_the_input(text: str) -> None:
    pieces = split_text(text)
    previous_end = 0
    for piece in pieces:
        assert previous_end <= piece.start < piece.end <= len(text)
        span = text[piece.start:piece.end]
        assert span == span.strip() and span
        for a, b in piece.markers:
            assert piece.start <= a < b <= piece.end
        previous_end = piece.end
    # Nothing but white space is left out.
    covered = set()
    for piece in pieces:
        covered.update(range(piece.start, piece.end))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


def test_input_is_checked_but_never_changed() -> None:
    text = " 理研は1917年に創設された。\r\n"
    assert check_text_input(text, 100) is text
    for bad, message in ((" \n\t", "empty"), ("x" * 101, "limit"), (b"bytes", "must be text"),
                         ("\udcff", "UTF-8")):
        try:
            check_text_input(bad, 100)
        except InputError as err:
            assert message in str(err)
        else:
            raise AssertionError(f"{bad!r} was accepted")


def test_a_chatbot_answer_remarks_and_emphasis() -> None:
    text = ("Sure! Here are some key facts about RIKEN:\n\n1. **RIKEN** was founded in *1917*.\n"
            "2. `HFSP` is supported by 14 countries.\n\nI hope this helps! Let me know if you need more. "
            "See https://www.riken.jp/en/ for details. はい。詳しくは資料をご覧ください。")
    pieces = split_text(text)
    assert [(p.kind, claim_text(text, p)) for p in pieces if p.is_sentence] == [
        ("claim", "RIKEN was founded in 1917."),  # emphasis marks are no words, *1917* no footnote
        ("claim", "HFSP is supported by 14 countries."),
        ("opinion", "I hope this helps!"),
        ("remark", "Let me know if you need more."),
        ("remark", "See https://www.riken.jp/en/ for details."),
        ("remark", "はい。"),
        ("remark", "詳しくは資料をご覧ください。"),
    ]
    assert pieces[0].kind == "heading"  # the line that introduces the list


def test_a_quotation_with_its_own_full_stop_stays_in_its_sentence() -> None:
    text = "理研の所長は「国際連携は重要だ。」と述べた。日本は参加している。「ITERは続く。」"
    assert [p.text(text) for p in split_text(text)] == [
        "理研の所長は「国際連携は重要だ。」と述べた。", "日本は参加している。", "「ITERは続く。」"]


def test_prose_wrapped_by_hand_is_one_sentence_not_headings_and_fragments() -> None:
    for text, claim in (
            ("理化学研究所は1917年に\n財団法人として東京で\n創設された。",
             "理化学研究所は1917年に財団法人として東京で創設された。"),
            ("The Human Frontier Science Program\nwas proposed by Japan in 1987.",
             "The Human Frontier Science Program was proposed by Japan in 1987."),
            ("HFSP was proposed by\nJapan in 1987 at the Venice\nSummit.",
             "HFSP was proposed by Japan in 1987 at the Venice Summit."),
            ("Line one without a stop\r\nline two ends it.", "Line one without a stop line two ends it.")):
        assert [(p.kind, claim_text(text, p)) for p in split_text(text)] == [("claim", claim)]


def test_figures_and_dates_are_never_taken_for_citation_markers() -> None:
    text = ("The zone has 2,000 km² of land and grew 10³ times. 3*4 percent were funded. "
            "HFSP was proposed at the Venice Summit (June 1, 1987) by Japan.")
    assert [claim_text(text, p) for p in split_text(text)] == [
        "The zone has 2,000 km² of land and grew 10³ times.", "3*4 percent were funded.",
        "HFSP was proposed at the Venice Summit (June 1, 1987) by Japan."]


def test_advice_words_do_not_hide_a_stated_fact() -> None:
    text = ("The agreement says each member should pay 10% of the budget. It is important to note that "
            "HFSP was founded in 1989. 特筆すべきは、理研が1917年に創設されたことである。"
            "理研は最古の研究所と考えられている。Japan joined. We should do more.")
    assert [p.kind for p in split_text(text)] == ["claim", "claim", "claim", "claim", "claim", "opinion"]
