"""Keyword tokens for Japanese and English: the words BM25 matches on.

Japanese has no spaces, so a whitespace or `\\w+` tokenizer turns a Japanese sentence into
one token and every Japanese query scores 0. MeCab (fugashi) with the UniDic dictionary in
`unidic-lite` cuts it into words offline; Latin words pass through it as they are.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import fugashi

from ingest.vocabulary import MONTHS

# Parts of speech that carry no topic: particles, auxiliaries, symbols, blanks, pronouns.
_SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白", "代名詞", "接続詞", "感動詞"})
_JA_STOPWORDS = frozenset(
    "ある いる する なる れる られる こと もの よう ため これ それ あれ どれ どこ いつ "
    "何 なに 誰 どの どう どんな いくつ いくら ます です さん 等 など"
    .split()
)
_EN_STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as into about over under than then is are "
    "was were be been being am do does did done has have had having will would shall should can could "
    "may might must it its this that these those there their they them he she his her we our you your "
    "i me my what which who whom whose when where why how many much not no yes so such also any all "
    "each some more most other s"
    .split()
)
_INFLECTED_POS = frozenset({"動詞", "形容詞"})
# The last kana of a godan verb's dictionary form -> that of its stem (連用形): 始まる -> 始まり.
_GODAN_STEM = dict(zip("うくぐすつぬぶむる", "いきぎしちにびみり", strict=True))


def _noun_form(lemma: str, conjugation: str) -> str:
    if conjugation.startswith("五段") and lemma[-1:] in _GODAN_STEM:
        return lemma[:-1] + _GODAN_STEM[lemma[-1]]
    if conjugation.startswith(("上一段", "下一段")) and lemma.endswith("る"):
        return lemma[:-1]
    return lemma
# Light verbs (ある, する, いる, なる) are in every sentence and say nothing of its topic.
_LIGHT_VERBS = frozenset({"有る", "為る", "居る", "成る"})
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,，](?=\d{3})")
_LATIN_WORD = re.compile(r"^[a-z0-9][a-z0-9&.+'-]*$")


# Month names folded into their abbreviations, "September" and "Sept" into "sep".
_MONTHS = {month: month[:3] for month in MONTHS if month != month[:3]}
_MONTHS["sept"] = "sep"
# A question about "German institutions" is answered by a sentence about Germany.
_DEMONYMS = {
    "german": "germany", "french": "france", "japanese": "japan", "indian": "india",
    "chinese": "china", "korean": "korea", "american": "america", "british": "britain",
    "italian": "italy", "russian": "russia", "thai": "thailand", "vietnamese": "vietnam",
    "african": "africa", "asian": "asia", "european": "europe", "omani": "oman",
    "egyptian": "egypt", "polish": "poland", "finnish": "finland", "dutch": "netherlands",
    "canadian": "canada", "australian": "australia", "taiwanese": "taiwan", "nepalese": "nepal",
    "indonesian": "indonesia", "philippine": "philippines", "filipino": "philippines",
}


def _stem(word: str) -> str:
    """A light English folding: programs -> program, Japan's -> japan, June -> jun."""
    if word.endswith("'s"):
        word = word[:-2]
    if word in _MONTHS:
        return _MONTHS[word]
    if word in _DEMONYMS:
        return _DEMONYMS[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class KeywordTokenizer:
    """NFKC, lower case, MeCab words, stop words out.

    MeCab's tagger is not safe to share between threads (the web app answers two questions at
    once), so each thread gets its own, loaded on first use.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def _tagger(self) -> fugashi.Tagger:
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            tagger = self._local.tagger = fugashi.Tagger()
        return tagger

    def tokenize(self, text: str) -> list[str]:
        normal = _DIGIT_GROUPS.sub("", unicodedata.normalize("NFKC", text).lower())
        tokens: list[str] = []
        for word in self._tagger(normal):
            surface = word.surface
            pos = word.feature.pos1
            if pos in _SKIPPED_POS or not surface.strip() \
                    or (pos == "動詞" and word.feature.lemma in _LIGHT_VERBS):
                continue
            if _LATIN_WORD.match(surface):
                surface = surface.strip(".'-")
                if surface in _EN_STOPWORDS:
                    continue
                surface = _stem(surface)
                if not surface or surface in _EN_STOPWORDS:
                    continue
            elif surface in _JA_STOPWORDS or re.fullmatch(r"[\u3040-\u309f]", surface):
                continue
            elif pos in _INFLECTED_POS and word.feature.lemma:
                # 受入れ (verb) and 受け入れ (noun), 始まっ and 始まり: the stem form that
                # nouns are made from joins spellings and parts of speech.
                surface = _noun_form(word.feature.lemma.split("-")[0], word.feature.cType or "")
            tokens.append(surface)
        return tokens
