"""Character offset -> 1-based page number, for documents that have pages (PDF)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence


def page_of(pages: Sequence[int], offset: int) -> int | None:
    """The page holding `offset`, given where each page starts; None when there are no pages.

    A page without text starts where the next one does, so an offset is on the last page that
    starts at or before it.
    """
    if not pages:
        return None
    return max(1, bisect.bisect_right(pages, offset))


def page_range(pages: Sequence[int], start: int, end: int) -> tuple[int | None, int | None]:
    """First and last page of the span `[start, end)`: `(None, None)` for unpaged documents."""
    return page_of(pages, start), page_of(pages, max(start, end - 1))
