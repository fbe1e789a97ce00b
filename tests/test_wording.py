"""Messages of the service in both languages: English as the CLI and API print it, Japanese too."""

from __future__ import annotations

import json

import pytest

from app.inputs import InputError, clean_text
from app.wording import MESSAGES, Bilingual, Message, in_lang, translations


def test_a_message_is_its_english_text_and_knows_its_japanese() -> None:
    message = Message("input_empty", what="statement")
    assert message == "the statement is empty"
    assert message.in_lang("ja") == "主張が空です"
    assert json.dumps({"error": message}) == '{"error": "the statement is empty"}'
    assert translations("plain") == {"en": "plain", "ja": "plain"}


def test_a_reason_is_in_the_claims_language_and_knows_the_other() -> None:
    texts = {"en": "The sources say Japan, not Germany.", "ja": "資料ではドイツではなく日本です。"}
    reason = Bilingual(texts, "ja")
    assert reason == texts["ja"] and reason.lang == "ja"
    assert in_lang(reason, "en") == texts["en"]
    assert translations(reason) == texts


@pytest.mark.parametrize("text, what, english, japanese", [
    ("  ", "question", "the question is empty", "質問が空です"),
    ("x" * 2001, "statement",
     "the statement is 2,001 characters long; the limit is 2,000. Please shorten it.",
     "主張が2,001文字あります。上限は2,000文字です。短くしてください。"),
    (None, "question", "the question must be text", "質問は文字で入力してください"),
])
def test_input_errors_carry_both_languages(text: object, what: str, english: str, japanese: str) -> None:
    with pytest.raises(InputError) as caught:
        clean_text(text, 2000, what)
    assert str(caught.value) == english
    assert in_lang(caught.value.message, "ja") == japanese


def test_every_message_has_both_languages_with_the_same_fields() -> None:
    for table in MESSAGES.values():
        assert set(table) == {"en", "ja"}
        en, ja = ({part.split("}")[0].split(":")[0] for part in table[lang].split("{")[1:]}
                  for lang in ("en", "ja"))
        assert en == ja
