"""Numbers as people write them in Japanese and English, reduced to comparable values.

2,000 = 2000 = ２０００ = 2千; 6割 = 60%; 3万3千 = 33,000; 1億 = 100 million; 令和4年 = 2022;
nine months = 9 months. A claim's numbers are checked against its evidence with these.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                 "八": 8, "九": 9, "十": 10}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867}
_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12, "half": 0.5,
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}

_NUMERAL = r"\d+(?:\.\d+)?"
_JA_NUMBER = re.compile(
    rf"(?:{_NUMERAL}|[〇零一二三四五六七八九十百千])+"
    rf"(?:\s*[万億兆千百十](?:{_NUMERAL}|[〇零一二三四五六七八九十百千])*)*"
)
_ERA_YEAR = re.compile(r"(令和|平成|昭和|大正|明治)\s*(元|\d+)\s*年")
_PERCENT = re.compile(rf"({_NUMERAL})\s*(?:%|％|percent\b|パーセント)")
_WARI = re.compile(r"(\d+(?:\.\d+)?|[一二三四五六七八九十])\s*割")
_ENGLISH = re.compile(
    r"\b(?:(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")|(\d+(?:\.\d+)?))"
    r"(?:[\s-]+(" + "|".join(_SCALES) + r"))?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool = False
    text: str = ""

    def matches(self, other: Number) -> bool:
        return self.percent == other.percent and abs(self.value - other.value) <= 1e-9 * max(
            1.0, abs(self.value))


def _kanji_group(text: str) -> float:
    """Value of a run below 万: digits, kanji digits and 十/百/千 (三千五百 = 3500, 2千 = 2000)."""
    if re.fullmatch(_NUMERAL, text):
        return float(text)
    total, current = 0.0, None
    for part in re.findall(rf"{_NUMERAL}|.", text):
        if part in _SMALL_UNITS:
            total += (current if current is not None else 1) * _SMALL_UNITS[part]
            current = None
        elif part in _KANJI_DIGITS:
            current = (current or 0) * 10 + _KANJI_DIGITS[part]
        else:
            current = float(part)
    return total + (current or 0)


def _ja_value(text: str) -> float:
    total, rest = 0.0, text.replace(" ", "")
    for unit in ("兆", "億", "万"):
        if unit in rest:
            head, rest = rest.split(unit, 1)
            total += (_kanji_group(head) if head else 1) * _BIG_UNITS[unit]
    return total + (_kanji_group(rest) if rest else 0)


def normalize_digits(text: str) -> str:
    """NFKC (full-width digits to ASCII) and digit-group commas removed: ２,０００ -> 2000."""
    return re.sub(r"(?<=\d)[,，](?=\d{3}(?!\d))", "", unicodedata.normalize("NFKC", text))


def extract_numbers(text: str) -> list[Number]:
    """The numbers of a text, each once, in order of appearance."""
    text = normalize_digits(text)
    found: list[tuple[int, Number]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, number: Number) -> None:
        if not any(a < end and start < b for a, b in taken):
            taken.append((start, end))
            found.append((start, number))

    for m in _ERA_YEAR.finditer(text):
        year = 1 if m.group(2) == "元" else int(m.group(2))
        add(m.start(), m.end(), Number(_ERAS[m.group(1)] + year, text=m.group(0)))
    for m in _PERCENT.finditer(text):
        add(m.start(), m.end(), Number(float(m.group(1)), percent=True, text=m.group(0)))
    for m in _WARI.finditer(text):
        add(m.start(), m.end(), Number(_kanji_group(m.group(1)) * 10, percent=True, text=m.group(0)))
    for m in _ENGLISH.finditer(text):
        base = float(m.group(2)) if m.group(2) else float(_WORDS[m.group(1).lower()])
        scale = _SCALES[m.group(3).lower()] if m.group(3) else 1
        following = text[m.end():m.end() + 1]
        if m.group(2) and following and following in "万億兆千百":
            continue  # "3万" is read as Japanese below
        add(m.start(), m.end(), Number(base * scale, text=m.group(0)))
    for m in _JA_NUMBER.finditer(text):
        if re.search(r"\d|[万億兆]", m.group(0)) or len(m.group(0)) > 1:
            add(m.start(), m.end(), Number(_ja_value(m.group(0)), text=m.group(0)))
    unique: list[Number] = []
    for _, number in sorted(found, key=lambda item: item[0]):
        if not any(number.matches(seen) for seen in unique):
            unique.append(number)
    return unique
