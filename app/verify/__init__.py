"""Verifying: a statement checked against the sources (words, meaning, the learned entailment
head, exact rules)."""
