"""Uploads without a model: names cleaned, no path traversal, checks before storing, never a
file overwritten or deleted, and when uploads are allowed at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.library.folder import DocumentsFolder, safe_name, uploads_allowed
from app.records import Span
from app.settings import SettingsError, load_settings
from app.web.render import chips_html
from ingest.reader import DocumentError


@pytest.mark.parametrize(("original", "fmt", "expected"), [
    ("report.pdf", "pdf", "report.pdf"),
    ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
    ("..\\..\\evil.html", "html", "evil.html"),
    ("/abs/path/notes.docx", "docx", "notes.docx"),
    (".bashrc", "text", "bashrc.txt"),
    ("..", "pdf", "document.pdf"),
    ("a\x00b\x1f<c>:d|e?.pdf", "pdf", "a_b__c__d_e_.pdf"),
    ("報告書 2024.PDF", "pdf", "報告書 2024.PDF"),
    ("download", "pdf", "download.pdf"),
    ("notes.txt", "pdf", "notes.txt.pdf"),  # a PDF under a text name keeps what it is
    ("x" * 300 + ".md", "markdown", "x" * 100 + ".md"),
])
def test_upload_names_are_cleaned(original, fmt, expected):
    assert safe_name(original, fmt) == expected


@pytest.mark.parametrize(("mode", "host", "auth", "allowed"), [
    ("auto", "127.0.0.1", None, True), ("auto", "localhost", None, True), ("auto", "::1", None, True),
    ("auto", "0.0.0.0", None, False), ("auto", "192.168.1.5", None, False),
    ("auto", "example.org", None, False), ("auto", "0.0.0.0", ("u", "p"), True),
    ("off", "127.0.0.1", None, False), ("on", "0.0.0.0", None, True),
])
def test_uploads_are_off_beyond_loopback_unless_basic_auth(mode, host, auth, allowed):
    assert uploads_allowed(mode, host, auth) is allowed


def test_uploads_setting_is_checked():
    assert load_settings(environ={"KAKEHASHI_SERVER__UPLOADS": "off"}).server.uploads == "off"
    with pytest.raises(SettingsError, match=r"server\.uploads"):
        load_settings(environ={"KAKEHASHI_SERVER__UPLOADS": "maybe"})
    assert load_settings(environ={"KAKEHASHI_LIMITS__MAX_DOCUMENT_MB": "2"}).limits.max_document_bytes \
        == 2_000_000


def _upload(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_uploads_are_checked_stored_once_and_never_overwrite(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("# Mine\n\nThe user's own file.\n", encoding="utf-8")
    folder = DocumentsFolder(docs, tmp_path / "removed", max_bytes=1000)
    good = _upload(tmp_path, "notes.md", b"# Uploaded\n\nAnother file of the same name.\n")
    bad = _upload(tmp_path, "fake.pdf", b"not a pdf at all")
    big = _upload(tmp_path, "big.txt", b"x" * 1001)
    undecodable = _upload(tmp_path, "bad.txt", b"\xff\xfe\xfa")
    report = folder.add_many([("notes.md", good), ("fake.pdf", bad), ("big.txt", big),
                              ("../../outside.txt", undecodable)])
    assert report.added == ["notes (2).md"]
    assert [r.split(":")[0] for r in report.refused] == ["fake.pdf", "big.txt", "outside.txt"]
    assert "not a PDF" in report.refused[0] and "more than the limit" in report.refused[1]
    assert (docs / "notes.md").read_text(encoding="utf-8").startswith("# Mine")  # untouched
    assert sorted(p.name for p in docs.iterdir()) == ["notes (2).md", "notes.md"]  # nothing else
    assert not (tmp_path / "outside.txt").exists()
    again = folder.add_many([("notes.md", good)])
    assert again.added == [] and "already in the documents folder" in again.refused[0]


def test_removing_moves_the_file_out_never_deletes(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    (docs / "catalog.json").write_text("{}", encoding="utf-8")
    folder = DocumentsFolder(docs, tmp_path / "removed", max_bytes=1000)
    moved = folder.remove("a.md")
    assert not (docs / "a.md").exists() and moved.read_text(encoding="utf-8") == "# A\n\nText.\n"
    for name in ("a.md", "catalog.json", "../docs/catalog.json", ".hidden.md"):
        with pytest.raises(DocumentError):
            folder.remove(name)
    assert (docs / "catalog.json").exists()


def test_spans_carry_pages_in_json_and_on_source_cards():
    span = Span("r.pdf", 0, 5, 1, 1, "en", "", "Hello", page=3, page_end=4)
    data = span.to_json()
    assert (data["page"], data["page_end"]) == (3, 4)
    assert "pp. 3–4" in chips_html(data, "en") and "3–4ページ" in chips_html(data, "ja")
    plain = Span("a.txt", 0, 5, 1, 1, "en", "", "Hello").to_json()
    assert (plain["page"], plain["page_end"]) == (None, None)
    assert "kk-chip-page" not in chips_html(plain, "en")
    assert "p. 3<" in chips_html({**data, "page_end": 3}, "en")
