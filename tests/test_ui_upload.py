"""In a real browser: upload a PDF on the "About the sources" tab, watch it listed, and ask a
question it answers, its citation giving the page.

Runs on its own documents folder and index (a temporary copy of the tiny corpus), so the
project's documents are never touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from doc_files import CHROMIUM_ARGS, JA_FACT, REPORT_HTML, print_pdf, require_chromium
from playwright.sync_api import Page, expect, sync_playwright
from tiny_corpus import write_corpus
from ui_server import running_ui

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def library(service, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from app.service import Kakehashi
    from app.settings import load_settings

    base = tmp_path_factory.mktemp("upload")
    seeds = write_corpus(base / "seeds", ["a_fusion.md", "b_riken.md"])
    settings = load_settings(environ={}, root=base, seeds_dir=seeds, data_dir=base / "data")
    return Kakehashi(settings, log=lambda message: None)


@pytest.fixture()
def page(library) -> Iterator[Page]:
    chromium = require_chromium()
    with running_ui(library) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                             headless=True)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        # expect() has its own 5 s default; a busy machine may take longer (this is no speed test).
        expect.set_options(timeout=TIMEOUT_MS)
        page.goto(url)
        expect(page.locator("#kk-question textarea")).to_be_editable()
        yield page
        context.close()
        browser.close()


def test_upload_a_pdf_and_ask_a_question_it_answers(page: Page, library, tmp_path: Path) -> None:
    pdf = print_pdf(REPORT_HTML, tmp_path / "exchange-report.pdf")
    page.locator("button[role=tab]:has-text('About the sources')").first.click()
    rows = page.locator("#kk-documents tr[data-doc]")
    expect(rows).to_have_count(2)
    page.locator("#kk-upload input[type=file]").set_input_files(str(pdf))
    expect(page.locator("#kk-doc-status")).to_contain_text("Added: exchange-report.pdf")
    expect(page.locator("#kk-doc-status")).to_contain_text("The index now holds 3 documents")
    row = page.locator('#kk-documents tr[data-doc="exchange-report.pdf"]')
    expect(row).to_contain_text("PDF")
    expect(row.locator("td").nth(2)).to_have_text("5")
    assert (library.settings.seeds / "exchange-report.pdf").read_bytes() == pdf.read_bytes()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "documents.png"))

    page.locator("button[role=tab]:has-text('Ask')").first.click()
    page.fill("#kk-question textarea", "北極域研究船はいつ完成する予定ですか？")
    page.keyboard.press("Enter")
    answer = page.locator(".kk-turn").last.locator(".kk-answered")
    expect(answer).to_have_count(1)
    expect(page.locator(".kk-turn").last.locator(".kk-caret")).to_have_count(0)
    cards = page.locator(".kk-turn-sources.kk-shown .kk-card")
    card = cards.filter(has_text="2026年に完成する").first
    expect(card.locator(".kk-chip-page")).to_have_text("p. 2")
    expect(card.locator("mark.kk-quote")).to_contain_text(JA_FACT[:12])
    page.screenshot(path=str(SCREENSHOTS / "citation-page.png"))
    page.locator("#kk-lang").get_by_text("日本語").click()
    expect(page.locator("#kk-documents th").first).to_have_text("タイトル")


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def test_panel_callbacks_add_refuse_and_remove(library, tmp_path: Path) -> None:
    from app.web.documents import DocumentsPanel

    panel = DocumentsPanel(library, uploads=True)
    note = tmp_path / "note.md"
    note.write_text("# Deep sea drilling\n\nThe Chikyu drilling vessel reached 7,740 m below the sea "
                    "floor in 2012.\n", encoding="utf-8")
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"this is not a PDF")
    table, status, cleared, choices, about = panel.upload([str(note), str(fake)], "en",
                                                          lambda lang: "about", _no_progress)
    assert "Added: note.md." in status and "Not added: fake.pdf: not a PDF file" in status
    assert 'data-doc="note.md"' in table and cleared is None and about == "about"
    assert "note.md" in choices["choices"] and not (library.settings.seeds / "fake.pdf").exists()
    answer = library.ask("How deep did the Chikyu drill?").to_json()
    assert any(c["doc"] == "note.md" for c in answer["citations"])
    table, status, *_ = panel.remove("note.md", "ja", lambda lang: "", _no_progress)
    assert "note.md を削除しました" in status and 'data-doc="note.md"' not in table
    assert not (library.settings.seeds / "note.md").exists()
    assert "最後の文書は削除できません" not in status
    only = DocumentsPanel(library, uploads=True)
    only.names = lambda: ["a_fusion.md"]  # type: ignore[method-assign]
    assert "The last document cannot be removed." in only.remove("a_fusion.md", "en", lambda lang: "",
                                                                 _no_progress)[1]
