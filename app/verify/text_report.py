"""A checked text as a report to take away: Markdown (`markdown_report`) and plain text
(`text_report`), in English or Japanese.

One function per format, used by the web page's "Copy report" button and by the CLI
(`kakehashi check --text FILE --format md` prints `markdown_report`; the readable output is
`text_report`), so both give exactly the same report for the same check. The words of the report
(verdict labels, the summary line) are in app/wording.toml, and the web page shows the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.inputs import one_line
from app.library.pages import page_label
from app.records import TEXT_VERDICTS, CheckedSentence, Citation, Span, TextCheck
from app.wording import REPORT_COUNTS, REPORT_VERDICTS, REPORT_WORDS, in_lang

VERDICT_LABELS = REPORT_VERDICTS  # what each verdict is called (app/wording.toml)
VERDICT_MARKS = {"supported": "✓", "contradicted": "✗", "unsupported": "?", "not_a_claim": "–",
                 "pending": "…"}

# A reason that ends by quoting its deciding sentence: "The sources give 14, not 12: “…”".
_QUOTED_REASON = re.compile(r"^(.*?)\s*[:：]\s*[「“].*[」”]$", re.DOTALL)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def catalog_titles(catalog: Mapping[str, Any]) -> dict[str, str]:
    """Document file name -> title, from the service's catalog (`service.catalog`), for `titles`."""
    return {name: entry.title for name, entry in catalog.items() if getattr(entry, "title", "")}


def _lang(lang: str) -> str:
    return "ja" if lang == "ja" else "en"


def _w(key: str, lang: str, **values: object) -> str:
    return REPORT_WORDS[key][_lang(lang)].format(**values)


def verdict_label(verdict: str | None, lang: str) -> str:
    """"Supported", "Contradicted", "Not found in the sources", "Not a claim", or "Checking…"
    for a sentence not checked yet (None); in Japanese with `lang="ja"`."""
    return VERDICT_LABELS[verdict or "pending"][_lang(lang)]


def verdict_mark(verdict: str | None) -> str:
    return VERDICT_MARKS[verdict or "pending"]


def count_text(key: str, n: int, lang: str) -> str:
    """One count of the summary: "9 supported" / "裏付けあり9"."""
    one, many = REPORT_COUNTS[key][_lang(lang)]  # (one, many)
    return (one if n == 1 else many).format(n=n)


def summary_line(summary: Mapping[str, int], lang: str) -> str:
    """`TextCheck.summary()` in words: "12 sentences: 9 supported, 1 contradicted, 2 not found,
    0 not claims" ("12文：裏付けあり9、矛盾あり1、資料に記載なし2、主張ではない0"); while some
    are still being checked, how many ("…, 3 being checked")."""
    lg = _lang(lang)
    counts = [count_text(v, summary.get(v, 0), lg) for v in TEXT_VERDICTS]
    if summary.get("pending"):
        counts.append(count_text("pending", summary["pending"], lg))
    head = count_text("sentences", summary.get("sentences", 0), lg)
    return f"{head}：{'、'.join(counts)}" if lg == "ja" else f"{head}: {', '.join(counts)}"


def reason_text(sentence: CheckedSentence, lang: str) -> str:
    """The sentence's reason in `lang`; without the quote it ends with when that quote is given as
    evidence anyway (a footnote, an evidence card)."""
    reason = in_lang(sentence.reason, _lang(lang)).strip()
    if sentence.evidence:
        match = _QUOTED_REASON.match(reason)
        if match and match.group(1).strip():
            return match.group(1).strip()
    return reason


def location(span: Span, lang: str, titles: Mapping[str, str] | None = None) -> str:
    """Where a quote is: "Document title › section, p. 3, lines 10–12"."""
    lg = _lang(lang)
    title = (titles or {}).get(span.doc) or span.doc
    section = " › ".join(_heading(c) for c in span.title.split("›") if c.strip())
    page = page_label(span.page, span.page_end, lg)
    lines = (_w("line", lg, a=span.line_start) if span.line_start == span.line_end
             else _w("lines", lg, a=span.line_start, b=span.line_end))
    where = " › ".join(p for p in (title, section) if p)
    return ", ".join(p for p in (where, page, lines) if p)


