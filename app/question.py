"""What kind of answer a question asks for, in Japanese or English."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.lang import detect_lang
from ingest.records import Lang

Kind = Literal["how_much", "how_many", "when", "where", "who", "why", "what", "other"]

_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    # Money first: "how much is the budget" wants an amount of money, not any number.
    # Lower case only: "COST" is an ASEAN committee, "cost" is money.
    ("how_much", re.compile(
        r"\b(?:budget|costs?|funding|fund|price|spend|spending|expenditure|contribution"
        r"|amount of money)\b"
        r"|予算|費用|経費|拠出|資金|金額|総額|建設費|いくら")),
    ("why", re.compile(r"\bwhy\b|\bfor what reason\b|\bwhat led\b|なぜ|どうして|理由", re.IGNORECASE)),
    ("how_many", re.compile(
        r"\bhow (?:many|much|long|soon|often|large|big)\b|\bnumber of\b"
        r"|\bwhat (?:percentage|share|proportion)|何[人名件社校機関か国カ国ヶ国割倍回個]"
        r"|何\s*(?:[ァ-ヶー]{2,}|時間|日間|年間|万|億)"
        r"|いくつ|いくら|どのくらい|どれくらい|どれほど|何パーセント|数は",
        re.IGNORECASE)),
    ("when", re.compile(
        r"\bwhen\b|\bwhat (?:year|date|month|time)\b|\bwhich (?:year|month)\b|\bsince when\b"
        r"|いつ|何年|何月|何日|何時", re.IGNORECASE)),
    ("where", re.compile(
        r"\bwhere\b|\bwhich (?:cit(?:y|ies)|countr(?:y|ies)|places?|regions?|locations?)\b"
        r"|どこ|どの(?:国|都市|場所|地域)",
        re.IGNORECASE)),
    ("who", re.compile(r"\bwho(?:m|se)?\b|誰|だれ|どなた|どの人", re.IGNORECASE)),
    ("what", re.compile(r"\bwhat\b|\bwhich\b|\bstand for\b|何|とは|なに", re.IGNORECASE)),
]


# Questions whose answer is several things: "which universities", "what are", "どの大学".
_MANY = re.compile(
    r"\b(?:which|what) (?:\w+ )?(?!(?:does|was|has|gas|this|its|is|his|yes|bus|status)\b)"
    r"\w{2,}(?:ies|[^su]s)\b|\bwhat are\b|\blist\b|どの(?:大学|機関|国々)|どのような|どんな", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    text: str
    lang: Lang
    kind: Kind
    many: bool = False  # the answer is a list of things


def analyse(text: str) -> Question:
    kind: Kind = "other"
    for name, pattern in _PATTERNS:
        if pattern.search(text):
            kind = name
            break
    return Question(text, detect_lang(text), kind, bool(_MANY.search(text)))


_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_YEAR = re.compile(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)|令和|平成|昭和|\bFY\b|\d+\s*年(?!間)")
_DAY = re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}\b|\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|\d+\s*月")
_QUANTITY = re.compile(r"\d|[一二三四五六七八九十百千万億]+\s*[人名件社校機関か国カ国ヶ国割倍回個%％]"
                       r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|"
                       r"million|half|dozen)\b", re.IGNORECASE)
# Countries, regions and cities that documents on Japan's international exchange name.
_PLACES_EN = (
    "Japan|China|Korea|India|U\\.S\\.|United States|America|EU|Europe|Russia|France|Germany|UK|"
    "United Kingdom|Britain|Italy|Canada|Australia|Thailand|Vietnam|Philippines|Indonesia|Malaysia|"
    "Singapore|Taiwan|Oman|Egypt|Nepal|Africa|Asia|Brazil|Mexico|Poland|Finland|Netherlands|"
    "Switzerland|Sweden|Spain|Israel|Turkey|Chile|Argentina|Kenya|Tokyo|Beijing|Brussels|Paris|"
    "London|Washington|Geneva|Manila|Bangkok|Delhi|Hyderabad|Muscat|Barcelona|Kanazawa|Osaka|Kyoto"
)
_PLACE = re.compile(
    rf"\b(?:in|at)\s+\(?(?:the\s+)?(?!{_MONTHS}\b|In\b|Addition\b|Particular\b|Order\b)[A-Z][a-z]+"
    rf"|\b(?:{_PLACES_EN})\b|[市県都府州]|[ァ-ヶー]{{3,}}"
    r"|北京|東京|大阪|京都|台湾|中国|韓国|米国|英国|欧州|日本|印度|独国|仏国|露国")
_PERSON = re.compile(r"\b(?:Dr|Mr|Ms|Mrs|Prof|Professor|President|Chair|Chairperson|Director|Minister|"
                     r"Ambassador|CEO|Secretary|Senior Researcher|Fellow)\b\.?"
                     r"|博士|会長|理事長|大臣|大使|氏|教授|部長|室長|研究員|[A-Z]{3,} [A-Z]{3,}")
# A role with a name: "Chair of Board of Directors, Okimura Kazuki", "会長 相澤 益男", "Dr. Karikó".
_NAMED_PERSON = re.compile(
    r"\b(?:Dr|Mr|Ms|Mrs|Prof)\.?\s+[A-Z][a-z]+"
    r"|\b(?:President|Chair\w*|Director|Minister|Ambassador|CEO|Fellow|Researcher|Professor)\b"
    r"[^.\n]{0,40}?,\s*[A-Z][A-Za-z]+ [A-Z][A-Za-z]+"
    r"|(?:会長|理事長|理事|大使|教授|部長|室長|研究員|総理|大臣)\s*[一-龥]{1,3}\s+[一-龥ぁ-んァ-ヶ]{1,4}"
    r"|[一-龥]{1,3}(?:博士|氏|総理)")
# Words for something beginning: a "when did it start" question is answered by any of them.
_STARTS = re.compile(r"始ま|発足|開始|創設|設立|創立|スタート|\bstart|\blaunch|\bestablish"
                     r"|\bfound(?:ed|ing)\b|\binaugurat|\bbegan\b|\bbegin", re.IGNORECASE)
_MONEY = re.compile(r"\d[\d,.]*\s*(?:円|万円|億円|兆円|ドル|ユーロ|yen|dollars?|euros?"
                    r"|million yen|billion yen)|[$€¥￥]\s*\d|\bUSD\b|\bJPY\b", re.IGNORECASE)
_REASON = re.compile(r"ため|ので|から|により|によって|契機|理由|because|due to|in order to|so that|"
                     r"to respond|inspired|as a result|aim", re.IGNORECASE)
_ASKS_NAME = re.compile(r"\bname\b|\bcalled\b|\bknown as\b|名前|名称|愛称|呼ばれ", re.IGNORECASE)
_GIVES_NAME = re.compile(r"\bknown as\b|\bcalled\b|\bnamed\b|“|「|『|\"")
_COUNTED_EN = re.compile(
    r"\bhow many (?:\w+ ){0,2}?(\w+?)s?\b(?: do| does| did| are| were| have| has| will|\?|$)",
    re.IGNORECASE)
_COUNTER_JA = re.compile(r"何\s*(名|人|機関|件|社|校|か国|カ国|ヶ国|回|個|倍|割)")
_SAME_COUNTER = {"名": "名人", "人": "名人"}

# Kinds whose answer has a recognisable shape; a sentence without it is poor evidence.
SHAPED_KINDS = frozenset({"how_much", "how_many", "when", "where", "who"})
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&-]{1,9}\b")


def acronyms(text: str) -> list[str]:
    return [a for a in _ACRONYM.findall(text) if not a.isdigit()]


def _defined_acronyms(question: str) -> list[str]:
    """The acronyms a question asks to spell out: "What is X?", "X stand for", "Xとは"."""
    return [a for a in acronyms(question) if re.search(
        rf"\bwhat (?:is|are|was|does) (?:the )?{re.escape(a)}\b|{re.escape(a)}\W+stand for|"
        rf"{re.escape(a)}\s*(?:とは|って|は何|の略|の正式)", question, re.IGNORECASE)]


def defines(sentence: str, question: str) -> bool:
    """For "what is X?": the sentence spells out the acronym X, as in "... Indicators (NESTI)"."""
    return any(f"({a})" in sentence or f"（{a}）" in sentence for a in _defined_acronyms(question))


def _without_given(sentence: str, question: str, names: bool = True) -> str:
    """The sentence less what the question itself states: its numbers ("in 2022 ..." answers no
    "when") and its names ("the Science Council of Asia" answers no "where")."""
    for number in set(re.findall(r"\d{3,}", question)):
        sentence = re.sub(rf"(?<!\d){number}(?!\d)", " ", sentence)
    for word in set(re.findall(r"[A-Za-z]{3,}", question)) if names else ():
        sentence = re.sub(rf"\b{word}\b", " ", sentence, flags=re.IGNORECASE)
    return sentence


def fit(question: Question, sentence: str) -> int:
    """How well a sentence has the shape of the answer: 0 not at all, 1 roughly, 2 exactly."""
    kind = question.kind
    # Counting keeps the question's nouns ("73,000 researchers"); places and people drop them.
    text = _without_given(sentence, question.text, names=kind not in ("how_many", "how_much"))
    if defines(sentence, question.text):
        return 2
    if _ASKS_NAME.search(question.text) and _GIVES_NAME.search(sentence):
        return 2
    if kind == "how_much":
        return 2 if _MONEY.search(text) else 0
    if kind == "why":
        return 2 if _REASON.search(text) else 1
    if kind == "how_many":
        # Years, dates and names with numbers (COVID-19, RD20) are not quantities.
        without_years = re.sub(r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)\s*年?|\d+\s*[月日]|[A-Za-z]+-?\d+|"
                               rf"{_MONTHS}\s+\d{{1,2}}\b", " ", text)
        if not _QUANTITY.search(without_years):
            return 0
        counted = _COUNTED_EN.search(question.text)
        if counted:
            noun = re.escape(counted.group(1))
            # "73,000 researchers" or "researchers ... stood at more than 73,000"
            if re.search(rf"\d[\d,.]*\s+(?:\w+\s+){{0,3}}?{noun}|\b{noun}\w*\W+(?:\w+\W+){{0,6}}?\d",
                         without_years, re.IGNORECASE):
                return 2
        counter = _COUNTER_JA.search(question.text)
        if counter:
            units = _SAME_COUNTER.get(counter.group(1), counter.group(1))
            counted = rf"[\d一二三四五六七八九十百千万]\s*(?:[{units}]|{counter.group(1)})"
            if re.search(counted, without_years):
                return 2
        return 1
    if kind == "when":
        if not (_YEAR.search(text) or _DAY.search(text)):
            return 0
        if _STARTS.search(question.text):
            return 2 if _STARTS.search(sentence) else 1
        return 2 if _DAY.search(text) else 1
    if kind == "where":
        return 1 if _PLACE.search(text) else 0
    if kind == "who":
        if _NAMED_PERSON.search(text):
            return 2
        return 1 if _PERSON.search(text) else 0
    return 1

