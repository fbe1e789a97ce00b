"""What kind of answer a question asks for, in Japanese or English."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.lang import detect_lang
from ingest.records import Lang

Kind = Literal["how_many", "when", "where", "who", "what", "list", "other"]

_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    ("how_many", re.compile(
        r"\bhow (?:many|much|long|soon|often|large|big)\b|\bnumber of\b|\bwhat (?:percentage|share|proportion)"
        r"|何[人名件社校機関か国カ国ヶ国割倍回個]|いくつ|いくら|どのくらい|どれくらい|どれほど|何パーセント|数は",
        re.IGNORECASE)),
    ("when", re.compile(
        r"\bwhen\b|\bwhat (?:year|date|month|time)\b|\bwhich (?:year|month)\b|\bsince when\b"
        r"|いつ|何年|何月|何日|何時", re.IGNORECASE)),
    ("where", re.compile(
        r"\bwhere\b|\bin which (?:city|country|place)|\bwhich (?:city|country|place)\b|どこ|どの(?:国|都市|場所)",
        re.IGNORECASE)),
    ("who", re.compile(r"\bwho(?:m|se)?\b|誰|だれ|どなた|どの人", re.IGNORECASE)),
    ("list", re.compile(
        r"\bwhich (?:\w+ )?(?:universities|institutions|countries|organizations|partners|programs|fields)\b"
        r"|\bwhat are\b|\blist\b|どの(?:大学|機関|国々)|どのような.*(?:がありますか|ですか)",
        re.IGNORECASE)),
    ("what", re.compile(r"\bwhat\b|\bwhich\b|\bstand for\b|何|とは|なに", re.IGNORECASE)),
]


@dataclass(frozen=True)
class Question:
    text: str
    lang: Lang
    kind: Kind


def analyse(text: str) -> Question:
    kind: Kind = "other"
    for name, pattern in _PATTERNS:
        if pattern.search(text):
            kind = name
            break
    return Question(text, detect_lang(text), kind)


_YEAR = re.compile(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)|令和|平成|昭和|\bFY\b|年度?")
_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\b|\d+\s*月")
_QUANTITY = re.compile(r"\d|[一二三四五六七八九十百千万億]+\s*[人名件社校機関か国カ国ヶ国割倍回個%％]"
                       r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|"
                       r"million|half|dozen)\b", re.IGNORECASE)
_PLACE = re.compile(r"\b(?:in|at|to|from)\s+(?:the\s+)?[A-Z][a-z]+|[市県都府州国]|[ァ-ヶー]{2,}")
_PERSON = re.compile(r"\b(?:Dr|Mr|Ms|Mrs|Prof|President|Chair|Director|Minister|Ambassador)\b\.?"
                     r"|博士|会長|理事長|大臣|大使|氏|教授|[A-Z][a-z]+ [A-Z][a-z]+|[A-Z]{3,} [A-Z][a-z]+")


def fits_kind(kind: Kind, sentence: str) -> bool:
    """Whether a sentence holds the sort of thing the question asks for."""
    if kind == "how_many":
        without_years = re.sub(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)\s*年?", " ", sentence)
        return bool(_QUANTITY.search(without_years))
    if kind == "when":
        return bool(_YEAR.search(sentence) or _MONTH.search(sentence))
    if kind == "where":
        return bool(_PLACE.search(sentence))
    if kind == "who":
        return bool(_PERSON.search(sentence))
    return True
