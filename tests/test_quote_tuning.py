"""How `eval.quote_tuning` chooses a quote-length setting from its measurements (small fakes)."""

from eval.quote_tuning import choose


def test_the_value_answering_most_while_keeping_every_short_group_within_the_limit_is_chosen():
    outcomes = {  # value -> group -> (right, questions, median length)
        0.0: {"en→en": (80, 100, 170.0), "ja→en": (60, 100, 190.0)},
        0.5: {"en→en": (85, 100, 176.0), "ja→en": (62, 100, 200.0)},
        0.8: {"en→en": (88, 100, 180.0), "ja→en": (63, 100, 210.0)},
        0.9: {"en→en": (90, 100, 183.0), "ja→en": (64, 100, 220.0)},
    }
    # ja→en was over 180 before any widening: it does not hold the choice back; en→en does.
    assert choose(outcomes, 180) == 0.8
    assert choose(outcomes, 170) == 0.0


def test_a_value_answering_fewer_is_not_chosen_for_being_higher():
    outcomes = {  # pair_ratio -> ...: the runner-up quoted at 0.5 of the best answers most
        0.3: {"en→en": (80, 100, 180.0)},
        0.5: {"en→en": (86, 100, 178.0)},
        0.8: {"en→en": (83, 100, 175.0)},
        1.1: {"en→en": (83, 100, 175.0)},
    }
    assert choose(outcomes, 180) == 0.5
    assert choose({**outcomes, 0.6: {"en→en": (86, 100, 177.0)}}, 180) == 0.6  # a tie: the higher
