"""Answering: a question, its candidate sentences and their features, the learned selector,
and the composed extractive answer."""
