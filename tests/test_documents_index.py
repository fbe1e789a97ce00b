"""A documents folder as users have them, indexed with the real model: PDFs printed by Chromium,
a .docx, a web page, Markdown, and files that cannot be read.

Bad files are skipped with their reasons while the rest is indexed; nothing in the folder is
changed; every citation is a span of `kakehashi source` text and carries the page it is on
(checked against pdfminer's own text of that page); an added document is indexed (embedding
only its new text) and swapped in while questions go on being answered.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from doc_files import (
    EN_FACT,
    JA_FACT,
    REPORT_HTML,
    WEB_PAGE,
    corrupt_pdf,
    encrypted_pdf,
    print_pdf,
    write_docx,
)
from tiny_corpus import write_corpus

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent


def _fingerprints(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("library")
    seeds = write_corpus(base / "seeds", ["a_fusion.md", "b_riken.md"])
    report = print_pdf(REPORT_HTML, seeds / "report.pdf")
    write_docx(seeds / "notes.docx")
    (seeds / "news.html").write_text(WEB_PAGE, encoding="utf-8")
    corrupt_pdf(report, seeds / "corrupt.pdf")
    encrypted_pdf(report, seeds / "locked.pdf")
    (seeds / "latin1.txt").write_bytes("Café in Kyōto".encode("latin-1", errors="replace"))
    return seeds


@pytest.fixture(scope="module")
def library(service, folder: Path) -> Any:
    """A service over the folder (the session's model; its own index and embedding cache)."""
    from app.service import Kakehashi
    from app.settings import load_settings

    settings = load_settings(environ={}, root=folder.parent, seeds_dir=folder,
                             data_dir=folder.parent / "data")
    before = _fingerprints(folder)
    built = Kakehashi(settings, log=lambda message: None)
    assert _fingerprints(folder) == before  # nothing a user put in the folder is changed
    return built


def _cli(library: Any, *args: str) -> subprocess.CompletedProcess:
    folder = library.settings.seeds
    return subprocess.run([sys.executable, "-m", "app.cli", "--seeds", str(folder), "--data-dir",
                           str(folder.parent / "data"), *args], cwd=ROOT, capture_output=True,
                          timeout=600)


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def pdf_pages(folder: Path) -> list[str]:
    """pdfminer's own text of each page of report.pdf: a check independent of our reader."""
    from pdfminer.high_level import extract_text

    return [_squash(extract_text(folder / "report.pdf", page_numbers=[n])) for n in range(5)]


def test_bad_files_are_skipped_with_reasons_and_the_rest_indexed(library):
    assert set(library.index.documents) == {"a_fusion.md", "b_riken.md", "report.pdf", "notes.docx",
                                            "news.html"}
    skipped = library.skipped
    assert set(skipped) == {"corrupt.pdf", "locked.pdf", "latin1.txt"}
    assert "damaged PDF" in skipped["corrupt.pdf"] and "password" in skipped["locked.pdf"]
    assert "not valid UTF-8" in skipped["latin1.txt"]
    info = library.index.documents["report.pdf"]
    assert (info["format"], info["pages"], info["title"]) == ("pdf", 5, "Exchange Report 2024")
    assert set(info["languages"]) == {"en", "ja"}


def test_every_chunk_is_a_span_of_the_stored_text_on_the_right_pages(library, pdf_pages):
    for chunk in library.index.chunks:
        source = library.document_text(chunk.doc)
        assert source[chunk.start:chunk.end] == chunk.text
        page, page_end = library.page_range(chunk.doc, chunk.start, chunk.end)
        if chunk.doc != "report.pdf":
            assert page is None
            continue
        head, tail = _squash(chunk.text)[:12], _squash(chunk.text)[-12:]
        assert head in pdf_pages[page - 1], (chunk.text, page)
        assert tail in pdf_pages[page_end - 1], (chunk.text, page_end)


def _citations(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for c in result.get("citations", []) + result.get("evidence", []):
        found += [c, c["passage"]] + ([c["parallel"]] if c.get("parallel") else [])
    return found + result.get("retrieved", [])


def _check_spans(library: Any, result: dict[str, Any]) -> None:
    for span in _citations(result):
        assert library.document_text(span["doc"])[span["start"]:span["end"]] == span["text"]
        assert (span["page"], span["page_end"]) == library.page_range(span["doc"], span["start"], span["end"])


@pytest.mark.parametrize(("question", "page", "words"), [
    ("How many young researchers from India visited Japan through the Sakura Science Program in 2019?",
     1, "1,234"),
    ("北極域研究船はいつ完成する予定ですか？", 2, "2026"),
    ("When did observations at Syowa Station in Antarctica begin?", 3, "1957"),
])
def test_answers_from_a_pdf_cite_the_page(library, question, page, words):
    result = library.ask(question).to_json()
    _check_spans(library, result)
    cited = [c for c in result["citations"] if c["doc"] == "report.pdf" and words in c["text"]]
    assert cited, result
    assert all((c["page"], c["page_end"]) == (page, page) for c in cited)


def test_checks_and_other_formats_cite_their_documents(library):
    verdict = library.check(EN_FACT).to_json()
    _check_spans(library, verdict)
    assert verdict["verdict"] == "supported"
    assert any(c["doc"] == "report.pdf" and c["page"] == 1 for c in verdict["evidence"])
    answer = library.ask("What did the H-II Transfer Vehicle deliver to the station?").to_json()
    _check_spans(library, answer)
    assert any(c["doc"] == "notes.docx" and c["page"] is None for c in answer["citations"])
    answer = library.ask("Where is the ITER reactor being built?").to_json()
    _check_spans(library, answer)
    assert {c["doc"] for c in answer["citations"]} & {"news.html", "a_fusion.md"}


def test_cli_index_summary_source_and_pages(library, folder):
    index = _cli(library, "index")
    assert index.returncode == 0, index.stderr
    out = index.stdout.decode()
    assert "Index ready:" in out and "Skipped 3 files" in out
    assert re.search(r"locked\.pdf: protected by a password", out)
    source = _cli(library, "source", "report.pdf")
    assert source.returncode == 0 and source.stdout.decode("utf-8") == library.document_text("report.pdf")
    assert JA_FACT in source.stdout.decode("utf-8")
    md = _cli(library, "source", "a_fusion.md")
    assert md.stdout == (folder / "a_fusion.md").read_bytes()  # the file itself
    as_json = json.loads(_cli(library, "source", "report.pdf", "--json").stdout)
    assert [p["page"] for p in as_json["pages"]] == [1, 2, 3, 4, 5]
    assert as_json["text"][as_json["pages"][1]["start"]:].startswith("北極域研究船")
    missing = _cli(library, "source", "nope.pdf")
    assert missing.returncode == 1 and b"no document 'nope.pdf'" in missing.stderr
    ask = _cli(library, "ask", "北極域研究船はいつ完成する予定ですか？", "--json")
    result = json.loads(ask.stdout)
    assert any(c["doc"] == "report.pdf" and c["page"] == 2 for c in result["citations"])
    listing = _cli(library, "ask", "北極域研究船はいつ完成する予定ですか？").stdout.decode()
    assert "report.pdf, p. 2, lines" in listing


def test_added_document_is_indexed_and_swapped_in_while_questions_are_answered(library, tmp_path,
                                                                              monkeypatch):
    from app.library.folder import DocumentsFolder

    question = "What is the aim of the ITER project?"
    expected = library.ask(question).to_json()["answer"]
    upload = tmp_path / "arctic.html"
    upload.write_text(WEB_PAGE.replace("Fusion research cooperation", "Arctic research cooperation")
                      .replace("ITER Organization", "Arctic Council"), encoding="utf-8")
    docs = DocumentsFolder(library.settings.seeds, tmp_path / "removed",
                           library.settings.limits.max_document_bytes)
    added = docs.add_document("arctic.html", upload)
    assert added.name == "arctic.html" and added.format == "html"

    answers: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set() and len(answers) < 200:
            try:
                answers.append(library.ask(question).to_json()["answer"])
            except BaseException as err:  # any failure during the swap is what this test looks for
                errors.append(err)

    def read_again(data: bytes) -> None:
        raise AssertionError("an unchanged PDF was read again")

    monkeypatch.setattr("ingest.pdf_reader.read_pdf", read_again)  # not for report.pdf, nor bad PDFs
    monkeypatch.setattr("ingest.html_reader.read_html", read_again)  # nor the upload, read already
    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        reasons = library.refresh(known=[added])
    finally:
        stop.set()
        asker.join()
    assert reasons == ["added: arctic.html"]
    assert not errors and answers and set(answers) == {expected}
    assert "arctic.html" in library.index.documents
    assert 0 < library.build_timings["embedded"] < library.build_timings["reused"]  # only new text
    assert library.refresh() == []  # nothing changed since

    moved = docs.remove("arctic.html")
    assert moved.exists() and library.refresh() == ["removed: arctic.html"]
    assert "arctic.html" not in library.index.documents


def test_index_fails_clearly_when_no_file_can_be_read(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)))
    (seeds / "empty.txt").write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "app.cli", "--seeds", str(seeds), "--data-dir",
                             str(tmp_path / "data"), "index"], cwd=ROOT, capture_output=True, timeout=600)
    assert result.returncode == 1
    message = result.stderr.decode()
    assert "no document could be indexed" in message
    assert "broken.pdf: damaged PDF" in message and "empty.txt: empty file" in message
    assert sorted(p.name for p in seeds.iterdir()) == ["broken.pdf", "empty.txt"]
