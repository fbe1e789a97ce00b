"""The evaluation's scoring helpers (eval/metrics.py): what counts as a hit, a matching answer, a
cross-lingual question, a percentile."""

from __future__ import annotations

import pytest

from eval.datasets import GoldQuote, QACase
from eval.metrics import holds_quote, is_cross_lingual, keys_match, locate_all, normalize, percentile

SOURCE = "ITER is built in\nCadarache, France. The ITER Organization was established in 2007."
SOURCES = {"iter.txt": SOURCE}
GOLD = GoldQuote("iter.txt", "built in Cadarache, France.")


def test_normalize_folds_width_and_case() -> None:
    assert normalize("ＩＴＥＲ　２００７") == "iter 2007"


def test_a_quote_is_found_whatever_its_white_space() -> None:
    start = SOURCE.index("built")
    end = start + len("built in\nCadarache, France.")
    assert locate_all(SOURCE, "built in Cadarache,  France.") == [(start, end)]
    assert locate_all(SOURCE, "ITER") == [(0, 4), (SOURCE.index("ITER Org"), SOURCE.index("ITER Org") + 4)]
    assert locate_all(SOURCE, "Brazil") == [] and locate_all(SOURCE, "  ") == []


def test_a_passage_hits_when_it_holds_half_the_gold_quote() -> None:
    a, b = locate_all(SOURCE, GOLD.quote)[0]
    half = (b - a) // 2
    assert holds_quote("iter.txt", a, b, GOLD, SOURCES)
    assert holds_quote("iter.txt", 0, a + half + 1, GOLD, SOURCES)
    assert not holds_quote("iter.txt", 0, a + half - 1, GOLD, SOURCES)
    assert not holds_quote("other.txt", a, b, GOLD, SOURCES)  # another document
    assert not holds_quote("iter.txt", a, b, GOLD, {})  # a document the index lacks


def test_cross_lingual_means_every_gold_quote_in_the_other_language() -> None:
    def case(lang: str, *quotes: str) -> QACase:
        return QACase("q", lang, "?", "answerable", gold=[GoldQuote("d", q) for q in quotes])

    assert is_cross_lingual(case("ja", "The ITER Organization was established in 2007."))
    assert not is_cross_lingual(case("en", "The ITER Organization was established in 2007."))
    assert not is_cross_lingual(case("ja", "The ITER Organization was established.",
                                     "ITER機構は2007年に設立された。"))
    assert not is_cross_lingual(case("ja"))  # no gold at all (unanswerable)


def test_every_key_group_needs_one_alternative() -> None:
    answer = "ＩＴＥＲ機構は2007年に設立された。"
    assert keys_match(answer, [["iter"], ["2007", "二〇〇七"]])
    assert not keys_match(answer, [["iter"], ["2008"]])
    assert keys_match(answer, [])


def test_percentiles_interpolate_between_the_values() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([], 50) == 0.0 and percentile([7.0], 95) == 7.0
