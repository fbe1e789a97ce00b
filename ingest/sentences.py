"""Sentence boundaries for Japanese and English, as character spans into the given text."""

from __future__ import annotations

import re

from ingest.lang import has_japanese
from ingest.lines import strip_span
from ingest.vocabulary import MONTH_ABBREVIATIONS

# Japanese ends a sentence with 。！？ (full or half width), possibly followed by closing brackets.
_JA_END = re.compile(r"[。！？!?][」』）)】〕\"”’]*")
# English: . ! ? (possibly closed by quotes or brackets), then space, then something that can
# start a sentence. Abbreviations are checked separately.
_EN_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9\u3040-\u30ff\u4e00-\u9fff])")
_ABBREVIATIONS = frozenset(
    "dr mr mrs ms prof st no vol fig figs e.g i.e etc vs approx inc ltd co corp dept univ est ed eds "
    "pp p cf al gen gov sr jr u.s u.k".split()
) | frozenset(MONTH_ABBREVIATIONS)
# Words that start a sentence and hardly ever follow a name: after a dotted acronym ("the U.S. At
# present, ...") they mark the acronym's full stop as the sentence's too ("the U.S. Army" goes on).
_SENTENCE_STARTERS = frozenset(
    "a an the at in on by for from with after before during since as when while although though "
    "however but and yet so thus therefore moreover furthermore meanwhile today currently "
    "it its this that these those there here he she we they i our their his her".split())
TERMINAL_CHARS = "。！？!?.」』）)】〕\"”’:：;；"
# No Japanese sentence starts with a case particle: a quote or bracket closed after its own 。！？
# and followed at once by one is embedded in the sentence (「…しない！」と述べた, (…474年?)が即位).
_PARTICLES = frozenset("がをのにへとはや")


def _is_abbreviation(text: str, period: int) -> bool:
    if text[period] != ".":
        return False
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[:period])
    if word is None:
        return False
    token = word.group(1).lower()
    if "." in token and word.group(1).isupper() and _starts_sentence(text, period + 1):
        return False
    # A lone capital is an initial ("Y. Matsumoto"); dotted acronyms ("U.S.") continue too.
    return token in _ABBREVIATIONS or len(token) == 1 or "." in token


def _starts_sentence(text: str, position: int) -> bool:
    word = re.match(r"\s+([A-Z][a-z]*)\b", text[position:position + 40])
    return word is not None and word.group(1).lower() in _SENTENCE_STARTERS


def _line_spans(text: str) -> list[tuple[int, int]]:
    """Lines, joining hard-wrapped prose lines back into one unit."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        if spans and _is_wrapped(text[spans[-1][0]:spans[-1][1]], line):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _is_wrapped(previous: str, line: str) -> bool:
    """A line continues the previous one when prose was wrapped mid-sentence."""
    prev = previous.rstrip()
    if not prev or prev[-1] in TERMINAL_CHARS:
        return False
    first = line.lstrip()[:1]
    return first.islower() and not has_japanese(prev[-1:])


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts: list[int] = []
    for match in _JA_END.finditer(text, start, end):
        closed_by_bracket = len(match.group()) > 1
        if closed_by_bracket and text[match.end():match.end() + 1] in _PARTICLES:
            continue
        cuts.append(match.end())
    for match in _EN_END.finditer(text, start, end):
        if not _is_abbreviation(text, match.start()):
            cuts.append(match.end())
    spans: list[tuple[int, int]] = []
    prev = start
    for cut in [*sorted(set(cuts)), end]:
        if cut <= prev:
            continue
        spans.append((prev, cut))
        prev = cut
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of `text`, trimmed of surrounding white space.

    Together they cover every non-space character of `text`, in order, without overlap.
    """
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _line_spans(text):
        for start, end in _split_line(text, line_start, line_end):
            start, end = strip_span(text, start, end)
            if start < end:
                spans.append((start, end))
    return spans


def ends_sentence(text: str) -> bool:
    stripped = text.rstrip()
    return bool(stripped) and stripped[-1] in TERMINAL_CHARS
