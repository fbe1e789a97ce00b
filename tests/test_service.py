"""The service as users meet it: search and answers across languages, the JSON contract."""

import pytest

pytestmark = pytest.mark.integration

ANSWER_KEYS = {"question", "lang", "answer", "abstained", "citations", "retrieved", "timings_ms",
               "sentences", "generator"}
CITATION_KEYS = {"n", "doc", "start", "end", "line_start", "line_end", "lang", "title", "text",
                 "parallel"}


def test_japanese_question_finds_english_passages_and_the_reverse(service):
    hits = service.search("統合国際深海掘削計画（IODP）はいつ始まりましたか？", 5).hits
    assert any(h.chunk.lang == "en" and "launched in 2003" in h.chunk.text for h in hits)
    hits = service.search("How many days after the ceremony...? Oman diplomatic relations 1972", 5).hits
    assert any("1972" in h.chunk.text for h in hits)


def test_search_returns_exact_spans_with_lines(service):
    for hit in service.search("理研の海外事務所はどこにありますか？", 5).hits:
        c = hit.chunk
        text = service.sources[c.doc]
        assert text[c.start:c.end] == c.text
        assert text.count("\n", 0, c.start) + 1 == c.line_start


def test_answer_json_contract(service):
    data = service.ask("How many people from India visited Japan through the Sakura Science Program?")
    answer = data.to_json()
    assert answer.keys() >= ANSWER_KEYS
    assert not answer["abstained"] and "2,900" in answer["answer"]
    assert answer["timings_ms"]["total"] > 0
    for citation in answer["citations"]:
        assert citation.keys() >= CITATION_KEYS
        assert service.sources[citation["doc"]][citation["start"]:citation["end"]] == citation["text"]
        assert f"[{citation['n']}]" in answer["answer"]
    assert all(s["support"] == "supported" for s in answer["sentences"])


def test_japanese_question_gets_a_japanese_quote_with_the_english_parallel(service):
    answer = service.ask("日本とオマーンが正式な外交関係を樹立したのは何年ですか？")
    assert "1972" in answer.answer and answer.citations[0].quote.lang == "ja"
    parallel = answer.citations[0].parallel
    assert parallel is not None and parallel.lang == "en"


def test_cross_lingual_answer_is_labelled_as_english_source(service):
    answer = service.ask("HFSPはいつ、どこで提案されましたか？")
    assert answer.answer.startswith("英語の資料によると")
    assert "1987" in answer.answer and answer.citations[0].quote.lang == "en"


def test_abstains_in_the_question_language(service):
    ja = service.ask("ラーメンの美味しい作り方を教えてください。")
    assert ja.abstained and ja.citations == [] and "資料には" in ja.answer and ja.retrieved
    en = service.ask("Who won the FIFA World Cup in 2018?")
    assert en.abstained and en.answer.startswith("The sources do not say")


@pytest.mark.parametrize(("claim", "verdict"), [
    ("RIKEN was founded in 1958.", "contradicted"),
    ("RIKEN was founded in 1917.", "supported"),
    ("日本とオマーンは1972年に正式な外交関係を樹立した。", "supported"),
    ("さくらサイエンスプログラムの累積招へい人数は3万3千人を超えている。", "supported"),
    ("RIKEN has liaison offices in Paris and New York.", "unsupported"),
])
def test_claims(service, claim, verdict):
    result = service.check(claim)
    assert result.verdict == verdict, result.reason
    assert result.evidence
    for citation in result.evidence:
        assert service.sources[citation.quote.doc][citation.quote.start:citation.quote.end] \
            == citation.quote.text
