"""Generating: optional answers written by a language model from the retrieved passages, each
sentence checked."""
