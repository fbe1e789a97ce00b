"""The claim checker's parameters (the `[checker]` settings): data only, so settings import no
answering code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckerSettings:
    candidates: int = 8  # best evidence sentences examined
    # The strongest of them (on the topic) that the pair judge also reads: a full pass of the
    # encoder each (README, "Claim checks": speed); 0 leaves the entailment heads alone.
    pair_candidates: int = 1
    support_overlap: float = 0.6  # same language: share of the statement's words in the evidence
    support_dense: float = 0.09  # across languages: centred similarity to the evidence
    topic_overlap: float = 0.5  # same thing talked about (needed to call a number contradicted)
    topic_dense: float = 0.09  # across languages
    topic_dense_anchored: float = 0.05  # ... when its names and numbers are all in the evidence
    topic_dense_same: float = 0.12  # same language, when other words say the same ("founded")
    figures_overlap: float = 0.4  # enough words when all the statement's numbers are there
    # A rule's contradiction (negation, another name, "only") outweighs a support found elsewhere
    # unless that support matches the statement this much better (same scale as `strength`).
    contradiction_margin: float = 0.0
    list_penalty: float = 0.03  # less strength for a support per other name of the kind it lists
