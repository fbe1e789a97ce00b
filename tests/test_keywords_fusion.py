import math

import pytest

from index.keyword_index import BM25Params, KeywordIndex
from index.retriever import reciprocal_rank_fusion
from index.tokenizer import KeywordTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> KeywordTokenizer:
    return KeywordTokenizer()


def test_japanese_is_cut_into_words_without_particles(tokenizer):
    assert tokenizer.tokenize("科学技術振興機構のさくらサイエンスプログラム") == [
        "科学", "技術", "振興", "機構", "さくら", "サイエンス", "プログラム"]
    assert tokenizer.tokenize("理研の海外事務所はどこにありますか？") == ["理研", "海外", "事務", "所"]


def test_english_is_lower_cased_stemmed_and_stop_words_dropped(tokenizer):
    assert tokenizer.tokenize("What are the Joint Research Centers of Japan's NIMS?") == [
        "joint", "research", "center", "japan", "nim"]


def test_full_width_and_grouped_digits_match_plain_numbers(tokenizer):
    assert tokenizer.tokenize("２,３００人") == tokenizer.tokenize("2300人")
    assert "2300" in tokenizer.tokenize("more than 2,300 participants")


def test_bm25_numbers_by_hand():
    docs = [["a", "b"], ["a", "c", "c"], ["d"]]
    index = KeywordIndex(docs, BM25Params(k1=1.2, b=0.75))
    avg = 2.0
    idf_c = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    expected = idf_c * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / avg))
    scores = index.scores(["c"])
    assert scores == {1: pytest.approx(expected)}
    assert index.top(["a"], 5)[0][0] == 0  # shorter document first for the same term count
    assert index.scores(["zzz"]) == {}


def test_bm25_round_trips_through_json():
    index = KeywordIndex([["日本", "インド"], ["india"]])
    again = KeywordIndex.from_json(index.to_json())
    assert again.scores(["インド"]) == index.scores(["インド"])
    with pytest.raises(ValueError):
        KeywordIndex.from_json({"k1": 1.2, "b": 0.75, "docs_tokens": "oops"})


def test_a_japanese_query_scores_a_japanese_passage(tokenizer):
    passages = ["日本とオマーンは1972年に正式な外交関係を樹立した。",
                "The ITER project aims at fusion energy."]
    index = KeywordIndex([tokenizer.tokenize(p) for p in passages])
    top = index.top(tokenizer.tokenize("日本とオマーンが外交関係を樹立したのは何年ですか？"), 2)
    assert top[0][0] == 0 and top[0][1] > 0


def test_reciprocal_rank_fusion():
    fused = reciprocal_rank_fusion([(["a", "b", "c"], 1.0), (["c", "a"], 0.5)], rrf_k=60)
    assert fused["a"] == pytest.approx(1 / 61 + 0.5 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 0.5 / 61)
    assert sorted(fused, key=fused.get, reverse=True) == ["a", "c", "b"]
