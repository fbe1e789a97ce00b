"""Readers on real files: PDFs printed by Chromium, a .docx from python-docx, a web page.

No model: what is extracted, in which order, with which pages and headings, and what is
refused (with the file's name and the reason).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from doc_files import (
    CROSSING,
    DOCX_FACT,
    DOCX_JA_FACT,
    EN_FACT,
    IMAGE_ONLY_HTML,
    JA_FACT,
    LEFT_EN,
    LEFT_JA,
    REPORT_HTML,
    RIGHT_EN,
    RIGHT_JA,
    SECTION_EN,
    SECTION_JA,
    SECTIONS_HTML,
    WEB_PAGE,
    corrupt_pdf,
    encrypted_pdf,
    print_pdf,
    write_docx,
)

from ingest.chunker import ChunkingParams, chunk_document
from ingest.formats import detect_format
from ingest.pages import page_of, page_range
from ingest.pdf_reader import join_lines
from ingest.reader import DocumentError, read_document, read_document_bytes
from ingest.segmenter import segment_document

PARAMS = ChunkingParams(250, 600, 500, 1200, 0.35, 8)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("files")
    report = print_pdf(REPORT_HTML, folder / "report.pdf")
    web = folder / "page.html"
    web.write_text(WEB_PAGE, encoding="utf-8")
    return {
        "report": report,
        "sections": print_pdf(SECTIONS_HTML, folder / "sections.pdf"),
        "image": print_pdf(IMAGE_ONLY_HTML, folder / "image.pdf", header_footer=False),
        "docx": write_docx(folder / "notes.docx"),
        "html": web,
        "locked": encrypted_pdf(report, folder / "locked.pdf"),
        "corrupt": corrupt_pdf(report, folder / "corrupt.pdf"),
    }


def test_pdf_pages_headings_and_text_in_reading_order(files):
    doc = read_document(files["report"])
    text = doc.text
    assert doc.format == "pdf" and doc.title == "Exchange Report 2024"
    assert len(doc.pages) == 5 and doc.pages[0] == 0
    assert list(doc.pages) == sorted(doc.pages)
    # each fact on the page it was printed on
    assert page_of(doc.pages, text.index(EN_FACT)) == 1
    assert page_of(doc.pages, text.index(JA_FACT)) == 2  # Japanese text as printed, no stray spaces
    assert page_of(doc.pages, text.index(LEFT_JA)) == 3
    headings = {text[h.start:h.end]: h.level for h in doc.headings}
    assert headings == {"Sakura Science Program": 1, "北極域研究船": 2, "Two columns 二段組": 2}


def test_two_columns_are_read_one_after_the_other_not_interleaved(files):
    text = read_document(files["report"]).text
    # every paragraph whole (its lines joined), the left column before the right one
    positions = [text.index(p) for p in (LEFT_JA, LEFT_EN, RIGHT_JA, RIGHT_EN)]
    assert positions == sorted(positions)


def test_page_furniture_is_left_out_and_a_paragraph_crossing_a_page_is_whole(files):
    doc = read_document(files["report"])
    text = doc.text
    # Chromium printed the date, the title, the file's address and "n/5" on every page
    assert "file://" not in text and "Exchange Report 2024" not in text
    assert not re.search(r"(?m)^\s*\d+\s*/\s*\d+\s*$", text)
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}", text)
    start = text.index(CROSSING)
    assert page_range(doc.pages, start, start + len(CROSSING)) == (4, 5)
    chunks = chunk_document(doc, PARAMS)
    assert all(text[c.start:c.end] == c.text for c in chunks)
    assert not any("file://" in c.text for c in chunks)


def test_sections_whose_columns_flow_across_pages_are_read_whole(files):
    doc = read_document(files["sections"])
    assert len(doc.pages) >= 10
    # each section's paragraphs whole (across columns and pages), after its own heading
    assert doc.text.count(SECTION_JA) == doc.text.count(SECTION_EN) == 12
    headings = [doc.text[h.start:h.end] for h in doc.headings]
    assert headings == [f"第{i}章 研究協力" for i in range(1, 13)]  # not taken for page headers
    for i, heading in enumerate(doc.headings, start=1):
        after = doc.text[heading.end:]
        assert after.startswith(f"\n\n{SECTION_JA}\n\n{SECTION_EN}"), i


def test_words_broken_at_line_ends_are_joined():
    assert join_lines(["the interna-", "tional programme"]) == "the international programme"
    assert join_lines(["the interna\u00ad", "tional programme"]) == "the international programme"
    assert join_lines(["COVID-", "19 cases"]) == "COVID- 19 cases"
    assert join_lines(["日本と", "ドイツ"]) == "日本とドイツ"
    assert join_lines(["Japan and", "ドイツ"]) == "Japan andドイツ"
    assert join_lines(["第17", "⽂では2021 年"]) == "第17文では2021年"  # a radical look-alike; layout space


def test_docx_headings_paragraphs_and_tables(files):
    doc = read_document(files["docx"])
    assert doc.format == "docx" and doc.pages == () and doc.title == "Space cooperation notes"
    assert DOCX_FACT in doc.text and DOCX_JA_FACT in doc.text and "HTV-1 | 2009" in doc.text
    segments = segment_document(doc)
    fact = next(s for s in segments if s.text == DOCX_FACT)
    assert fact.title == "Space cooperation › Cargo to the station"
    assert next(s for s in segments if s.text == DOCX_JA_FACT).title == "Space cooperation › 日本の実験棟"


def test_html_main_content_without_navigation_scripts_styles_or_footer(files):
    doc = read_document(files["html"])
    assert doc.format == "html"
    assert "The ITER Organization was established in 2007" in doc.text
    assert "超伝導コイルを製作している。" in doc.text
    for noise in ("NAV-", "SCRIPT-TEXT", "STYLE-TEXT", "FOOTER-TEXT", "SIDEBAR-TEXT", "color: red"):
        assert noise not in doc.text
    titles = {s.title for s in segment_document(doc) if "JT-60SA" in s.text}
    assert titles == {"Fusion research cooperation › Japan's contribution"}


def test_a_short_page_in_another_encoding_keeps_its_text():
    page = ('<html><head><meta charset="shift_jis"><title>研究協力</title></head><body><nav>メニュー</nav>'
            "<article><h2>成果</h2><p>日本語の本文です。</p><p>二つ目の段落。</p></article></body></html>"
            ).encode("shift_jis")
    doc = read_document_bytes("short.html", page)
    assert doc.text == "成果\n\n日本語の本文です。\n\n二つ目の段落。" and doc.title == "研究協力"
    assert [doc.text[h.start:h.end] for h in doc.headings] == ["成果"]


def test_file_type_is_told_by_content(files):
    pdf = files["report"].read_bytes()
    assert detect_format("report.txt", pdf) == "pdf"  # a PDF under a wrong name is still a PDF
    assert detect_format("download", pdf) == "pdf"
    assert detect_format("page", WEB_PAGE.encode()) == "html"
    assert detect_format("notes.md", b"<html> in a markdown file") == "markdown"
    assert detect_format("notes.md", b"A PDF starts with %PDF-1.7 and ends with %%EOF.") == "markdown"
    assert detect_format("report.pdf", b"junk before the header %PDF-1.7 ...") == "pdf"
    assert detect_format("notes.bin", files["docx"].read_bytes()) == "docx"
    assert read_document_bytes("misnamed.txt", pdf).format == "pdf"


def test_a_pdf_restricted_by_an_owner_password_only_is_read(files, tmp_path):
    restricted = encrypted_pdf(files["report"], tmp_path / "restricted.pdf", user_password="")
    assert read_document(restricted).text == read_document(files["report"]).text


@pytest.mark.parametrize(("make", "reason"), [
    (lambda f: f["locked"], "protected by a password"),
    (lambda f: f["corrupt"], "damaged PDF"),
    (lambda f: f["image"], "image-only PDF"),
])
def test_unreadable_pdfs_are_refused_with_name_and_reason(files, make, reason):
    path = make(files)
    with pytest.raises(DocumentError, match=rf"^{re.escape(path.name)}: .*{reason}"):
        read_document(path)


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("empty.pdf", b"", "empty file"),
    ("blank.txt", b"  \n\n ", "empty file"),
    ("bad.txt", "日本".encode() + b"\xff", "not valid UTF-8 at byte 6"),
    ("fake.pdf", b"just some text", "not a PDF file"),
    ("old.docx", b"\xd0\xcf\x11\xe0" + b"\0" * 60, "old binary Office file"),
    ("archive.docx", b"PK\x03\x04" + b"\0" * 60, "not a Word .docx"),
    ("big.txt", b"x" * 101, "101 bytes is more than the limit of 100"),
])
def test_bad_files_are_refused_with_name_and_reason(name, data, reason):
    with pytest.raises(DocumentError, match=rf"^{re.escape(name)}: .*{re.escape(reason)}"):
        read_document_bytes(name, data, max_bytes=100)


def test_an_oversized_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * 2000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(DocumentError, match=r"big\.pdf: 2,009 bytes is more than the limit of 1,000"):
        read_document(big, max_bytes=1000)
