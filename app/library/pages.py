"""Page numbers on what the service answers with: every span of a paged document gets its pages.

The answer and claim logic works on offsets only; the service adds the pages here, from where
each page starts in the document's text (`documents.json`), so that `ask --json`,
`check --json`, the CLI listing and the source cards all carry the same `page` / `page_end`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from app.records import Answer, Citation, RetrievedPassage, Span, Verdict
from ingest.pages import page_range

PageStarts = Mapping[str, Sequence[int]]  # document -> where each of its pages starts
T = TypeVar("T", Answer, Verdict)


def page_label(page: int | None, page_end: int | None, lang: str = "en", dash: str = "–") -> str:
    """How a span's pages are shown: "p. 3", "pp. 3–4" ("3ページ", "3–4ページ"); "" without pages."""
    if page is None:
        return ""
    one = page_end in (None, page)
    pages = str(page) if one else f"{page}{dash}{page_end}"
    if lang == "ja":
        return f"{pages}ページ"
    return f"{'p.' if one else 'pp.'} {pages}"


def paged_span(span: Span, pages: PageStarts) -> Span:
    page, page_end = page_range(pages.get(span.doc, ()), span.start, span.end)
    return span if page is None else replace(span, page=page, page_end=page_end)


def paged_citation(citation: Citation, pages: PageStarts) -> Citation:
    return replace(citation, quote=paged_span(citation.quote, pages),
                   passage=paged_span(citation.passage, pages),
                   parallel=paged_span(citation.parallel, pages) if citation.parallel else None)


def paged_citations(citations: Sequence[Citation], pages: PageStarts) -> list[Citation]:
    return [paged_citation(c, pages) for c in citations]


def paged(result: T, pages: PageStarts) -> T:
    """An answer or a verdict with the pages of every span it holds."""
    if isinstance(result, Verdict):
        return replace(result, evidence=paged_citations(result.evidence, pages))
    retrieved = [RetrievedPassage(paged_span(r.span, pages), r.score) for r in result.retrieved]
    return replace(result, citations=paged_citations(result.citations, pages), retrieved=retrieved)
