"""Numbers as people write them in Japanese and English, reduced to comparable values.

2,000 = 2000 = ２０００ = 2千; 6割 = 60%; 3万3千 = 33,000; 1億 = 100 million; 令和4年 = 2022;
nine months = 9 months; 3月 = March. Each number also has a kind (year, month, percent or a
plain number), so that a claim's "1992" is compared with the evidence's years, not its counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from ingest.vocabulary import MONTHS

NumberKind = Literal["number", "year", "month", "percent"]

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                 "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867}
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12,
}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
# English months by their first three letters: "March" and "Mar." are both 3.
_MONTHS = {month[:3]: i for i, month in enumerate(MONTHS, start=1)}
_MONTH_WORDS = sorted({*MONTHS, *_MONTHS}, key=lambda word: (-len(word), word))

_NUMERAL = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_JA_NUMBER = re.compile(
    rf"(?:{_NUMERAL}|[〇零一二三四五六七八九十百千])+"
    rf"(?:\s*[万億兆千百十](?:{_NUMERAL}|[〇零一二三四五六七八九十百千])*)*"
)
_ERA_YEAR = re.compile(rf"({'|'.join(_ERAS)})\s*(元|\d+)\s*年")
_PERCENT = re.compile(rf"({_NUMERAL})\s*(?:%|percent\b|パーセント)")
_WARI = re.compile(r"(\d+(?:\.\d+)?|[一二三四五六七八九十])\s*割")
_JA_MONTH = re.compile(r"(?<![\d.])(\d{1,2})\s*月(?!間)")
_EN_MONTH = re.compile(rf"\b({'|'.join(_MONTH_WORDS)})\.?(?=\s|,|\d|$)", re.IGNORECASE)
_ENGLISH = re.compile(
    r"\b(?:(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + rf")|({_NUMERAL}))"
    r"(?:[\s-]+(" + "|".join(_SCALES) + r"))?\b", re.IGNORECASE)
# What follows a count, never a year: "2000 人", "2000 students"
# Japanese counters name what is counted: 50 件 (cases) is not 50 校 (schools). Those of one
# class (人 = 名, か国 = カ国) compare as one.
_JA_COUNTERS = {"人": "人", "名": "人", "件": "件", "社": "社", "校": "校", "機関": "機関", "か国": "国",
                "カ国": "国", "ヶ国": "国", "ケ国": "国", "回": "回", "個": "個", "倍": "倍"}
_JA_COUNTER = re.compile(r"\s*(" + "|".join(sorted(_JA_COUNTERS, key=len, reverse=True)) + ")")
_COUNTER_AFTER = re.compile(r"\s*(?:" + "|".join(_JA_COUNTERS) + r"|people|persons|students|"
                            r"researchers|participants|projects|institutions|organizations|times)",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Number:
    value: float
    kind: NumberKind = "number"
    text: str = ""
    counter: str = ""  # the class of its Japanese counter ("人" for 人 and 名), if it has one

    def comparable(self, other: Number) -> bool:
        """Of one kind (a bare 2000 may be a year or a count: those two compare), and not counting
        different things (50 件 against 50 校)."""
        same_kind = self.kind == other.kind or {self.kind, other.kind} == {"year", "number"}
        return same_kind and not (self.counter and other.counter and self.counter != other.counter)

    def matches(self, other: Number) -> bool:
        return self.comparable(other) and abs(self.value - other.value) <= 1e-9 * max(1.0, abs(self.value))


def missing_numbers(stated: list[Number], found: list[Number]) -> list[Number]:
    """The stated numbers that none of `found` matches (2,000 = ２０００ = 2千)."""
    return [n for n in stated if not any(n.matches(f) for f in found)]


def numbers_not_in(text: str, evidence: Iterable[str]) -> list[Number]:
    """The numbers `text` states that none of the `evidence` texts gives (each read on its own)."""
    return missing_numbers(extract_numbers(text), [n for part in evidence for n in extract_numbers(part)])


def _numeral(text: str) -> float:
    return float(text.replace(",", ""))


def _kanji_group(text: str) -> float:
    """Value of a run below 万: digits, kanji digits and 十/百/千 (三千五百 = 3500, 2千 = 2000)."""
    if re.fullmatch(_NUMERAL, text):
        return _numeral(text)
    total, current = 0.0, None
    for part in re.findall(rf"{_NUMERAL}|.", text):
        if part in _SMALL_UNITS:
            total += (current if current is not None else 1) * _SMALL_UNITS[part]
            current = None
        elif part in _KANJI_DIGITS:
            current = (current or 0) * 10 + _KANJI_DIGITS[part]
        else:
            current = _numeral(part)
    return total + (current or 0)


def _ja_value(text: str) -> float:
    total, rest = 0.0, text.replace(" ", "")
    for unit in ("兆", "億", "万"):
        if unit in rest:
            head, rest = rest.split(unit, 1)
            total += (_kanji_group(head) if head else 1) * _BIG_UNITS[unit]
    return total + (_kanji_group(rest) if rest else 0)


def _plain_kind(text: str, raw: str, value: float, end: int) -> NumberKind:
    """A four-digit number from 1800 to 2100 is a year unless it is written or used as a count."""
    if "," in raw or not value.is_integer() or not 1800 <= value <= 2100:
        return "number"
    return "number" if _COUNTER_AFTER.match(text, end) else "year"


def _counter(text: str, end: int) -> str:
    m = _JA_COUNTER.match(text, end)
    return _JA_COUNTERS[m.group(1)] if m else ""


def extract_numbers(text: str) -> list[Number]:
    """The numbers of a text, each once, in order of appearance."""
    return list(_numbers(text))


@lru_cache(maxsize=8192)  # a claim check reads the same evidence sentences many times over
def _numbers(text: str) -> tuple[Number, ...]:
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, Number]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, number: Number) -> None:
        if not any(a < end and start < b for a, b in taken):
            taken.append((start, end))
            found.append((start, number))

    for m in _ERA_YEAR.finditer(text):
        year = 1 if m.group(2) == "元" else int(m.group(2))
        add(m.start(), m.end(), Number(_ERAS[m.group(1)] + year, "year", m.group(0)))
    for m in _PERCENT.finditer(text):
        add(m.start(), m.end(), Number(_numeral(m.group(1)), "percent", m.group(0)))
    for m in _WARI.finditer(text):
        add(m.start(), m.end(), Number(_kanji_group(m.group(1)) * 10, "percent", m.group(0)))
    for m in _JA_MONTH.finditer(text):
        if 1 <= int(m.group(1)) <= 12:
            add(m.start(), m.end(), Number(int(m.group(1)), "month", m.group(0)))
    for m in _EN_MONTH.finditer(text):
        if m.group(0)[:1].isupper():  # "may" the verb is not May
            add(m.start(), m.end(), Number(_MONTHS[m.group(1)[:3].lower()], "month", m.group(0)))
    for m in _ENGLISH.finditer(text):
        following = text[m.end():m.end() + 1]
        if m.group(2) and following and following in "万億兆千百":
            continue  # "3万" is read as Japanese below
        if m.group(2):
            value = _numeral(m.group(2))
            kind = _plain_kind(text, m.group(2), value, m.end()) if not m.group(3) else "number"
        else:
            value, kind = float(_WORDS[m.group(1).lower()]), "number"
        scale = _SCALES[m.group(3).lower()] if m.group(3) else 1
        add(m.start(), m.end(), Number(value * scale, kind, m.group(0), _counter(text, m.end())))
    for m in _JA_NUMBER.finditer(text):
        if re.search(r"\d|[万億兆]", m.group(0)) or len(m.group(0)) > 1:
            value = _ja_value(m.group(0))
            kind = _plain_kind(text, m.group(0), value, m.end()) if m.group(0).isdigit() else "number"
            add(m.start(), m.end(), Number(value, kind, m.group(0), _counter(text, m.end())))
    unique: list[Number] = []
    for _, number in sorted(found, key=lambda item: item[0]):
        if not any(number.matches(seen) for seen in unique):
            unique.append(number)
    return tuple(unique)
