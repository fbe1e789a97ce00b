"""A pasted text cut into what can be checked and what cannot, with exact offsets into it.

A draft brief or a chatbot's answer carries more than statements: headings, list markers, page
numbers, reference lists and citation markers ("[3]", "(JISTEC Report, 2022)", "¹"). Those are
kept in place (their spans are reported) but never checked: a citation's year is not a claim.
Each sentence is a `Piece` whose `text(source)` is exactly `source[start:end]`; the statement
checked (`claim`) is that text without the markers inside it. Questions and opinions are
sentences too, marked as such: no source can confirm them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

from ingest.lang import has_japanese
from ingest.lines import strip_span
from ingest.sentences import TERMINAL_CHARS, sentence_spans
from ingest.vocabulary import MONTHS

Kind = Literal["claim", "question", "opinion", "remark", "heading", "list_marker", "citation",
               "reference", "number"]
# Sentences: a claim is checked; a question, an opinion or a remark ("Sure!", "Please see …") is
# shown as not a claim.
SENTENCE_KINDS = ("claim", "question", "opinion", "remark")

_DIGIT = "0-9０-９"
# "# Heading" (Markdown), the whole line.
_MARKDOWN_HEADING = re.compile(r"[ \t]{0,3}#{1,6}[ \t]")
# "- ", "* ", "• ", "・", "1. ", "1)", "(1)", "（１）", "①", "a) " at the start of a line.
_LIST_MARKER = re.compile(
    rf"[ \t]*(?:(?:[-*+–—]|[a-zA-Z][)）])[ \t]+|(?:[•・●○◦▪■□◆◇▶►①-⑳]|[{_DIGIT}]{{1,3}}[.)．）]"
    rf"|[(（][{_DIGIT}]{{1,3}}[)）])[ \t\u3000]*)")
# A line of nothing but numbers and punctuation: page numbers, "- 3 -", "2/14".
_BARE_NUMBER = re.compile(rf"[\s{_DIGIT}.,:/()\[\]（）\-–—]*[{_DIGIT}][\s{_DIGIT}.,:/()\[\]（）\-–—]*")
_PAGE_NUMBER = re.compile(
    rf"(?:p\.|page|pp\.)\s*[{_DIGIT}]+(?:\s*[-–]\s*[{_DIGIT}]+)?|[{_DIGIT}]+\s*(?:ページ|頁)", re.IGNORECASE)
# A date ("June 1", "Jan. 5"): the month names' three-letter stems, from the one vocabulary.
_MONTHS = rf"(?:{'|'.join(month[:3] for month in MONTHS)})[a-z]*\.?\s+[0-9]"
# Citation markers inside prose.
_CITATION = re.compile(
    "|".join((
        rf"\[\^?[{_DIGIT}]{{1,3}}(?:\s*[,，、\-–]\s*[{_DIGIT}]{{1,3}})*\]",  # [3], [3, 4], [2-5], [^3]
        r"\[\^[^\]\s]{1,20}\]",  # [^note]
        r"(?<![0-9m])[¹²³⁴⁵⁶⁷⁸⁹⁰]+",  # superscript footnote numbers (not 10³, not km²)
        rf"(?<![0-9])(?:※|\*|†|‡)[{_DIGIT}]{{1,3}}(?![{_DIGIT}*])",  # ※1, *2 (not 3*4, not *1917*)
        rf"[(（]注[{_DIGIT}]{{1,3}}[)）]",  # （注1）
        # (Author, 2022), (JISTEC Report, 2022, p. 4), (Smith et al. 2020), （文部科学省、2021）: at
        # the end of a sentence (a date in brackets, "(June 1, 1987)", is part of the claim)
        rf"[(（](?!{_MONTHS})[^()（）\n]{{1,80}}?(?:[,，、;；]|et al\.)\s*(?:19|20)[0-9]{{2}}[a-z]?"
        rf"(?:\s*[,，:：]\s*(?:pp?\.\s*)?[{_DIGIT}]+(?:[-–][{_DIGIT}]+)?)?[)）]"
        rf"(?=\s*(?:[.。!?！？]|\[|$))",
        # (Source: ...), （出典：...）
        r"[(（](?:sources?|see|cf\.|出典|参考|参照)\s*[:：]?[^()（）\n]{1,120}[)）]",
    )),
    re.IGNORECASE,
)
# A reference list entry: a line that starts with its marker ("[3] JISTEC Report, 2022.").
_REFERENCE_LINE = re.compile(
    rf"[ \t]*(?:\[\^?[^\]\s]{{1,20}}\]:?|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|(?:※|注)[{_DIGIT}]{{1,3}}[:：.]?)\s")

# What follows a closed quotation when the sentence goes on: 「…」と述べた, 「…」という, 「…」とした.
_QUOTE_CONTINUES = re.compile(r"(?:と|って|とい|との|など|も|が|を|は)")
# Statements of belief, wish or advice: nothing a source can confirm.
_OPINION = re.compile(
    "|".join((
        r"\b(?:I|we)\s+(?:(?:do\s+|strongly\s+|firmly\s+)?(?:believe|think|feel|hope|expect|suggest|"
        r"recommend|argue|propose|consider|wish)|would\s+like)\b",
        r"\bin\s+(?:my|our)\s+(?:view|opinion)\b",
        r"\b(?:should|ought\s+to)\b",
        r"\b(?:hopefully|arguably|undoubtedly|in\s+my\s+mind)\b",
        r"\bit\s+(?:is|would\s+be)\s+(?:important|essential|crucial|vital|necessary|desirable|"
        r"regrettable)\s+(?:to|that)\b",
        r"と(?:思|考え|感じ|信じ)(?:う|い|る|て|ま)",
        r"(?<!特筆す)(?<!注目す)(?<!驚く)(?<!恐る)べき",
        r"(?:を|と|に)(?:期待|希望)(?:する|します|したい|している|しています)",
        r"(?:し|い|行き|進め)たい(?:と|です|。|$)",
        r"(?:重要|大切|必要)(?:だ|です|である)と",
    )),
    re.IGNORECASE,
)
# A remark to the reader: a request or a pointer ("Please …", "Let me know …", "See … for
# details", 「ご覧ください」), not a fact.
_REMARK = re.compile(
    r"^(?:please|let\s+(?:me|us)|feel\s+free|see|refer\s+to|visit|contact|click|thank)\b"
    r"|(?:ください|下さい|しましょう|ましょう)[。！!]?\s*$", re.IGNORECASE)
_JA_CHAR = r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]"
_SPACE_IN_JAPANESE = re.compile(rf"(?<={_JA_CHAR})\s+(?={_JA_CHAR})")
# Markdown emphasis and code marks: formatting, not words of the claim.
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`")
# A question: a question mark, or a Japanese sentence ending in か.
_QUESTION = re.compile(r"[?？]\s*$|(?:か|のか|でしょうか|ですか|ますか)[。．]?\s*$")


@dataclass(frozen=True)
class Piece:
    """A span of the input: a sentence (checked or marked not a claim) or something skipped."""

    start: int
    end: int
    kind: Kind
    markers: tuple[tuple[int, int], ...] = field(default=())  # citation markers inside it

    def text(self, source: str) -> str:
        return source[self.start:self.end]

    @property
    def is_sentence(self) -> bool:
        return self.kind in SENTENCE_KINDS


def claim_text(source: str, piece: Piece) -> str:
    """The sentence as checked: its citation markers left out, white space made single."""
    parts, pos = [], piece.start
    for start, end in piece.markers:
        parts.append(source[pos:start])
        pos = end
    parts.append(source[pos:piece.end])
    text = " ".join(_EMPHASIS.sub("", "".join(parts)).split())
    text = _SPACE_IN_JAPANESE.sub("", text)  # a Japanese sentence wrapped over lines
    return re.sub(r"\s+([.,;:!?。、，．])", r"\1", text)  # "in 2019 [3]." -> "in 2019."


def split_text(source: str) -> list[Piece]:
    """Every piece of `source`, in order, without overlap; white space belongs to none."""
    masked = list(source)
    skipped: list[Piece] = []

    def skip(start: int, end: int, kind: Kind) -> None:
        while start < end and source[start].isspace():
            start += 1
        while end > start and source[end - 1].isspace():
            end -= 1
        if start < end:
            skipped.append(Piece(start, end, kind))
            masked[start:end] = " " * (end - start)

    lines = _lines(source)
    for i, (start, end) in enumerate(lines):
        line = source[start:end]
        if not line.strip():
            continue
        if _BARE_NUMBER.fullmatch(line) or _PAGE_NUMBER.fullmatch(line.strip()):
            skip(start, end, "number")
        elif _MARKDOWN_HEADING.match(line) or _is_heading(line, lines, i, source):
            skip(start, end, "heading")
        elif (reference := _REFERENCE_LINE.match(line)) and reference.end() < len(line):
            skip(start, end, "reference")
        elif (marker := _LIST_MARKER.match(line)) and marker.end() < len(line) \
                and not _is_number_start(line, marker.end()):
            skip(start, start + marker.end(), "list_marker")
    markers: list[tuple[int, int]] = []
    for match in _CITATION.finditer(source):
        if any(p.start <= match.start() < p.end for p in skipped if p.kind != "list_marker"):
            continue  # inside a heading or a reference line, skipped whole
        markers.append((match.start(), match.end()))
        masked[match.start():match.end()] = " " * (match.end() - match.start())
    _join_wrapped_lines(masked, lines, skipped)
    masked_text = "".join(masked)
    pieces: list[Piece] = []
    spans = _join_quotations(sentence_spans(masked_text), masked_text)
    for start, end in _cut_at(spans, skipped, masked_text):
        inside = tuple((a, b) for a, b in markers if start <= a and b <= end)
        piece = Piece(start, end, "claim", inside)
        pieces.append(Piece(start, end, _sentence_kind(claim_text(source, piece)), inside))
    covered = [(p.start, p.end) for p in pieces]
    for a, b in markers:
        if not any(s <= a and b <= e for s, e in covered):
            skipped.append(Piece(a, b, "citation"))
    return sorted(pieces + skipped, key=lambda p: p.start)


def _join_quotations(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """A quotation that ends with its own full stop is part of the sentence that reports it:
    「…重要だ。」と述べた。 is one sentence, not 「…重要だ。」 and と述べた。."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and text[out[-1][1] - 1] in "」』" and _QUOTE_CONTINUES.match(text, start):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _cut_at(spans: list[tuple[int, int]], skipped: list[Piece], text: str) -> list[tuple[int, int]]:
    """Sentences cut where a skipped piece lies inside them: a sentence wrapped over lines does not
    run on across a heading or a reference line that stood between its lines."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        for piece in sorted((p for p in skipped if start < p.start < end), key=lambda p: p.start):
            out.append(strip_span(text, start, piece.start))
            start = max(start, piece.end)
        out.append(strip_span(text, start, end))
    return [(a, b) for a, b in out if a < b]


def _join_wrapped_lines(masked: list[str], lines: list[tuple[int, int]], skipped: list[Piece]) -> None:
    """Line breaks inside a sentence (text pasted from a PDF or an e-mail) become spaces: a line
    that does not end a sentence goes on into the next one, unless that one is blank, a heading,
    a reference or a list item."""
    starts_apart = {p.start for p in skipped} | {lines[0][0]}
    for (a, b), (c, d) in itertools.pairwise(lines):
        line, following = "".join(masked[a:b]).rstrip(), "".join(masked[c:d])
        begins = c + len(following) - len(following.lstrip())
        if not line.strip() or not following.strip() or begins in starts_apart:
            continue
        if any(p.start <= begins < p.end for p in skipped):
            continue
        if line[-1] not in TERMINAL_CHARS:
            masked[b] = " "  # the newline between them


def _lines(source: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in source.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _is_number_start(line: str, marker_end: int) -> bool:
    """"2019. The year ..." is a sentence, not a list item numbered 2019 (markers have 1-3 digits,
    but "10. 5 million" style runs need a word after them)."""
    rest = line[marker_end:]
    return bool(rest) and rest[0] in "0123456789０１２３４５６７８９"


def _is_heading(line: str, lines: list[tuple[int, int]], i: int, source: str) -> bool:
    """A short line without a sentence's end, with more text after it: a title, not a claim.
    A line ending in a colon ("Key findings:") introduces what follows."""
    stripped = line.strip()
    later = any(source[a:b].strip() for a, b in lines[i + 1:])
    marker = _LIST_MARKER.match(line)
    if not later or (marker is not None and marker.end() < len(line)):
        return False
    if stripped[-1] in ":：" and len(stripped) <= 60:
        return True
    if stripped[-1] in TERMINAL_CHARS or _QUESTION.search(stripped):
        return False
    # A title stands alone; a short line inside a paragraph is prose wrapped by hand.
    before_blank = i == 0 or not source[lines[i - 1][0]:lines[i - 1][1]].strip()
    after_blank = i + 1 < len(lines) and not source[lines[i + 1][0]:lines[i + 1][1]].strip()
    if not (before_blank and after_blank):
        return False
    if has_japanese(stripped):
        return len(stripped) <= 30
    words = stripped.split()
    capitalised = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    return len(words) <= 4 or (len(words) <= 12 and capitalised >= 0.7 * len(words))


def _sentence_kind(claim: str) -> Kind:
    if _QUESTION.search(claim):
        return "question"
    # Advice or belief, unless it gives a figure: "members should pay 10% of the budget" and "it
    # is important to note that HFSP was founded in 1989" state something the sources can hold.
    if _OPINION.search(claim) and not re.search(r"[0-9０-９]", claim):
        return "opinion"
    if _REMARK.search(claim) or _is_fragment(claim):
        return "remark"
    return "claim"


def _is_fragment(claim: str) -> bool:
    """"Yes.", "Great!", 「はい。」: one word (four characters in Japanese) and no figure."""
    if re.search(r"[0-9０-９]", claim):
        return False
    if has_japanese(claim):
        return len(claim.rstrip("。！？!?")) <= 4
    return len(claim.split()) < 2
