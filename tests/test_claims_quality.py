"""Claim checking with the real model, index and learned weights, on the claims we wrote about the
seeds (eval/claims_seeds_extra.jsonl) and on the held-out public inference pairs (issue 10)."""

import pytest

from eval.claims_eval import score_claims
from eval.datasets import EVAL_DIR, load_claims

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seeds_report(service):
    return score_claims(service.check, load_claims(EVAL_DIR / "claims_seeds_extra.jsonl"))


def test_seeds_claims_meet_the_targets(seeds_report):
    assert seeds_report.n >= 40
    assert seeds_report.accuracy >= 0.95, seeds_report.wrong
    assert seeds_report.cross_supported_found >= 0.90, seeds_report.wrong
    assert seeds_report.balanced_accuracy >= 0.95, seeds_report.wrong
    assert seeds_report.false_support <= 0.03, seeds_report.wrong
    assert seeds_report.negated_or_swapped_supported == []
    assert seeds_report.by_category["negation"]["accuracy"] == 1.0, seeds_report.wrong


def test_every_category_and_language_pair_is_mostly_right(seeds_report):
    for name, row in {**seeds_report.by_category, **seeds_report.by_pair}.items():
        assert row["accuracy"] >= 0.85, (name, row, seeds_report.wrong)


@pytest.mark.parametrize(("claim", "verdict", "reason"), [
    ("The ISS project does not involve Canada.", "contradicted", "The sources say the opposite"),
    ("HFSP was proposed by Germany at the Venice Summit in June 1987.", "contradicted",
     "The sources say Japan, not Germany"),
    ("HFSPはドイツが提案した。", "contradicted", "資料ではドイツではなく日本です"),
    ("Only Japan leads the Integrated Ocean Drilling Program.", "contradicted",
     "The sources also name the U.S."),
    ("国際宇宙ステーション計画にはカナダが参加している。", "supported", "資料に記載があります"),
    ("HFSP is now supported by a total of 12 countries.", "contradicted", "The sources give 14, not 12"),
    # The deciding sentence says "the accelerator"; its section heading and the sentence before name the LHC.
    ("LHCの加速器の建設は2008年に完了した。", "supported", "資料に記載があります"),
])
def test_reasons_say_what_differs_in_the_claims_language(service, claim, verdict, reason):
    result = service.check(claim)
    assert result.verdict == verdict, result.reason
    assert result.reason.startswith(reason), result.reason
    assert result.evidence


def test_the_old_claim_sets_keep_their_level(service):
    report = score_claims(service.check, load_claims(EVAL_DIR / "dev_claims.jsonl",
                                                     EVAL_DIR / "extra_claims.jsonl"))
    assert report.accuracy >= 0.85, report.wrong
    assert report.false_support <= 0.05, report.wrong


def test_held_out_public_inference_accuracy(settings, service):
    from eval.entailment_training import HEADS_ALONE, UNSEEN, held_out_report

    assert service.checker.pair_judge is not None  # the bundled encoder: the pair judge is on
    table = held_out_report(settings, service.checker.entailment, service.checker.pair_judge,
                            log=lambda message: None)
    # The checker's judgement (three token-alignment heads averaged with the pair judge): JSICK
    # pairs at 0.82 or more in every language pair (0.831-0.872 here; the floors leave a few
    # pairs for another CPU's float rounding), JNLI test, whose domain the training data hardly
    # covers, lower (0.783). Each is above the heads alone (0.802-0.842; JNLI 0.682).
    for pair in ("en-en", "ja-ja", "en-ja", "ja-en"):
        both, heads = table[f"jsick {pair}"], table[f"jsick {pair}{HEADS_ALONE}"]
        assert both["accuracy"] >= 0.82 and heads["accuracy"] >= 0.795, (pair, both, heads)
        assert both["accuracy"] >= heads["accuracy"] + 0.015, (pair, both, heads)
        # JSICK's split is by pair and its pairs share sentences: on the test pairs neither of
        # whose sentences was trained on (67-82 per language pair) it is lower, 0.725-0.793.
        unseen = table[f"jsick {pair} {UNSEEN}"]
        assert unseen["n"] >= 60 and unseen["accuracy"] >= 0.71, (pair, unseen)
    assert table["jnli ja-ja"]["accuracy"] >= 0.76
    assert table["jnli ja-ja"]["accuracy"] >= table[f"jnli ja-ja{HEADS_ALONE}"]["accuracy"] + 0.06
    assert table[f"jnli ja-ja {UNSEEN}"]["n"] >= 2400  # JNLI's test split shares almost no sentence
