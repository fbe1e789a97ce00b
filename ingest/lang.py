"""Telling Japanese from English, per paragraph or per question."""

from __future__ import annotations

import re

from ingest.records import Lang

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
# A Japanese character carries about as much as a short English word, so a modest share of
# them marks a text as Japanese even when it is full of acronyms (GA4GH, IRDIRC, ...).
_JAPANESE_SHARE = 0.25


def japanese_share(text: str) -> float:
    ja = len(_JAPANESE.findall(text))
    latin = len(_LATIN.findall(text))
    return ja / (ja + latin) if ja + latin else 0.0


def detect_lang(text: str) -> Lang:
    return "ja" if japanese_share(text) >= _JAPANESE_SHARE else "en"


def has_japanese(text: str) -> bool:
    return _JAPANESE.search(text) is not None
