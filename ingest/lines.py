"""Character offset -> 1-based line number."""

from __future__ import annotations

import bisect
import re


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """`(start, end)` narrowed past white space at both ends: still a span of `text`."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class LineIndex:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def span_lines(self, start: int, end: int) -> tuple[int, int]:
        """First and last line of the span `[start, end)`."""
        return self.line_of(start), self.line_of(max(start, end - 1))
