"""A passage of a source as the page shows it: Markdown headings as titles, the quoted sentence
marked, and page furniture (copyright lines, contact lines, glossaries) recognised so that it is
never offered as related reading."""

from __future__ import annotations

import html
import re
from typing import Any

Json = dict[str, Any]

# Gradio's HTML component fills `${...}` and `{{...}}` templates in what it shows; entities for
# `$`, `{` and `}` keep document text from ever being read as a template.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;"})
# A Markdown heading line, and the blank lines after it (the title is a block of its own).
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$(?:\n[ \t]*(?=\n))*\n?", re.MULTILINE)
_FURNITURE_LINE = re.compile(
    r"copyright|all rights reserved|©|無断転載|禁無断|お問い合わせ|お断り"
    r"|^\s*(?:tel|fax|e-?mail|mail|contact)\b|@\w+\.\w+", re.IGNORECASE)
# A sentence: enough letters, ending as sentences end (bylines, headers and lists do not).
_SENTENCE_END = re.compile(r"[.。!?！？][\"'”」』)）]*\s*$")
MIN_SENTENCE_LETTERS = 30


def esc(text: object) -> str:
    """Text made safe to put in HTML: markup, quotes and template characters as entities."""
    return html.escape(str(text), quote=True).translate(_TEMPLATE_CHARS)


def heading_text(text: str) -> str:
    """A title without its Markdown heading marks: "##### 1) ITER" is "1) ITER"."""
    match = _HEADING.fullmatch(text.strip())
    return match.group(1) if match else text


def _plain(text: str, start: int, end: int, quote: tuple[int, int] | None) -> str:
    """text[start:end] as HTML, the quote marked if it lies inside."""
    if quote is None or not (start <= quote[0] <= quote[1] <= end):
        return esc(text[start:end])
    q0, q1 = quote
    return (f'{esc(text[start:q0])}<mark class="kk-quote">{esc(text[q0:q1])}</mark>'
            f"{esc(text[q1:end])}")


def text_html(text: str, quote: tuple[int, int] | None = None) -> str:
    """A passage as HTML: heading lines as titles (unless the quote is in one), the quote marked."""
    parts: list[str] = []
    last = 0
    for match in _HEADING.finditer(text):
        if quote is not None and match.start() < quote[1] and quote[0] < match.end():
            continue  # a quoted heading stays exactly as the source has it
        parts.append(_plain(text, last, match.start(), quote))
        parts.append(f'<span class="kk-heading">{esc(match.group(1))}</span>')
        last = match.end()
    parts.append(_plain(text, last, len(text), quote))
    return "".join(parts)


def passage_html(citation: Json) -> str:
    """The cited passage with the quoted sentence marked; the quote alone if it lies outside."""
    passage = citation["passage"]
    text = passage["text"]
    q0, q1 = citation["start"] - passage["start"], citation["end"] - passage["start"]
    if (q0, q1) == (0, len(text)):
        return text_html(text)  # a whole passage (a generated answer's citation): nothing to pick out
    if 0 <= q0 <= q1 <= len(text) and text[q0:q1] == citation["text"]:
        return text_html(text, (q0, q1))
    return f'<mark class="kk-quote">{esc(citation["text"])}</mark>'


def is_furniture(text: str) -> bool:
    """Nothing a reader would read: copyright, contact and disclaimer lines, bylines, headers,
    lists of abbreviations; what is left holds no sentence."""
    kept = [line for line in text.splitlines() if line.strip() and not _FURNITURE_LINE.search(line)]
    if kept and sum("\t" in line for line in kept) * 2 > len(kept):
        return True  # a glossary: "TT<tab>Translation Together"
    return not any(_SENTENCE_END.search(line) and sum(ch.isalpha() for ch in line) >= MIN_SENTENCE_LETTERS
                   for line in kept)


def related_passages(answer: Json) -> list[Json]:
    """The retrieved passages worth offering as related reading."""
    return [r for r in answer.get("retrieved", []) if not is_furniture(r["text"])]
