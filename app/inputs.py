"""Checking what a user types before it reaches the model."""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from app.wording import Message

# Terminal escape sequences (colours, cursor moves) pasted along with a question.
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Whether a host name or address (a server's, or a URL's) is this machine only."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class InputError(ValueError):
    """Input we refuse, with a message meant for the user (a `Message`: in either language)."""

    @property
    def message(self) -> str:
        return self.args[0] if self.args else ""


def one_line(text: str) -> str:
    """`text` on one line, white space made single, without control and format characters:
    they (NUL, escape sequences, bidi overrides) carry no meaning for search and can corrupt a
    terminal or a page."""
    kept = "".join(
        " " if ch in "\n\r\t" else ch
        for ch in _ANSI_ESCAPE.sub("", text)
        if ch in "\n\r\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def clean_text(text: object, max_chars: int, what: str = "question") -> str:
    """The text with control characters removed and white space trimmed, or InputError."""
    cleaned = one_line(_require_text(text, what))
    if not cleaned:
        raise InputError(Message("input_empty", what=what))
    if len(cleaned) > max_chars:
        raise InputError(Message("input_too_long", what=what, length=len(cleaned), limit=max_chars))
    return cleaned


def check_text_input(text: object, max_chars: int, what: str = "text") -> str:
    """A text to check as it is (offsets point into it), or InputError: not text, not UTF-8,
    nothing but white space, or longer than `max_chars`."""
    text = _require_text(text, what)
    if not text.strip():
        raise InputError(Message("input_empty", what=what))
    if len(text) > max_chars:
        raise InputError(Message("input_too_long", what=what, length=len(text), limit=max_chars))
    return text


def _require_text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise InputError(Message("input_not_text", what=what))
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        # What Python makes of bytes that are not UTF-8 (command-line arguments, files).
        raise InputError(Message("input_not_utf8", what=what))
    return text
