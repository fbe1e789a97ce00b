"""A question as the answering code sees it: its text and its language.

What kind of answer it wants is not spelled out in rules: the learned selector
(`app/answer/selector.py`) judges each candidate sentence against the question's meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.lang import detect_lang
from ingest.records import Lang


@dataclass(frozen=True)
class Question:
    text: str
    lang: Lang


def analyse(text: str) -> Question:
    return Question(text, detect_lang(text))
