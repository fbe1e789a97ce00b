"""The few fixed phrases answers are framed with, in the question's language."""

from __future__ import annotations

_PHRASES = {
    "no_answer": {
        "en": "The sources do not say. The passages below are the closest, as related reading only.",
        "ja": "資料には答えが見当たりません。以下は関連する箇所です（回答ではありません）。",
    },
    "from_english": {"en": "", "ja": "英語の資料によると："},
    "from_japanese": {"en": "According to a Japanese source: ", "ja": ""},
}


def phrase(key: str, lang: str) -> str:
    table = _PHRASES[key]
    return table.get(lang, table["en"])
