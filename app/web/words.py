"""The web interface's words, in English and Japanese (the toggle at the top picks one)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

UiLang = Literal["en", "ja"]
UI_LANGS: tuple[UiLang, ...] = ("en", "ja")

# Questions that show what the sources can answer, in both languages whatever the toggle says.
EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "How many people from India visited Japan through the Sakura Science Program?",
    "理研の海外事務所はどこにありますか？",
    "What is the aim of the ITER project?",
    "HFSPはいつ、どこで提案されましたか？",
)

# A text to try "Check a text" with: a supported, a contradicted and an unfounded sentence, and a
# question, in both languages.
EXAMPLE_TEXT = (
    "HFSP is now supported by a total of 12 countries. 理研は1917年に創設された。\n"
    "The ISS project plans to land astronauts on Mars by 2030. HFSPはいつ、どこで提案されましたか？\n"
)

EXAMPLE_CLAIMS: tuple[str, ...] = (
    "HFSP was proposed by Japan at the Venice Summit in 1987.",
    "インドからさくらサイエンスプログラムで来日したのは合計2,900人である。",
    "ITER is a joint project to demonstrate the feasibility of fusion energy.",
)

# The words of the page, one table a key (words.toml beside this file).
_TEXT: dict[str, dict[UiLang, str]] = tomllib.loads(
    Path(__file__).with_suffix(".toml").read_text(encoding="utf-8"))  # type: ignore[assignment]


def t(key: str, ui: UiLang, /, **values: object) -> str:
    """The interface text for `key` in language `ui`, with `{name}` fields filled in."""
    text = _TEXT[key][ui]
    return text.format(**values) if values else text


def ui_lang(value: object) -> UiLang:
    """A UI language from a toggle value or a browser language tag ('ja-JP' is Japanese)."""
    return "ja" if isinstance(value, str) and value.lower().startswith("ja") else "en"


def language_name(code: str, lang: UiLang) -> str:
    return t(f"lang_{code}", lang) if code in ("en", "ja") else code
