"""The fixed phrases answers are framed with, and the messages the service gives (reasons for a
verdict, refused input) in both languages.

A `Message` is a `str` (its English text, what the CLI and the API have always printed) that also
knows its id and parameters, so the web page can show it in the language the reader chose.
"""

from __future__ import annotations

from collections.abc import Sequence

_PHRASES = {
    "no_answer": {
        "en": "The sources do not say. The passages below are the closest, as related reading only.",
        "ja": "資料には答えが見当たりません。以下は関連する箇所です（回答ではありません）。",
    },
    "from_english": {"en": "", "ja": "英語の資料によると："},
    "from_japanese": {"en": "According to a Japanese source: ", "ja": ""},
}

# Message id -> text per language; `{name}` fields are filled from the message's parameters.
MESSAGES: dict[str, dict[str, str]] = {
    "input_not_text": {"en": "the {what} must be text", "ja": "{what}は文字で入力してください"},
    "input_not_utf8": {"en": "the {what} is not valid UTF-8 text",
                       "ja": "{what}が正しいUTF-8の文字列ではありません"},
    "input_empty": {"en": "the {what} is empty", "ja": "{what}が空です"},
    "input_too_long": {
        "en": "the {what} is {length:,} characters long; the limit is {limit:,}. Please shorten it.",
        "ja": "{what}が{length:,}文字あります。上限は{limit:,}文字です。短くしてください。",
    },
    "server_error": {"en": "Something went wrong on the server; please try again.",
                     "ja": "サーバーで問題が発生しました。もう一度お試しください。"},
}
# The words for what was typed, used inside the messages above.
_WHAT = {"question": {"en": "question", "ja": "質問"}, "statement": {"en": "statement", "ja": "主張"},
         "text": {"en": "text", "ja": "テキスト"}}
_LIST_SEPARATOR = {"en": ", ", "ja": "、"}


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


def phrase(key: str, lang: str) -> str:
    table = _PHRASES[key]
    return table.get(lang, table["en"])
