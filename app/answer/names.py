"""Places and organisations a statement names, the same in Japanese and English.

A small bilingual gazetteer (the countries, regions and cities of Japan's science and technology
exchange): 「ドイツ」 and "Germany" are one name of kind "country", so a Japanese claim can be held
against an English sentence, and a claim's "Germany" where the sources say "Japan" is a swapped
name of the same kind, not a detail the sources leave out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# kind -> canonical English name -> other spellings (English and Japanese)
_GAZETTEER: dict[str, dict[str, tuple[str, ...]]] = {
    "country": {
        "Japan": ("日本", "わが国", "我が国", "Japanese"),
        "United States": ("U.S.", "US", "USA", "United States of America", "America", "米国", "アメリカ",
                          "合衆国"),
        "Germany": ("ドイツ",), "France": ("フランス",),
        "United Kingdom": ("UK", "U.K.", "Britain", "英国", "イギリス"),
        "Canada": ("カナダ",), "Russia": ("ロシア",), "China": ("中国", "Chinese", "中華人民共和国"),
        "Korea": ("South Korea", "Republic of Korea", "韓国", "Korean", "大韓民国"),
        "India": ("インド", "Indian"), "Italy": ("イタリア",), "Australia": ("オーストラリア", "豪州"),
        "New Zealand": ("ニュージーランド",), "Norway": ("ノルウェー",), "Switzerland": ("スイス",),
        "Brazil": ("ブラジル",), "Egypt": ("エジプト",), "Oman": ("オマーン",), "Thailand": ("タイ",),
        "Laos": ("ラオス",), "Israel": ("イスラエル",), "Chile": ("チリ",),
        "Singapore": ("シンガポール",), "Spain": ("スペイン",), "Sweden": ("スウェーデン",),
        "Netherlands": ("オランダ",), "Poland": ("ポーランド",), "Hungary": ("ハンガリー",),
        "Finland": ("フィンランド",), "Mexico": ("メキシコ",), "Indonesia": ("インドネシア",),
        "Vietnam": ("ベトナム",), "Philippines": ("フィリピン",), "Taiwan": ("台湾",),
        "Malaysia": ("マレーシア",), "Mongolia": ("モンゴル",), "Nepal": ("ネパール",),
        "South Africa": ("南アフリカ",), "Turkey": ("トルコ",), "Argentina": ("アルゼンチン",),
        "Czech Republic": ("チェコ",), "Austria": ("オーストリア",), "Belgium": ("ベルギー",),
        "Denmark": ("デンマーク",), "Portugal": ("ポルトガル",), "Ukraine": ("ウクライナ",),
        "Saudi Arabia": ("サウジアラビア",), "Peru": ("ペルー",), "Kenya": ("ケニア",),
    },
    "region": {
        "Europe": ("EU", "European Union", "欧州", "ヨーロッパ", "European"),
        "Africa": ("アフリカ", "African"), "Asia": ("アジア", "Asian"),
        "Middle East": ("中東",), "North America": ("北米",), "South America": ("南米",),
    },
    "city": {
        "Tokyo": ("東京",), "Kyoto": ("京都",), "Osaka": ("大阪",), "Tsukuba": ("つくば", "筑波"),
        "Kanazawa": ("金沢",), "Nagoya": ("名古屋",), "Paris": ("パリ",), "Barcelona": ("バルセロナ",),
        "Madrid": ("マドリード", "マドリッド"), "New York": ("ニューヨーク",), "London": ("ロンドン",),
        "Venice": ("ベネチア", "ヴェネツィア", "ベニス"), "Krabi": ("クラビ",),
        "Vientiane": ("ビエンチャン", "ヴィエンチャン"), "Toronto": ("トロント",),
        "Muskoka": ("ムスコカ",), "Geneva": ("ジュネーブ",), "Washington": ("ワシントン",),
        "Beijing": ("北京",), "Seoul": ("ソウル",), "New Delhi": ("ニューデリー", "Delhi", "デリー"),
        "Berlin": ("ベルリン",), "Rome": ("ローマ",), "Bangkok": ("バンコク",),
        "Deauville": ("ドーヴィル", "ドービル"), "L'Aquila": ("ラクイラ",), "Duqm": ("ドゥクム",),
        "Hyderabad": ("ハイデラバード",), "Bombay": ("ボンベイ", "Mumbai", "ムンバイ"),
    },
}


@dataclass(frozen=True)
class Name:
    canonical: str
    kind: str
    text: str  # as written


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# Latin spellings are whole words; katakana ones are not part of a longer katakana word (タイ is
# Thailand, タイムズ is not); the others (kanji) match anywhere.
_LATIN, _KATAKANA = "A-Za-z", "ァ-ヶー"


def _script(spelling: str) -> str:
    """The script class a spelling begins with, "" for any other (kanji)."""
    for script in (_LATIN, _KATAKANA):
        if re.match(rf"[{script}]", spelling):
            return script
    return ""


def _trie(spellings: list[str]) -> str:
    """One pattern matching any of `spellings` (lower-cased, for IGNORECASE), as a trie: the
    engine follows one branch per character instead of trying every spelling at every position
    (a flat alternation of the ~700 spellings took half a millisecond a sentence). Its optional
    tails are greedy, so a longer spelling is tried before its prefix ("South Korea" before
    "South")."""
    root: dict = {}
    for spelling in spellings:
        node = root
        for ch in spelling:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return pattern(root)


def _compile() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One pattern for every spelling, and what each spelling names."""
    spellings: dict[str, tuple[str, str]] = {}
    for kind, names in _GAZETTEER.items():
        for canonical, others in names.items():
            for spelling in (canonical, *others):
                spellings[_fold(spelling)] = (canonical, kind)
    parts = []
    for script in (_LATIN, _KATAKANA, ""):
        trie = _trie(sorted({s.lower() for s in spellings if _script(s) == script}))
        parts.append(rf"(?<![{script}]){trie}(?![{script}])" if script else trie)
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE), \
        {s.lower(): v for s, v in spellings.items()}


_PATTERN, _SPELLINGS = _compile()


@lru_cache(maxsize=8192)
def _names(text: str) -> tuple[Name, ...]:
    found: dict[str, Name] = {}
    for m in _PATTERN.finditer(_fold(text)):
        written = m.group(0)
        if written.lower() == "us" and written != "US":
            continue  # "us" the pronoun is not the U.S.
        canonical, kind = _SPELLINGS[written.lower()]
        found.setdefault(canonical, Name(canonical, kind, written))
    return tuple(found.values())


def names_in(text: str) -> list[Name]:
    """The gazetteer's names in `text`, each canonical name once, in order of appearance."""
    return list(_names(text))


def spelled(name: Name, lang: str) -> str:
    """The name as a reason in `lang` writes it."""
    if lang == "ja":
        for kind_names in _GAZETTEER.values():
            for spelling in kind_names.get(name.canonical, ()):
                if not re.match(r"[A-Za-z]", spelling):
                    return spelling
        return name.text
    return {"United States": "the U.S.", "United Kingdom": "the UK"}.get(name.canonical, name.canonical)
