"""The composer's parameters (the `[answer]` settings): data only, so settings import no answering code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComposerSettings:
    passages: int = 5  # retrieved passages whose sentences (and their next passage's) are considered
    # Below this learned probability that the best sentence answers (the selector's, combined with
    # the reranker's), the sources "do not say". Chosen on the public tuning split (`kakehashi
    # train`), never on the reported one; the second applies when the best sentence is in the
    # other language than the question, whose probabilities run lower (no shared words).
    abstain_below: float = 0.25
    abstain_below_cross: float = 0.03
    # The selector's first sentences that the learned reranker reads again (0: none), from the
    # token states the index keeps (or read by the encoder, about 4 ms a sentence here, when it
    # keeps none). On the tuning split 4 found the answer as often as 6, 8, 12 or 16, and 3 or 2
    # one to three questions fewer of 1,300 (`eval/rerank_tuning.py`).
    rerank_top: int = 4
    # A second sentence is quoted when its probability is at least this share of the best one's
    # (chosen on the tuning split with the reranked probabilities, which are sharper than the
    # selector's alone).
    second_ratio: float = 0.05
    # A third sentence at this share, after a quoted runner-up, when the evidence is in the
    # question's language and the three together are no longer than one long quote
    # (`max_quote_chars`): short sentences, as Japanese ones mostly are. Chosen with the second's
    # rule on the tuning split: in Japanese the reranked probabilities are less sharp, and the
    # third held many answers the first two missed.
    third_ratio: float = 0.05
    quote_antecedent: bool = True  # quote the sentence before one that points back ("It", その)
    max_answer_chars: int = 260  # the quotes of one answer together
    max_quote_chars: int = 180  # a longer sentence is trimmed to its most telling run of words
    # ... unless that run holds less than this share of the answer locator's probability (it is
    # unsure where the answer lies): then the run may be up to wide_quote_chars long. Chosen on
    # the tuning split as the highest share whose median quote stays within max_quote_chars
    # (`python -m eval.quote_tuning`); 0 never widens.
    widen_below: float = 0.8
    wide_quote_chars: int = 360
    # A third sentence is quoted only when the three are no longer than this together; chosen on
    # the tuning split as the longest that keeps the median quote within max_quote_chars
    # (`python -m eval.quote_tuning`).
    max_three_chars: int = 200
    # When the runner-up is at least `pair_ratio` as likely as the best sentence but the two
    # whole are longer than `max_answer_chars`, both are quoted, each trimmed to the locator's
    # best run of at most `pair_quote_chars` (never widened): where the reranker hesitates between
    # two long sentences, two short runs hold the answer more often than one long run. Chosen on
    # the tuning split (`python -m eval.quote_tuning`); 0 quotes the best sentence alone.
    pair_ratio: float = 0.5
    pair_quote_chars: int = 90
    parallel_min: float = 0.35  # language-centred similarity for a sentence to count as a translation
