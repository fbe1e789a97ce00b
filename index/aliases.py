"""Acronyms and their spelled-out names, learned from the documents themselves.

A byline says "Japan International Science and Technology Exchange Center", a question says
"JISTEC". When the documents use an acronym and, somewhere, a capitalised name whose initials
spell it, passages holding the name get the acronym as an extra keyword, and so do their
parallel passages in Japanese, whose name (科学技術国際交流センター) no initials could match.
"""

from __future__ import annotations

import re

_ACRONYM = re.compile(r"\b[A-Z][A-Z&-]{2,9}\b")
_LINKING = frozenset({"and", "of", "for", "the", "on", "in", "&", "de", "du"})
_NAME = re.compile(r"\b[A-Z][A-Za-z-]*(?:\s+(?:and|of|for|the|on|in|&|[A-Z][A-Za-z-]*))+")


def _initials(name: str) -> str:
    return "".join(word[0].upper() for word in name.split() if word.lower() not in _LINKING)


def find_aliases(texts: list[str]) -> dict[str, str]:
    """Spelled-out name -> acronym, for acronyms the texts use.

    A name counts when the texts spell it out next to its acronym ("Human Frontier Science
    Program (HFSP)"), or when it is long enough (four words or more, no hyphens) for its
    initials not to match by chance.
    """
    joined = "\n".join(texts)
    acronyms = {a.replace("-", "").replace("&", "") for text in texts for a in _ACRONYM.findall(text)}
    aliases: dict[str, str] = {}
    for text in texts:
        for match in _NAME.finditer(text):
            words = match.group(0).split()
            # Every run of words that starts with a capital may be the full name.
            for i in range(len(words)):
                for j in range(len(words), i + 1, -1):
                    name = " ".join(words[i:j])
                    if words[i].lower() in _LINKING or words[j - 1].lower() in _LINKING:
                        continue
                    initials = _initials(name)
                    if len(initials) < 3 or initials not in acronyms:
                        continue
                    explicit = f"{name} ({initials})" in joined or f"{name}（{initials}）" in joined
                    if explicit or (len(initials) >= 4 and "-" not in name):
                        aliases.setdefault(name, initials)
    return aliases


def alias_tokens(text: str, aliases: dict[str, str]) -> list[str]:
    """The acronyms whose spelled-out names `text` holds, as lower-case keyword tokens."""
    return sorted({acronym.lower() for name, acronym in aliases.items() if name in text})