def _heading(text: str) -> str:
    return re.sub(r"^\s*#{1,6}\s+", "", text).strip()


def md_escape(text: str) -> str:
    """Text shown as it is in Markdown: on one line, its markup characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))


class _Footnotes:
    """Evidence numbered in order of first use; the same quote cited twice keeps its number."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[str, int, int], int] = {}
        self.spans: list[Span] = []

    def number(self, citation: Citation) -> int:
        key = (citation.quote.doc, citation.quote.start, citation.quote.end)
        if key not in self.numbers:
            self.spans.append(citation.quote)
            self.numbers[key] = len(self.spans)
        return self.numbers[key]


def markdown_report(check: TextCheck, lang: str = "en", titles: Mapping[str, str] | None = None) -> str:
    """The checked text as Markdown, in `lang` ("en" or "ja": the report's own words; the text
    and the sources are quoted as written).

    A title, the summary line (`summary_line`), then one numbered item per sentence, in order:
    the sentence as written (Markdown characters escaped), then its verdict in bold with its mark
    (✓ supported, ✗ contradicted, ? not found in the sources, – not a claim, … not checked yet)
    and its reason; the evidence that decides it as footnote references `[^n]`. The footnotes
    follow, numbered in order of first use (one quote cited by two sentences has one number):
    the quoted source sentence and where it is (document title, section, page, lines).
    `titles`: document file name -> title (`catalog_titles(service.catalog)`); the file name where
    missing.

    Headings, list markers, reference lines and other parts that were not checked are left out:
    the report is about the sentences. Ends with a newline.
    """
    lg = _lang(lang)
    notes = _Footnotes()
    out = [f"# {_w('title', lg)}", "", f"**{summary_line(check.summary(), lg)}**", "",
           _w("intro", lg), ""]
    if not check.sentences:
        out += [_w("none", lg), ""]
    for sentence in check.sentences:
        refs = "".join(f"[^{notes.number(c)}]" for c in sentence.evidence)
        if refs and sentence.verdict == "unsupported":  # related reading, not evidence
            refs = f" ({_w('closest', lg)} {refs})"
        label = f"**{verdict_mark(sentence.verdict)} {verdict_label(sentence.verdict, lg)}**"
        reason = reason_text(sentence, lg) if sentence.verdict else ""
        separator = "：" if lg == "ja" else ": "
        verdict = label + (f"{separator}{md_escape(reason)}" if reason else "") + refs
        out += [f"{sentence.n}. {md_escape(sentence.text)}", f"   {verdict}", ""]
    if notes.spans:
        out += [f"## {_w('evidence', lg)}", ""]
        for n, span in enumerate(notes.spans, 1):
            out.append(f"[^{n}]: “{md_escape(span.text)}” — {md_escape(location(span, lg, titles))}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def text_report(check: TextCheck, lang: str = "en", titles: Mapping[str, str] | None = None) -> str:
    """The checked text as plain text for reading in a terminal, in `lang` ("en" or "ja").

    The summary line first; then each sentence, numbered, with its mark and verdict on the line
    above it, its reason, and the evidence under it (the quoted source sentence and where it is,
    indented). `titles` as in `markdown_report`. Ends with a newline.
    """
    lg = _lang(lang)
    out = [f"{_w('title', lg)} — {summary_line(check.summary(), lg)}", ""]
    if not check.sentences:
        out += [_w("none", lg), ""]
    for sentence in check.sentences:
        out.append(f"{sentence.n}. {verdict_mark(sentence.verdict)} {verdict_label(sentence.verdict, lg)}")
        out.append(f"   {one_line(sentence.text)}")
        reason = reason_text(sentence, lg) if sentence.verdict else ""
        if reason:
            out.append(f"   → {one_line(reason)}")
        if sentence.evidence and sentence.verdict == "unsupported":
            out.append(f"     ({_w('closest', lg)})")
        for citation in sentence.evidence:
            out.append(f"     “{one_line(citation.quote.text)}”")
            out.append(f"       {location(citation.quote, lg, titles)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
