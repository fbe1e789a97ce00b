import itertools

from hypothesis import given
from hypothesis import strategies as st

from ingest.lang import detect_lang
from ingest.sentences import ends_sentence, sentence_spans


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_japanese_sentences_end_at_maru_and_keep_closing_brackets():
    text = "理研は1917年に創設された。「新しい世界の繋がり」だ！本当か？ 次の文"
    assert _sentences(text) == [
        "理研は1917年に創設された。", "「新しい世界の繋がり」だ！", "本当か？", "次の文"]


def test_a_quote_or_bracket_followed_by_a_particle_stays_in_its_sentence():
    text = ("総理は「原子力事故を起こした官庁は省にしない！」と明確に表明した。"
            "ヒルデリック(474年?)が523年に即位した。「行こう。」しかし誰も来なかった。本当か？とはいえ続く。")
    assert _sentences(text) == [
        "総理は「原子力事故を起こした官庁は省にしない！」と明確に表明した。",
        "ヒルデリック(474年?)が523年に即位した。", "「行こう。」", "しかし誰も来なかった。",
        "本当か？", "とはいえ続く。"]


def test_english_sentences_skip_abbreviations_and_initials():
    text = ("Dr. Karikó and Dr. Weissman discovered it. The U.S. and Japan agreed on Jan. 5. "
            "Y. Matsumoto spoke. It grew 3.5 times!")
    assert _sentences(text) == [
        "Dr. Karikó and Dr. Weissman discovered it.",
        "The U.S. and Japan agreed on Jan. 5.",
        "Y. Matsumoto spoke.",
        "It grew 3.5 times!",
    ]


def test_a_dotted_acronym_ends_a_sentence_when_a_sentence_starter_follows():
    text = "It was built by Japan and the U.S. At present, 200 researchers take part. The U.S. Army came."
    assert _sentences(text) == ["It was built by Japan and the U.S.",
                                "At present, 200 researchers take part.", "The U.S. Army came."]
    assert _sentences("Some fields, e.g. The Arts, are new.") == ["Some fields, e.g. The Arts, are new."]


def test_lines_are_units_but_wrapped_prose_is_joined():
    text = "2015年6月\tネパール大震災関連研究\n2014年2月\tフィリピン台風\nThe program was\nlaunched in 2003."
    assert _sentences(text) == ["2015年6月\tネパール大震災関連研究", "2014年2月\tフィリピン台風",
                                "The program was\nlaunched in 2003."]


def test_language_per_paragraph():
    assert detect_lang("第一期から参加するゲノム・医療情報（GA4GH、IRDIRC、ICRP）") == "ja"
    assert detect_lang("RIKEN has offices in Singapore and Beijing.") == "en"
    assert detect_lang("What does NESTI stand for?") == "en"
    assert detect_lang("JISTECの会長は誰ですか？") == "ja"


def test_ends_sentence():
    assert ends_sentence("完了した。")
    assert ends_sentence("It ended.  ")
    assert not ends_sentence("ジョンズ・ホプキンス大学のCOVID-19")
    assert not ends_sentence("launched by Johns")


_pieces = st.lists(
    st.one_of(
        st.text(alphabet="あいうえお科学技術日本。、！？「」", min_size=1, max_size=30),
        st.text(alphabet="abc XYZ.,!?'\"()", min_size=1, max_size=40),
        st.sampled_from(["\n", "\n\n", " ", "Dr. ", "U.S. ", "。", ". A"]),
    ),
    max_size=30,
)


@given(_pieces)
def test_sentence_spans_cover_every_visible_character_in_order(pieces):
    text = "".join(pieces)
    spans = sentence_spans(text)
    for (_, b), (c, _) in itertools.pairwise(spans):
        assert b <= c
    for a, b in spans:
        assert 0 <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
    covered = "".join(text[a:b] for a, b in spans)
    assert "".join(covered.split()) == "".join(text.split())
