"""The fixed phrases answers are framed with, and the messages the service gives (reasons for a
verdict, refused input) in both languages.

A `Message` is a `str` (its English text, what the CLI and the API have always printed) that also
knows its id and parameters, so the web page can show it in the language the reader chose.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

# Every table of phrases, one entry a key with its text per language (wording.toml beside this file).
_TABLES: dict[str, dict[str, dict[str, str]]] = tomllib.loads(
    Path(__file__).with_suffix(".toml").read_text(encoding="utf-8"))
_PHRASES = _TABLES["phrases"]
REASONS = _TABLES["reasons"]  # why a statement (or a generated sentence) is or is not supported
MESSAGES = _TABLES["messages"]  # message id -> text per language, `{name}` from its parameters
_WHAT = _TABLES["what"]  # the words for what was typed, used inside the messages
_LIST_SEPARATOR: dict[str, str] = _TABLES["list_separator"]  # type: ignore[assignment]
# A checked text's report (app/verify/text_report.py): verdict labels, its words, the summary's
# counts as (one, many) per language.
REPORT_VERDICTS = _TABLES["report_verdicts"]
REPORT_WORDS = _TABLES["report"]
REPORT_COUNTS: dict[str, dict[str, list[str]]] = _TABLES["report_counts"]  # type: ignore[assignment]


class Message(str):
    """A message from `MESSAGES`: the `str` is its English text; `in_lang` gives any language."""

    id: str
    params: dict[str, object]
    lang = "en"

    def __new__(cls, message_id: str, **params: object) -> Message:
        self = super().__new__(cls, _fill(message_id, "en", params))
        self.id, self.params = message_id, params
        return self

    def in_lang(self, lang: str) -> str:
        return _fill(self.id, lang, self.params)


def _fill(message_id: str, lang: str, params: dict[str, object]) -> str:
    table = MESSAGES[message_id]
    values = {key: _value(value, lang) for key, value in params.items()}
    return table.get(lang, table["en"]).format(**values)


def _value(value: object, lang: str) -> object:
    if isinstance(value, str) and value in _WHAT:
        return _WHAT[value].get(lang, value)
    if isinstance(value, (list, tuple)):
        return _LIST_SEPARATOR.get(lang, ", ").join(str(v) for v in value)
    return value


class Bilingual(str):
    """A text written in each language (a claim check's reason): the `str` is the one in `lang`,
    the language it was asked in; `in_lang` gives the others."""

    texts: dict[str, str]
    lang: str

    def __new__(cls, texts: dict[str, str], lang: str) -> Bilingual:
        lang = lang if lang in texts else "en"
        self = super().__new__(cls, texts[lang])
        self.texts, self.lang = texts, lang
        return self

    def in_lang(self, lang: str) -> str:
        return self.texts.get(lang, self.texts["en"])


def in_lang(text: str, lang: str) -> str:
    """`text` in `lang` when it is a `Message` or `Bilingual`; any other text as it is."""
    return text.in_lang(lang) if isinstance(text, (Message, Bilingual)) else text


def translations(text: str, langs: Sequence[str] = ("en", "ja")) -> dict[str, str]:
    """`text` in each of `langs` (the same text for each when it is not a `Message`)."""
    return {lang: in_lang(text, lang) for lang in langs}


def reason(key: str, lang: str, **values: str) -> Bilingual:
    """The reason in the claim's language, with its wording in the other language at hand."""
    return Bilingual({code: text.format(**values) for code, text in REASONS[key].items()}, lang)


def phrase(key: str, lang: str) -> str:
    table = _PHRASES[key]
    return table.get(lang, table["en"])
