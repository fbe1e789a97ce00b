"""The report of a checked text (app.verify.text_report): Markdown for "Copy report" and the CLI's
`--format md`, plain text for the CLI's readable output. Built from hand-made checks: no model."""

from __future__ import annotations

import re

from app.records import CheckedSentence, Citation, Span, TextCheck, TextPart
from app.verify.text_report import markdown_report, summary_line, text_report, verdict_label
from app.wording import Bilingual

TEXT = ("# Brief\n\nHFSP is now supported by a total of 12 countries [1]. 理研は1917年に創設された。\n"
        "The ISS plans *Mars* by 2030. Is it?\n")


def span(doc: str, start: int, text: str, line: int, title: str = "HFSP") -> Span:
    return Span(doc, start, start + len(text), line, line, "en", title, text)


HFSP = span("a.txt", 100, "HFSP is now supported by a total of 14 countries.", 195, "# Intro › (4) HFSP")
RIKEN = span("b.txt", 40, "理研は1917年の創設以降、研究を行っています。", 3, "理研")


def sentence(n: int, text: str, verdict: str | None, reason: str = "", evidence=(), kind="claim",
             lang="en") -> CheckedSentence:
    start = TEXT.index(text)
    return CheckedSentence(n, start, start + len(text), text, text, lang, kind, verdict, reason,
                           [Citation(i + 1, s, s) for i, s in enumerate(evidence)])


def checked(pending: bool = False) -> TextCheck:
    sentences = [
        sentence(1, "HFSP is now supported by a total of 12 countries [1].", "contradicted",
                 Bilingual({"en": f"The sources give 14, not 12: “{HFSP.text}”",
                            "ja": f"資料では12ではなく14です：「{HFSP.text}」"}, "en"), [HFSP]),
        sentence(2, "理研は1917年に創設された。", "supported",
                 Bilingual({"en": f"The sources say so: “{RIKEN.text}”",
                            "ja": f"資料に記載があります：「{RIKEN.text}」"}, "ja"),
                 [RIKEN, HFSP], lang="ja"),
        sentence(3, "The ISS plans *Mars* by 2030.", None if pending else "unsupported",
                 "" if pending else Bilingual({"en": "No passage of the sources states this.",
                                               "ja": "資料にこの記述は見当たりません。"}, "en")),
        sentence(4, "Is it?", None if pending else "not_a_claim",
                 "" if pending else Bilingual({"en": "A question.", "ja": "質問です。"}, "en"),
                 kind="question"),
    ]
    return TextCheck(TEXT, sentences, [TextPart(0, 7, "heading", "# Brief")])


def test_summary_line_in_both_languages() -> None:
    summary = checked().summary()
    assert summary_line(summary, "en") == \
        "4 sentences: 1 supported, 1 contradicted, 1 not found, 1 not a claim"
    assert summary_line(summary, "ja") == "4文：裏付けあり1、矛盾あり1、資料に記載なし1、主張ではない1"
    assert summary_line({"sentences": 12, "supported": 9, "contradicted": 1, "unsupported": 2,
                         "not_a_claim": 0, "pending": 0}, "en") == \
        "12 sentences: 9 supported, 1 contradicted, 2 not found, 0 not claims"
    assert summary_line(checked(pending=True).summary(), "en").endswith("2 being checked")


def test_markdown_report() -> None:
    report = markdown_report(checked(), "en", titles={"a.txt": "White Paper"})
    assert report.startswith("# Text check\n\n**4 sentences: 1 supported, 1 contradicted, 1 not found, "
                             "1 not a claim**\n")
    assert report.endswith("\n") and not report.endswith("\n\n")
    # Each sentence as written (its Markdown escaped), then its verdict, reason and footnotes.
    assert "1. HFSP is now supported by a total of 12 countries \\[1\\].\n" \
           "   **✗ Contradicted**: The sources give 14, not 12[^1]\n" in report
    assert "2. 理研は1917年に創設された。\n   **✓ Supported**: The sources say so[^2][^1]\n" in report
    assert "3. The ISS plans \\*Mars\\* by 2030.\n   **? Not found in the sources**: No passage of " \
           "the sources states this.\n" in report
    assert "4. Is it?\n   **– Not a claim**: A question.\n" in report
    # One footnote per quote, numbered by first use, with where it is.
    assert "[^1]: “HFSP is now supported by a total of 14 countries.” — White Paper › Intro › (4) HFSP, " \
           "line 195" in report
    assert "[^2]: “理研は1917年の創設以降、研究を行っています。” — b.txt › 理研, line 3" in report
    assert len(re.findall(r"^\[\^\d+\]:", report, re.MULTILINE)) == 2
    assert "# Brief" not in report  # the unchecked heading is not a sentence


def test_markdown_report_in_japanese() -> None:
    report = markdown_report(checked(), "ja")
    assert report.startswith("# テキスト検証\n\n**4文：")
    assert "   **✗ 矛盾あり**：資料では12ではなく14です[^1]\n" in report
    assert "   **✓ 裏付けあり**：資料に記載があります[^2][^1]\n" in report
    assert "**? 資料に記載なし**：資料にこの記述は見当たりません。" in report
    assert "## 根拠" in report and "195行目" in report


def test_markdown_report_while_checking() -> None:
    report = markdown_report(checked(pending=True), "en")
    assert "3. The ISS plans \\*Mars\\* by 2030.\n   **… Checking…**\n" in report


def test_text_report() -> None:
    report = text_report(checked(), "en", titles={"a.txt": "White Paper"})
    lines = report.splitlines()
    assert lines[0] == "Text check — 4 sentences: 1 supported, 1 contradicted, 1 not found, 1 not a claim"
    start = lines.index("1. ✗ Contradicted")
    assert lines[start + 1:start + 5] == [
        "   HFSP is now supported by a total of 12 countries [1].",
        "   → The sources give 14, not 12",
        "     “HFSP is now supported by a total of 14 countries.”",
        "       White Paper › Intro › (4) HFSP, line 195"]
    assert "3. ? Not found in the sources" in lines and "   The ISS plans *Mars* by 2030." in lines
    ja = text_report(checked(), "ja")
    assert "1. ✗ 矛盾あり" in ja and "   → 資料では12ではなく14です" in ja


def test_empty_report() -> None:
    empty = TextCheck("# Only a heading\n", [], [TextPart(0, 16, "heading", "# Only a heading")])
    assert "0 sentences" in markdown_report(empty) and "no sentence to check" in markdown_report(empty)
    assert "検証する文がありません" in text_report(empty, "ja")
    assert verdict_label(None, "ja") == "確認中…"


def test_catalog_titles() -> None:
    from types import SimpleNamespace

    from app.verify.text_report import catalog_titles

    catalog = {"a.txt": SimpleNamespace(title="White Paper"), "b.txt": SimpleNamespace(title="")}
    assert catalog_titles(catalog) == {"a.txt": "White Paper"}
    assert "— White Paper › Intro" in markdown_report(checked(), "en", catalog_titles(catalog))
