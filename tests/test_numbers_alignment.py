import itertools

import pytest

from app.answer.numbers import extract_numbers, numbers_not_in
from index.alignment import _monotonic_path


def values(text: str) -> list[tuple[float, str]]:
    return [(n.value, n.kind) for n in extract_numbers(text)]


@pytest.mark.parametrize("text", ["2,000", "2000 people", "２０００ people", "2千", "２千"])
def test_two_thousand_in_every_script(text):
    assert any(n.value == 2000 for n in extract_numbers(text))
    assert extract_numbers(text)[0].matches(extract_numbers("2,000")[0])


@pytest.mark.parametrize(("text", "expected"), [
    ("6割", (60, "percent")), ("60%", (60, "percent")), ("60 percent", (60, "percent")),
    ("3万3千人", (33000, "number")), ("33,000 people", (33000, "number")),
    ("令和4年", (2022, "year")), ("平成26年", (2014, "year")), ("1億", (100_000_000, "number")),
    ("100 million", (100_000_000, "number")), ("nine months", (9, "number")),
    ("三千五百人", (3500, "number")),
])
def test_normalized_values(text, expected):
    assert values(text)[0] == expected


def test_years_months_and_counts_are_told_apart():
    assert values("In March 1994, four countries") == [(3, "month"), (1994, "year"), (4, "number")]
    assert values("ISTCは１９９２年3月に") == [(1992, "year"), (3, "month")]
    assert values("less than 2,000 students") == [(2000, "number")]
    assert values("2000 人に届かず") == [(2000, "number")]
    assert values("you may see") == []


def test_japanese_counters_tell_what_is_counted():
    assert numbers_not_in("協定を50校と締結している。", ["機関間 MOU は年間 50 件"])[0].text == "50"
    assert numbers_not_in("約30名の学生", ["30 人を受け入れ"]) == []  # 人 and 名 count the same
    assert numbers_not_in("14か国", ["14 カ国が参加"]) == []
    assert numbers_not_in("50校", ["about 50 universities"]) == []  # no Japanese counter: by value


def test_monotonic_alignment_follows_the_diagonal():
    import numpy as np

    sims = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.1], [0.0, 0.3, 0.7], [0.0, 0.1, 0.9]])
    path = _monotonic_path(sims)
    assert path[0] == (0, 0) and path[-1] == (3, 2)
    assert (1, 1) in path and all(b >= a for (_, a), (_, b) in itertools.pairwise(path))


def test_numbers_not_in_the_evidence_texts() -> None:
    evidence = ["Launched in 2003 with 2,000 members.", "令和4年3月"]
    assert numbers_not_in("始まったのは2003年で、会員は2千人。", evidence) == []
    assert [n.text for n in numbers_not_in("It was launched in 1993, in 2022.", evidence)] == ["1993"]
    # "Mary" is a name, not March
    assert [n.text for n in numbers_not_in("Mary came in March 2020.", ["2020"])] == ["March"]
