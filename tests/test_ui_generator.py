"""Generated answers in the web interface: the settings accordion, streaming, and each sentence's
mark (✓ supported, ? not supported, ✗ contradicted). Against the scripted OpenAI-compatible
server on loopback (tests/scripted_llm.py), with the real model and index; one browser test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from scripted_llm import ScriptedServer, scripted_server
from test_generator import QUESTION_EN, SCRIPTS
from test_ui_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from ui_server import running_ui

from app.web.callbacks import KakehashiUi
from app.web.render import answer_bubble, sentence_mark

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "generated.png"

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedServer]:
    with scripted_server(SCRIPTS) as server:
        yield server


def new_turn(question: str) -> list[dict]:
    return [{"id": 1, "question": question, "answer": None, "error": None}]


def test_generated_answer_streams_with_marks(service, llm) -> None:
    ui = KakehashiUi(service)
    outputs = list(ui.answer_turn(new_turn(QUESTION_EN), "en", "openai", llm.url, "wrong-number"))
    rendered = [(turns, html) for turns, html, _ in outputs if isinstance(html, str)]
    assert len(rendered) >= 3
    # While it streams: a caret, markers linked to the passage cards, the first verdict early.
    streaming = [html for _, html in rendered if "kk-caret" in html]
    assert streaming and any('a class="kk-cite"' in html for html in streaming)
    assert any('data-support="supported"' in html for html in streaming)
    final_turns, final_html = rendered[-1]
    assert "kk-caret" not in final_html
    assert 'kk-sent-mark kk-sent-contradicted' in final_html and "contradicted" in final_html
    assert "written by openai:wrong-number" in re.sub(r"<[^>]+>", "", final_html)
    answer = final_turns[-1]["answer"]
    assert [s["support"] for s in answer["sentences"]] == ["supported", "contradicted"]
    # The last step shows it as it is (it streamed already) and gives the inputs back.
    finished = ui.finish_turn(outputs[-1][0], "en")
    assert finished[0][-1]["answer"] == answer


def test_extractive_choice_is_unchanged(service) -> None:
    ui = KakehashiUi(service)
    (turns, _, _), = ui.answer_turn(new_turn(QUESTION_EN), "en", "none", "", "")
    assert turns[-1]["answer"] == service.ask(QUESTION_EN).to_json() | {
        "timings_ms": turns[-1]["answer"]["timings_ms"]}
    assert "streaming" not in turns[-1]["answer"]  # shown whole, at once


def test_fallback_is_said_in_the_page(service, llm) -> None:
    ui = KakehashiUi(service)
    outputs = list(ui.answer_turn(new_turn(QUESTION_EN), "en", "openai", llm.url, "uncited"))
    answer = outputs[-1][0][-1]["answer"]
    assert answer["generator"].startswith("extractive (fallback: ")
    html = ui.transcript(outputs[-1][0], "en")
    assert "No checked generated answer" in html and "kk-sent-mark" not in html


def test_the_page_may_not_point_the_server_anywhere(service) -> None:
    ui = KakehashiUi(service)
    (turns, _, _), = ui.answer_turn(new_turn(QUESTION_EN), "en", "openai", "http://169.254.169.254/v1", "m")
    assert "not allowed" in turns[-1]["error"]["en"] and "使えません" in turns[-1]["error"]["ja"]
    assert ui.generator_config("llamacpp", "", "", "en").backend == "none"  # not configured: not offered
    assert ui.generator_config("bogus", "", "", "en").backend == "none"


def test_marks_render_as_badges() -> None:
    answer = {"question": "q", "lang": "en", "answer": "A [1] B [2]", "abstained": False, "confidence": 0.5,
              "generator": "openai:m", "retrieved": [], "timings_ms": {},
              "citations": [{"n": 1, "doc": "d", "line_start": 1, "line_end": 1}],
              "sentences": [{"text": "A <b>.", "citations": [1], "support": "supported"},
                            {"text": "B.", "citations": [9], "support": "unsupported"}]}
    html = answer_bubble(answer, "1", {}, "ja")
    assert "A &lt;b&gt;." in html and 'data-n="1"' in html
    assert "[9]" in html and 'data-n="9"' not in html  # a passage that was not given: no link
    assert "裏付けなし" in html and html.count("kk-sent-mark") == 2
    assert sentence_mark(None, "en") == ""


@contextmanager
def generator_page(service, llm: ScriptedServer, model: str) -> Iterator[Page]:
    """The web app in a browser, its answers set to come from the scripted server's `model`."""
    with running_ui(service) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="en-US")
        page.set_default_timeout(TIMEOUT_MS)
        # expect() has its own 5 s default; a busy machine may take longer (this is no speed test).
        expect.set_options(timeout=TIMEOUT_MS)
        page.goto(url)
        expect(page.locator(".kk-transcript[data-ready]")).to_have_count(1)
        page.locator("#kk-gen").get_by_text("Answer settings").click()
        page.locator("#kk-generator").get_by_text("Written by a language model server").click()
        page.fill("#kk-base-url textarea, #kk-base-url input", llm.url)
        page.fill("#kk-model-name textarea, #kk-model-name input", model)
        yield page
        browser.close()


def test_browser_generator_settings(service, llm) -> None:
    with generator_page(service, llm, "wrong-number") as page:
        page.fill("#kk-question textarea", QUESTION_EN)
        page.keyboard.press("Enter")
        last = page.locator(".kk-turn").last
        expect(last.locator(".kk-sent-mark")).to_have_count(2)
        expect(last.locator(".kk-caret")).to_have_count(0)
        expect(last.locator(".kk-sent-contradicted")).to_contain_text("contradicted")
        expect(last.locator(".kk-sent-supported")).to_have_count(1)
        last.locator("a.kk-cite").first.click()
        expect(page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")).to_have_count(1)
        page.screenshot(path=str(SCREENSHOT))


def test_browser_stop_a_generated_answer(service, llm) -> None:
    """Stop, while a slow model has written nothing yet: the turn says so, the box is back."""
    with generator_page(service, llm, "slow") as page:
        stop = page.locator("#kk-stop")
        expect(stop).to_be_hidden()
        page.fill("#kk-question textarea", QUESTION_EN)
        page.keyboard.press("Enter")
        expect(stop).to_be_visible()
        stop.click()
        last = page.locator(".kk-turn").last
        expect(last.locator(".kk-error")).to_contain_text("Stopped before the answer was finished")
        expect(stop).to_be_hidden()
        expect(page.locator("#kk-question textarea")).to_be_editable()
        expect(page.locator("#kk-question textarea")).to_be_focused()
