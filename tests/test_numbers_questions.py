import itertools

import pytest

from app.numbers import extract_numbers
from app.question import analyse, fit
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


@pytest.mark.parametrize(("question", "kind"), [
    ("How many people from India visited Japan?", "how_many"),
    ("日本とオマーンが正式な外交関係を樹立したのは何年ですか？", "when"),
    ("理研の海外事務所はどこにありますか？", "where"),
    ("JISTECの会長は誰ですか？", "who"),
    ("What is the annual budget of the SATREPS program?", "how_much"),
    ("Where did the fifth ASEAN COST+3 meeting take place?", "where"),
    ("Which universities host the NIMS Joint Research Centers?", "what"),
    ("In which cities does RIKEN have overseas liaison offices?", "where"),
    ("What does NESTI stand for?", "what"),
    ("なぜ新設が見送られたのですか？", "why"),
    ("海底下何メートルまで掘ることができますか？", "how_many"),
])
def test_question_kinds(question, kind):
    assert analyse(question).kind == kind


def test_list_questions():
    assert analyse("Which universities host the NIMS Joint Research Centers?").many
    assert analyse("In which cities does RIKEN have overseas liaison offices?").many
    assert not analyse("What does NESTI stand for?").many


def test_answer_shapes():
    q = analyse("How many researchers have participated in ISTC projects?")
    assert fit(q, "the number of participating researchers stood at more than 73,000") == 2
    assert fit(q, "In March 1994, four countries established ISTC") == 1
    when = analyse("2022年のRD20のリーダーズセッションはいつ開催されますか？")
    assert fit(when, "The RD20 of 2022 will be held as a hybrid conference.") == 0  # 2022 is given
    assert fit(when, "リーダーズセッション（10月6日）では") == 2
    where = analyse("Where was the 10th Conference of the Science Council of Asia held?")
    assert fit(where, "the Science Council of Asia (SCA) met in June 2010") == 0
    assert fit(where, "was held in the Philippines") == 1
    assert fit(analyse("What does NESTI stand for?"),
               "Working Party of National Experts on Science and Technology Indicators (NESTI)") == 2


def test_monotonic_alignment_follows_the_diagonal():
    import numpy as np

    sims = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.1], [0.0, 0.3, 0.7], [0.0, 0.1, 0.9]])
    path = _monotonic_path(sims)
    assert path[0] == (0, 0) and path[-1] == (3, 2)
    assert (1, 1) in path and all(b >= a for (_, a), (_, b) in itertools.pairwise(path))
