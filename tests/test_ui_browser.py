"""End to end in a real browser: Debian's headless Chromium driven by Playwright.

Asks one English and one Japanese question, clicks a citation and checks the highlighted
passage holds the quote, checks that markup in a question shows as text, and saves the
screenshots the README uses (docs/screenshots/). Never skipped: without Chromium it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from ui_server import running_ui

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

CHROMIUM = os.environ.get("KAKEHASHI_CHROMIUM", "/usr/bin/chromium")
# No sandbox (CI runs as root), no GPU, and none of Chromium's own network traffic: this
# machine reaches nothing but loopback, and those connections would only be refused.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TIMEOUT_MS = 60_000

EN_QUESTION = "How many people from India visited Japan through the Sakura Science Program?"
JA_QUESTION = "HFSPはいつ、どこで提案されましたか？"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> ${alert(3)} {{constructor}}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (found on PATH: {found}). "
                    "Run `make system-deps` as root (installs Debian's chromium), or set "
                    "KAKEHASHI_CHROMIUM to a Chromium binary.", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def url(service) -> Iterator[str]:
    with running_ui(service) as address:
        yield address


@pytest.fixture()
def page(browser: Browser, url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    expect(page.locator("#kk-question textarea")).to_be_editable()
    yield page
    context.close()
    assert not dialogs, f"a script from the page's content ran: {dialogs}"


def shoot(page: Page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def ask(page: Page, question: str) -> None:
    """Types the question, sends it, and waits until its answer is fully shown."""
    turns = page.locator(".kk-turn").count()
    page.fill("#kk-question textarea", question)
    page.keyboard.press("Enter")
    expect(page.locator(".kk-turn")).to_have_count(turns + 1)
    last = page.locator(".kk-turn").last
    expect(last.locator(".kk-answered, .kk-abstained, .kk-error")).to_have_count(1)
    expect(last.locator(".kk-caret")).to_have_count(0)
    expect(page.locator("#kk-question textarea")).to_be_editable()


def check_cited_answer(page: Page, expected: dict) -> None:
    """The answer, its markers, and a click on each marker opening the card with the quote."""
    last = page.locator(".kk-turn").last
    answer = last.locator(".kk-answered .kk-bubble")
    expect(answer).to_be_visible()
    first_quote = expected["citations"][0]["text"]
    assert first_quote.split()[0] in answer.text_content()
    markers = answer.locator("a.kk-cite")
    assert markers.count() >= len(expected["citations"])
    for citation in expected["citations"]:
        answer.locator(f'a.kk-cite[data-n="{citation["n"]}"]').first.click()
        card = page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")
        expect(card).to_have_count(1)
        expect(card).to_be_in_viewport()
        assert card.get_attribute("data-n") == str(citation["n"])
        # The highlight is exactly the quoted sentence, inside its passage.
        assert card.locator("mark.kk-quote").text_content() == citation["text"]
        assert citation["passage"]["text"].strip()[:20] in card.locator(".kk-passage").first.text_content()


def test_english_question_with_citations(page: Page, service) -> None:
    expected = service.ask(EN_QUESTION).to_json()
    assert not expected["abstained"], "the English example question should be answered"
    ask(page, EN_QUESTION)
    shoot(page, "ask-en.png")
    check_cited_answer(page, expected)
    parallel = page.locator(".kk-card.kk-active details.kk-parallel")
    if parallel.count():
        parallel.locator("summary").click()
        expect(parallel.locator(".kk-passage")).to_be_visible()
    shoot(page, "citation-click.png")


def test_japanese_question_and_interface(page: Page, service) -> None:
    page.locator("#kk-lang").get_by_text("日本語").click()
    expect(page.locator("#kk-ask")).to_have_text("質問する")
    expected = service.ask(JA_QUESTION).to_json()
    assert not expected["abstained"], "the Japanese example question should be answered"
    ask(page, JA_QUESTION)
    check_cited_answer(page, expected)
    expect(page.locator(".kk-turn").last.locator(".kk-who").first).to_have_text("あなた")
    shoot(page, "ask-ja.png")


def test_markup_in_a_question_is_shown_as_text(page: Page) -> None:
    ask(page, HOSTILE)
    bubble = page.locator(".kk-turn").last.locator(".kk-user .kk-bubble")
    expect(bubble).to_have_text(HOSTILE)
    assert page.locator("#kk-transcript img, #kk-transcript script, #kk-sources script").count() == 0
    # The page fixture asserts that no dialog (alert) fired.


def test_over_long_question_gets_a_clear_message(page: Page) -> None:
    ask(page, "Why? " * 500)
    error = page.locator(".kk-turn").last.locator(".kk-error")
    expect(error).to_contain_text("the limit is 2,000")
    ask(page, "What is the aim of the ITER project?")  # and the page keeps working
    expect(page.locator(".kk-turn").last.locator(".kk-answered, .kk-abstained")).to_have_count(1)


def test_unanswerable_question_looks_different(page: Page, service) -> None:
    question = "What is the recipe for okonomiyaki?"
    expected = service.ask(question).to_json()
    assert expected["abstained"], "the sources say nothing of okonomiyaki: the service should abstain"
    ask(page, question)
    answer = page.locator(".kk-turn").last.locator(".kk-abstained")
    expect(answer).to_have_count(1)
    expect(answer.locator("a.kk-cite")).to_have_count(0)  # nothing cited: nothing answered
    expect(answer.locator(".kk-related li")).to_have_count(len(expected["retrieved"]))
    expect(page.locator(".kk-turn-sources.kk-shown .kk-card-related")).to_have_count(
        len(expected["retrieved"]))
    shoot(page, "abstained.png")


def test_check_a_statement(page: Page) -> None:
    page.locator("#kk-tab-check-button, button[role=tab]:has-text('Check a statement')").first.click()
    page.fill("#kk-claim textarea", "HFSP was proposed by Japan at the Venice Summit in 1987.")
    page.click("#kk-check")
    badge = page.locator("#kk-verdict .kk-badge")
    expect(badge).to_be_visible()
    assert badge.get_attribute("data-verdict") in ("supported", "unsupported", "contradicted")
    expect(page.locator("#kk-verdict .kk-reason")).not_to_be_empty()
    shoot(page, "check.png")


def test_about_the_sources(page: Page, service) -> None:
    page.locator("button[role=tab]:has-text('About the sources')").first.click()
    for entry in service.catalog.values():
        expect(page.get_by_text(entry.title, exact=True).first).to_be_visible()
    shoot(page, "about.png")
