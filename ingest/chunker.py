"""Packing whole sentences into chunks: exact spans of one language and one section."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.lines import LineIndex, strip_span
from ingest.records import Chunk, Document, Lang, Segment
from ingest.segmenter import segment_document
from ingest.sentences import ends_sentence, sentence_spans

# Headings and titles open the first chunk of their section: they often hold the very words
# a question uses ("Working Party of National Experts on ... (NESTI)").
_CHUNKED_KINDS = ("text", "caption", "footnote", "heading", "title")
_CLAUSE_END = re.compile(r"[、，,;；:：]\s*|\s+")


@dataclass(frozen=True)
class ChunkingParams:
    """Sizes in characters, per language: a Japanese character carries more than an English one
    (the `[chunking]` settings). Chosen by measurement on the dev set (eval/tuning_chunks.txt):
    a Japanese character carries about as much as two or three English ones."""

    target_ja: int = 250
    target_en: int = 600
    max_ja: int = 500
    max_en: int = 1200
    # The last sentence of a chunk opens the next one when it is at most this share of the target.
    overlap_share: float = 0.35
    min_chars: int = 8
    # A chunk ends with its paragraph once it holds `paragraph_close` of its target, where the
    # paragraph ends a sentence: on the public dev split the gold passage comes first more often
    # (Japanese 81.7% -> 85.3%, English 74.5% -> 78.2%); false switches back to packing across
    # paragraphs (README, "Chunks that end with their paragraph").
    end_at_paragraph: bool = True
    paragraph_close: float = 0.5

    def target(self, lang: Lang) -> int:
        return self.target_ja if lang == "ja" else self.target_en

    def maximum(self, lang: Lang) -> int:
        return self.max_ja if lang == "ja" else self.max_en


def _runs(segments: list[Segment]) -> list[list[int]]:
    """Indexes of consecutive segments that may share a chunk: same language, same section."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, seg in enumerate(segments):
        if seg.kind not in _CHUNKED_KINDS:
            current = []
            continue
        if current:
            last = segments[current[-1]]
            if (last.lang, last.title) != (seg.lang, seg.title) or i != current[-1] + 1 \
                    or (last.kind == "footnote") != (seg.kind == "footnote"):
                current = []
        if not current:
            runs.append(current)
        current.append(i)
    return runs


def _cut_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than `limit` at clause boundaries (、 , ; or spaces)."""
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        cut = max((m.end() for m in _CLAUSE_END.finditer(text, start, start + limit)
                   if m.end() > start + limit // 3), default=start + limit)
        pieces.append((start, cut))
        start, end = strip_span(text, cut, end)
    if start < end:
        pieces.append((start, end))
    return pieces


@dataclass(frozen=True)
class _Unit:
    """A sentence (or a piece of a long one), the paragraph (segment) it belongs to, and whether
    it ends a sentence (a paragraph a column or page cuts mid-sentence does not)."""

    start: int
    end: int
    paragraph: int
    closes: bool


def _units(doc: Document, segments: list[Segment], run: list[int], limit: int) -> list[_Unit]:
    units: list[_Unit] = []
    for i in run:
        seg = segments[i]
        for start, end in sentence_spans(seg.text):
            units.extend(_Unit(a, b, i, ends_sentence(doc.text[a:b])) for a, b in
                         _cut_long(doc.text, seg.start + start, seg.start + end, limit))
    return units


def _pack(units: list[_Unit], target: int, params: ChunkingParams) -> list[list[tuple[int, int]]]:
    """Consecutive sentences grouped up to `target` characters, each group one chunk; with
    `end_at_paragraph`, a group ends with its paragraph once it holds `paragraph_close` of the
    target, where the paragraph ends a sentence (not a heading, nor half a sentence that goes on
    in the next paragraph)."""
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    for unit in units:
        size = current[-1].end - current[0].start if current else 0
        full = current and unit.end - current[0].start > target
        paragraph_ends = current and params.end_at_paragraph and current[-1].closes \
            and unit.paragraph != current[-1].paragraph and size >= params.paragraph_close * target
        if full or paragraph_ends:
            chunks.append(current)
            last = current[-1]
            # A short last sentence opens the next chunk too (within its paragraph, when chunks
            # end with their paragraphs).
            keep = (last.end - last.start <= params.overlap_share * target
                    and (last.paragraph == unit.paragraph or not params.end_at_paragraph)
                    and unit.end - last.start <= target and len(current) > 1)
            current = [last] if keep else []
        current.append(unit)
    if current:
        chunks.append(current)
    return [[(u.start, u.end) for u in chunk] for chunk in chunks]


def _first_sentence(seg: Segment) -> str:
    spans = sentence_spans(seg.text)
    return seg.text[spans[0][0]:spans[0][1]] if spans else ""


def _last_sentence(seg: Segment) -> str:
    spans = sentence_spans(seg.text)
    return seg.text[spans[-1][0]:spans[-1][1]] if spans else ""


def chunk_segments(doc: Document, segments: list[Segment], params: ChunkingParams) -> list[Chunk]:
    lines = LineIndex(doc.text)
    continues_from = {seg.continued_by: i for i, seg in enumerate(segments)
                      if seg.continued_by is not None}
    chunks: list[Chunk] = []
    for run in _runs(segments):
        lang = segments[run[0]].lang
        units = _units(doc, segments, run, params.maximum(lang))
        for sentences in _pack(units, params.target(lang), params):
            start, end = sentences[0][0], sentences[-1][1]
            text = doc.text[start:end]
            if len("".join(text.split())) < params.min_chars:
                continue
            first = next(i for i in run if segments[i].end > start)
            last = next(i for i in reversed(run) if segments[i].start < end)
            before = after = ""
            # A sentence broken across a column: let the other half travel with this chunk.
            if first in continues_from and start == segments[first].start:
                before = _last_sentence(segments[continues_from[first]])
            nxt = segments[last].continued_by
            if nxt is not None and end == segments[last].end:
                after = _first_sentence(segments[nxt])
            chunks.append(Chunk(
                id=f"{doc.name}:{start}-{end}", doc=doc.name, start=start, end=end,
                line_start=lines.line_of(start), line_end=lines.line_of(end - 1), lang=lang,
                title=segments[run[0]].title, text=text, context_before=before,
                context_after=after, sentences=sentences,
            ))
    return chunks


def chunk_document(doc: Document, params: ChunkingParams) -> list[Chunk]:
    return chunk_segments(doc, segment_document(doc), params)
