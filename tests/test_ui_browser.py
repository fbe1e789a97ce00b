"""End to end in a real browser: Debian's headless Chromium driven by Playwright.

Asks in English and Japanese, clicks citations and checks the highlighted quote, measures
contrast in both colour schemes, the page width on a phone, where the newest answer is, where
the focus is, which words show in Japanese mode, and what survives a reload; and saves the
screenshots the README uses (docs/screenshots/). Never skipped: without Chromium it fails.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

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
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}
AA_CONTRAST = 4.5

EN_QUESTION = "How many people from India visited Japan through the Sakura Science Program?"
JA_QUESTION = "HFSPはいつ、どこで提案されましたか？"
ITER_QUESTION = "What is the aim of the ITER project?"
UNANSWERABLE = "What is the recipe for okonomiyaki?"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> ${alert(3)} {{constructor}}"
FIVE_QUESTIONS = [EN_QUESTION, ITER_QUESTION, "理研の海外事務所はどこにありますか？", JA_QUESTION,
                  "日本とオマーンが正式な外交関係を樹立したのは何年ですか？"]

# Every visible text of the page with its colour and the background it is drawn on (layers of
# background colour composed up to the first opaque one; a gradient counts by its worst colour).
CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c && c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a), b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => {
    const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  function backgrounds(el) {
    const layers = [];
    let gradient = [];
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.backgroundImage && cs.backgroundImage.includes('gradient') && !gradient.length) {
        gradient = (cs.backgroundImage.match(/rgba?\\([^)]+\\)/g) || []).map(parse);
      }
      const c = parse(cs.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let base = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) base = over(layer, base);
    return gradient.length ? gradient.map((g) => over(g, base)) : [base];
  }
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('[aria-hidden="true"], script, style, [disabled]')) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const fg = parse(getComputedStyle(el).color);
    const worst = Math.min(...backgrounds(el).map((bg) => ratio(over(fg, bg), bg)));
    found.push({text: text.slice(0, 40), ratio: Math.round(worst * 100) / 100,
                color: getComputedStyle(el).color, cls: String(el.className).slice(0, 40)});
  }
  return found;
}
"""

# Visible words in Latin letters outside text shown as the user or the source wrote it.
LATIN_WORDS_JS = """
() => {
  const FORMATS = new Set(["PDF", "Word", "HTML", "txt", "md", "docx", "html", "pdf", "KB", "MB"]);
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // Gradio's own upload widget and loading status speak the browser's language (here en-US).
    if (!el || el.closest('script, style, .kk-src, [lang="en"], [aria-hidden="true"], '
                          + '[data-testid="upload-text"], .sr-only[role="status"]')) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    for (const word of node.textContent.match(/[A-Za-z]{2,}/g) || []) {
      if (FORMATS.has(word)) continue;  // names of file formats, written so in Japanese too
      words.push(word + ' in ' + el.outerHTML.slice(0, 80));
    }
  }
  return words;
}
"""


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


OpenPage = Callable[..., Page]


@pytest.fixture()
def open_page(browser: Browser, url: str) -> Iterator[OpenPage]:
    """Opens the app in a fresh browser profile: a viewport, a colour scheme, a query string."""
    contexts, dialogs, errors = [], [], []

    def opener(viewport: dict[str, int] = DESKTOP, scheme: str = "light", query: str = "",
               locale: str = "en-US") -> Page:
        context = browser.new_context(viewport=viewport, locale=locale, color_scheme=scheme)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        # expect() has its own 5 s default; a busy machine may take longer (this is no speed test).
        expect.set_options(timeout=TIMEOUT_MS)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url + query)
        wait_ready(page)
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not dialogs, f"a script from the page's content ran: {dialogs}"
    assert not errors, f"the page logged errors: {errors}"


@pytest.fixture()
def page(open_page: OpenPage) -> Page:
    return open_page()


def wait_ready(page: Page) -> None:
    """Until the page has restored what the browser kept (and asked a shared question)."""
    expect(page.locator(".kk-transcript[data-ready]")).to_have_count(1)
    expect(page.locator("#kk-question textarea")).to_be_editable()


def shoot(page: Page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


def wait_answered(page: Page, turns: int) -> None:
    """Until turn number `turns` has its answer (or error) and the box takes input again."""
    expect(page.locator(".kk-turn")).to_have_count(turns)
    last = page.locator(".kk-turn").last
    expect(last.locator(".kk-answered, .kk-abstained, .kk-error")).to_have_count(1)
    expect(last.locator(".kk-caret")).to_have_count(0)
    expect(page.locator("#kk-question textarea")).to_be_editable()


def ask(page: Page, question: str) -> None:
    """Types the question, sends it, and waits until its answer is shown."""
    turns = page.locator(".kk-turn").count()
    page.fill("#kk-question textarea", question)
    page.keyboard.press("Enter")
    wait_answered(page, turns + 1)


def switch_to_japanese(page: Page) -> None:
    page.locator("#kk-lang").get_by_text("日本語").click()
    expect(page.locator("#kk-ask")).to_have_text("質問する")


def scroll_width(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def check_cited_answer(page: Page, expected: dict) -> None:
    """The answer, its markers, and a click on each marker opening the card with the quote."""
    last = page.locator(".kk-turn").last
    answer = last.locator(".kk-answered .kk-bubble")
    expect(answer).to_be_visible()
    first_quote = expected["citations"][0]["text"]
    assert first_quote.split()[0] in answer.text_content()
    markers = answer.locator(".kk-answer-text a.kk-cite")
    assert markers.count() >= len(expected["citations"])
    for citation in expected["citations"]:
        answer.locator(f'.kk-answer-text a.kk-cite[data-n="{citation["n"]}"]').first.click()
        card = page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")
        expect(card).to_have_count(1)
        expect(card).to_be_in_viewport()
        assert card.get_attribute("data-n") == str(citation["n"])
        # The highlight is exactly the quoted sentence, inside its passage.
        assert card.locator("mark.kk-quote").text_content() == citation["text"]
        assert citation["passage"]["text"].strip()[:20].lstrip("#").strip() in \
            card.locator(".kk-passage").first.text_content()


# ---------------------------------------------------------------------------- asking

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


def test_extractive_answer_appears_at_once(page: Page) -> None:
    """No word-by-word reveal: the answer's text is never shown in part, nor with a caret."""
    page.evaluate("""() => {
      window.kkSeen = [];
      new MutationObserver(() => {
        const bubble = document.querySelector('.kk-turn:last-child .kk-answered .kk-answer-text');
        if (bubble) window.kkSeen.push(bubble.textContent);
        if (document.querySelector('#kk-transcript .kk-caret')) window.kkSeen.push('caret');
      }).observe(document.getElementById('kk-transcript'),
                 {subtree: true, childList: true, characterData: true});
    }""")
    ask(page, ITER_QUESTION)
    seen = page.evaluate("() => window.kkSeen")
    final = page.locator(".kk-turn").last.locator(".kk-answer-text").text_content()
    assert seen and "caret" not in seen
    assert set(seen) == {final}, "the answer was shown in parts before it was complete"


def test_markup_in_a_question_is_shown_as_text(page: Page) -> None:
    ask(page, HOSTILE)
    bubble = page.locator(".kk-turn").last.locator(".kk-user .kk-bubble")
    expect(bubble).to_have_text(HOSTILE)
    assert page.locator("#kk-transcript img, #kk-transcript script, #kk-sources script").count() == 0
    # The open_page fixture asserts that no dialog (alert) fired.


def test_empty_input_asks_nothing_and_says_so_in_place(page: Page) -> None:
    box = page.locator("#kk-question textarea")
    box.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#kk-hint .kk-note")).to_contain_text("Type a question first")
    expect(page.locator(".kk-turn")).to_have_count(0)
    page.fill("#kk-question textarea", "   ")
    page.click("#kk-ask")
    expect(page.locator(".kk-turn")).to_have_count(0)
    ask(page, ITER_QUESTION)  # a real question clears the hint
    expect(page.locator("#kk-hint .kk-note")).to_have_count(0)


def test_over_long_question_stays_in_the_box(page: Page) -> None:
    box = page.locator("#kk-question textarea")
    counter = page.locator("#kk-question .kk-counter")
    box.fill("Why? " * 300)  # 1,500 characters: no counter yet
    expect(counter).to_be_hidden()
    long_text = "Why? " * 420  # 2,100 characters
    box.fill(long_text)
    expect(counter).to_be_visible()
    expect(counter).to_have_text("2,100 / 2,000")
    expect(counter).to_have_class(re.compile("kk-over"))
    page.keyboard.press("Enter")
    expect(page.locator("#kk-hint .kk-note")).to_contain_text("the limit is 2,000")
    expect(page.locator(".kk-turn")).to_have_count(0)
    assert box.input_value() == long_text  # kept, to be shortened
    ask(page, ITER_QUESTION)  # and the page keeps working
    expect(page.locator(".kk-turn").last.locator(".kk-answered, .kk-abstained")).to_have_count(1)


def test_unanswerable_question_looks_different(page: Page, service) -> None:
    expected = service.ask(UNANSWERABLE).to_json()
    assert expected["abstained"], "the sources say nothing of okonomiyaki: the service should abstain"
    ask(page, UNANSWERABLE)
    answer = page.locator(".kk-turn").last.locator(".kk-abstained")
    expect(answer).to_have_count(1)
    expect(answer.locator("a.kk-cite")).to_have_count(0)  # nothing cited: nothing answered
    related = answer.locator(".kk-related li")
    assert 0 < related.count() <= len(expected["retrieved"])
    cards = page.locator(".kk-turn-sources.kk-shown .kk-card-related")
    expect(cards).to_have_count(related.count())
    # Copyright lines and page furniture are never offered as related reading.
    for text in cards.all_text_contents():
        assert "Copyright" not in text and "All Rights Reserved" not in text
    shoot(page, "abstained.png")


def test_source_cards_show_headings_as_titles(page: Page) -> None:
    ask(page, ITER_QUESTION)
    page.locator(".kk-turn").last.locator(".kk-answer-text a.kk-cite").first.click()
    card = page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")
    expect(card.locator(".kk-heading").first).to_contain_text("Thermonuclear Experiment Reactor")
    assert "#" not in page.locator("#kk-sources").text_content()
    assert "confidence" not in page.locator("#kk-transcript").text_content()


# ---------------------------------------------------------------------------- the chat layout

def test_newest_answer_in_view_after_five_questions(page: Page) -> None:
    for question in FIVE_QUESTIONS:
        ask(page, question)
    newest = page.locator(".kk-turn").last.locator(".kk-bot")
    expect(newest).to_be_in_viewport()
    box = page.locator("#kk-transcript")
    inside = page.evaluate("""() => {
      const box = document.getElementById('kk-transcript').getBoundingClientRect();
      const turn = [...document.querySelectorAll('.kk-turn')].pop();
      const bot = turn.querySelector('.kk-bot').getBoundingClientRect();
      return bot.top < box.bottom && bot.bottom > box.top;
    }""")
    assert inside, "the newest answer is outside the conversation box's visible area"
    jump = page.locator(".kk-jump")
    expect(jump).to_be_hidden()
    # Scrolled up: the conversation stays where the reader put it, and offers a way back.
    box.evaluate("b => { b.scrollTop = 0; }")
    expect(jump).to_be_visible()
    jump.click()
    expect(jump).to_be_hidden()
    expect(newest).to_be_in_viewport()


def test_focus_returns_to_the_question_box(page: Page) -> None:
    ask(page, ITER_QUESTION)
    expect(page.locator("#kk-question textarea")).to_be_focused()
    # A marker opens its card from the keyboard, then the focus goes back to the box.
    page.locator(".kk-turn .kk-answer-text a.kk-cite").first.focus()
    page.keyboard.press("Space")
    expect(page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")).to_have_count(1)
    page.locator("#kk-question textarea").focus()
    # The next question typed straight away, with the keyboard alone, is asked.
    page.keyboard.type(EN_QUESTION)
    page.keyboard.press("Enter")
    wait_answered(page, 2)
    expect(page.locator(".kk-turn").last.locator(".kk-user")).to_contain_text("Sakura Science")
    expect(page.locator("#kk-question textarea")).to_be_focused()


def tab_to(page: Page, selector: str) -> dict:
    """Moves the focus with Tab alone until it is in `selector`; the focus ring drawn there
    (on the control, or on the label that holds it)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        ring = page.evaluate("""(selector) => { const el = document.activeElement;
          if (!el || !el.closest(selector)) return null;
          const ringed = el.type === 'radio' ? el.closest('label') : el;  // a radio's ring is its label's
          const cs = getComputedStyle(ringed);
          return {style: cs.outlineStyle, width: parseFloat(cs.outlineWidth)}; }""", selector)
        if ring is not None:
            return ring
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_visible_focus_on_controls(open_page: OpenPage, scheme: str) -> None:
    page = open_page(scheme=scheme)
    page.locator("body").click(position={"x": 2, "y": 2})
    for selector in [".kk-theme-toggle", "#kk-lang", "#kk-question", "#kk-ask"]:
        ring = tab_to(page, selector)
        assert ring["style"] != "none" and ring["width"] >= 2, (selector, ring)


# ---------------------------------------------------------------------------- themes

def contrasts(page: Page) -> list[dict]:
    """The contrast of every visible text, the pointer away from every control."""
    page.mouse.move(1, 1)
    return page.evaluate(CONTRAST_JS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_meets_wcag_aa_in_both_schemes(open_page: OpenPage, scheme: str) -> None:
    page = open_page(scheme=scheme)
    assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
    ask(page, ITER_QUESTION)
    ask(page, UNANSWERABLE)
    link = page.locator(".kk-turn").nth(0).locator(".kk-answer-text a.kk-cite").first
    link.click()
    measured = page.evaluate(CONTRAST_JS)  # the marker hovered
    page.mouse.move(1, 1)
    if scheme == "dark":
        shoot(page, "dark.png")
    measured += contrasts(page)  # at rest
    page.fill("#kk-question textarea", "Why? " * 420)
    page.keyboard.press("Enter")  # refused in place: the note and the counter
    expect(page.locator("#kk-hint .kk-note")).to_be_visible()
    measured += contrasts(page)
    page.locator("button[role=tab]").nth(1).click()
    page.locator("#kk-claim-examples button").first.click()
    expect(page.locator("#kk-verdict .kk-badge")).to_be_visible()
    page.fill("#kk-claim textarea", "RIKEN was founded in 1958.")
    page.click("#kk-check")
    expect(page.locator("#kk-verdict .kk-badge-contradicted")).to_be_visible()
    measured += contrasts(page)
    page.fill("#kk-claim textarea", " ")
    page.click("#kk-check")
    expect(page.locator("#kk-verdict .kk-error")).to_be_visible()
    measured += contrasts(page)
    assert len(measured) > 40, "too few texts measured: the page did not render"
    low = [m for m in measured if m["ratio"] < AA_CONTRAST]
    assert not low, f"texts under {AA_CONTRAST}:1 in the {scheme} scheme: {low}"


def test_theme_toggle_switches_and_is_kept(page: Page) -> None:
    assert not page.evaluate("() => document.body.classList.contains('dark')")
    page.click(".kk-theme-toggle")
    assert page.evaluate("() => document.body.classList.contains('dark')")
    page.reload()
    wait_ready(page)
    page.wait_for_function("() => document.body.classList.contains('dark')")
    box = page.evaluate("() => getComputedStyle(document.getElementById('kk-transcript')).backgroundColor")
    assert box == "rgb(15, 23, 42)"  # the dark theme's colours, not the light ones
    page.click(".kk-theme-toggle")
    assert not page.evaluate("() => document.body.classList.contains('dark')")


# ---------------------------------------------------------------------------- phones

def test_phone_has_no_sideways_scrolling(open_page: OpenPage) -> None:
    page = open_page(viewport=PHONE)
    assert scroll_width(page) <= PHONE["width"]
    ask(page, EN_QUESTION)
    ask(page, JA_QUESTION)
    assert scroll_width(page) <= PHONE["width"]
    chips = page.locator(".kk-turn").last.locator(".kk-cite-row a.kk-cite")
    assert chips.first.bounding_box()["x"] + chips.first.bounding_box()["width"] <= PHONE["width"]
    shoot(page, "phone.png", full_page=True)
    link = page.locator(".kk-turn").last.locator(".kk-answer-text a.kk-cite").first
    link.click()
    card = page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")
    expect(card).to_be_in_viewport()
    back = page.locator("#kk-sources .kk-sheet-close")
    expect(back).to_be_visible()
    expect(back).to_be_focused()
    assert scroll_width(page) <= PHONE["width"]
    shoot(page, "phone-card.png")
    back.click()
    expect(back).to_be_hidden()
    expect(link).to_be_focused()  # back where the reader was


def test_phone_header_wraps(open_page: OpenPage) -> None:
    page = open_page(viewport=PHONE)
    title = page.locator(".kk-header h1")
    assert title.bounding_box()["height"] < 60, "the title broke into a narrow column"
    for selector in ["#kk-ask", "#kk-lang", ".kk-theme-toggle"]:
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector


# ---------------------------------------------------------------------------- one language at a time

def test_japanese_mode_is_japanese_throughout(page: Page, service) -> None:
    switch_to_japanese(page)
    expected = service.ask(JA_QUESTION).to_json()
    assert not expected["abstained"], "the Japanese example question should be answered"
    ask(page, JA_QUESTION)
    check_cited_answer(page, expected)
    expect(page.locator(".kk-turn").last.locator(".kk-who").first).to_have_text("あなた")
    shoot(page, "ask-ja.png")
    ask(page, UNANSWERABLE)  # an English question: the interface still speaks Japanese
    page.fill("#kk-question textarea", "x" * 2100)
    page.keyboard.press("Enter")  # refused in place, in Japanese
    expect(page.locator("#kk-hint .kk-note")).to_contain_text("上限は2,000文字")
    words = page.evaluate(LATIN_WORDS_JS)
    assert not words, f"English words outside quotes in Japanese mode: {words}"
    page.locator("button[role=tab]").nth(1).click()
    expect(page.get_by_text("主張の例", exact=True)).to_be_visible()
    page.fill("#kk-claim textarea", "RIKEN was founded in 1958.")
    page.click("#kk-check")
    expect(page.locator("#kk-verdict .kk-badge-contradicted")).to_be_visible()
    expect(page.locator("#kk-verdict .kk-reason")).to_contain_text("資料では1958ではなく1917です")
    assert not page.evaluate(LATIN_WORDS_JS)
    page.fill("#kk-claim textarea", " ")
    page.click("#kk-check")
    expect(page.locator("#kk-verdict .kk-error")).to_contain_text("主張が空です")
    assert not page.evaluate(LATIN_WORDS_JS)
    page.locator("button[role=tab]").nth(2).click()
    assert not page.evaluate(LATIN_WORDS_JS)


def test_starts_in_the_browser_language_then_the_chosen_one(open_page: OpenPage) -> None:
    page = open_page(locale="ja-JP")
    expect(page.locator("#kk-ask")).to_have_text("質問する")
    assert page.evaluate("() => document.documentElement.lang") == "ja"
    page = open_page(locale="en-US")
    expect(page.locator("#kk-ask")).to_have_text("Ask")
    switch_to_japanese(page)
    # The documents panel relabels in an event of its own: done before the page goes away.
    page.locator("button[role=tab]").nth(2).click()
    expect(page.locator(".kk-documents .kk-panel-title").first).to_have_text("文書")
    page.reload()  # the reader's choice wins over the browser's language
    wait_ready(page)
    expect(page.locator("#kk-ask")).to_have_text("質問する")


def test_language_toggle_keeps_the_open_card(page: Page) -> None:
    ask(page, ITER_QUESTION)
    ask(page, EN_QUESTION)
    first = page.locator(".kk-turn").first
    first.locator(".kk-answer-text a.kk-cite").first.click()
    expect(page.locator(".kk-turn-sources.kk-shown")).to_have_attribute("data-turn", "1")
    switch_to_japanese(page)
    expect(page.locator(".kk-turn-sources.kk-shown .kk-panel-title")).to_have_text("出典")
    expect(page.locator(".kk-turn-sources.kk-shown")).to_have_attribute("data-turn", "1")
    expect(page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")).to_have_attribute("data-n", "1")


# ---------------------------------------------------------------------------- keep and share

def test_reload_keeps_the_conversation_until_a_new_one(page: Page) -> None:
    ask(page, ITER_QUESTION)
    ask(page, JA_QUESTION)
    answers = page.locator(".kk-answer-text").all_text_contents()
    page.reload()
    wait_ready(page)
    expect(page.locator(".kk-turn")).to_have_count(2)
    assert page.locator(".kk-answer-text").all_text_contents() == answers
    expect(page.locator(".kk-turn").last.locator(".kk-bot")).to_be_in_viewport()
    page.locator(".kk-turn").first.locator(".kk-answer-text a.kk-cite").first.click()
    expect(page.locator(".kk-turn-sources.kk-shown .kk-card.kk-active")).to_be_visible()
    page.click("#kk-clear")
    expect(page.locator(".kk-turn")).to_have_count(0)
    page.reload()
    wait_ready(page)
    expect(page.locator(".kk-turn")).to_have_count(0)


def test_share_link_opens_the_page_and_asks(open_page: OpenPage, url: str) -> None:
    page = open_page(query=f"?q={quote(ITER_QUESTION)}")
    wait_answered(page, 1)
    expect(page.locator(".kk-turn .kk-user .kk-bubble")).to_have_text(ITER_QUESTION)
    assert "q=" not in page.url  # a reload does not ask again
    button = page.locator(".kk-turn .kk-share")
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == f"{url.rstrip('/')}/?q={quote(ITER_QUESTION).replace('%20', '+')}"


def test_copy_answer_and_quote(page: Page, service) -> None:
    expected = service.ask(EN_QUESTION).to_json()
    ask(page, EN_QUESTION)
    page.locator(".kk-turn .kk-actions .kk-copy").first.click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith(expected["answer"])
    for citation in expected["citations"]:
        assert f"[{citation['n']}] " in copied and f"“{citation['text']}”" in copied
    assert "<" not in copied  # plain text, no markup
    page.locator(".kk-turn .kk-answer-text a.kk-cite").first.click()
    page.locator(".kk-card.kk-active .kk-copy").click()
    quote_text = page.evaluate("() => navigator.clipboard.readText()")
    first = expected["citations"][0]
    assert quote_text.startswith(f"“{first['text']}”\n[{first['n']}] ")
    assert f"line {first['line_start']}" in quote_text or f"lines {first['line_start']}" in quote_text


# ---------------------------------------------------------------------------- the other tabs

def test_check_a_statement(page: Page) -> None:
    page.locator("button[role=tab]:has-text('Check facts')").first.click()
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


# ---------------------------------------------------------------------------- checking a whole text

# Facts from seeds/: HFSP has 14 member countries (12 contradicts it); RIKEN was founded in 1917;
# the sources say nothing of Mars; a question is not a claim. A heading, a list marker and a
# reference line are kept in place but not checked.
MIXED_TEXT = ("## Draft brief\n\n"
              "HFSP is now supported by a total of 12 countries [1]. 理研は1917年に創設された。\n"
              "- The ISS project plans to land astronauts on Mars by 2030.\n"
              "HFSPはいつ、どこで提案されましたか？\n\n"
              "[1] JISTEC Report, 2022.\n")
MIXED_VERDICTS = {
    "HFSP is now supported by a total of 12 countries [1].": "contradicted",
    "理研は1917年に創設された。": "supported",
    "The ISS project plans to land astronauts on Mars by 2030.": "unsupported",
    "HFSPはいつ、どこで提案されましたか？": "not_a_claim",
}


def open_text_mode(page: Page, tab: str = "Check facts", mode: str = "A whole text") -> None:
    page.locator(f"button[role=tab]:has-text('{tab}')").first.click()
    page.locator("#kk-check-mode").get_by_text(mode).click()
    expect(page.locator("#kk-text textarea")).to_be_visible()


def check_text(page: Page, text: str | None = None) -> None:
    """Fills the text box (unless `text` is None: already filled), checks it, waits until done."""
    if text is not None:
        page.fill("#kk-text textarea", text)
    page.click("#kk-check-text")
    expect(page.locator("#kk-text-report .kk-tc[data-done='1']")).to_have_count(1)
    expect(page.locator("#kk-check-text")).to_be_enabled()


def sentence_verdicts(page: Page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries(
      [...document.querySelectorAll('#kk-text-report .kk-tc-text .kk-ts')].map(
        (s) => [s.querySelector('.kk-src').textContent, s.dataset.verdict]))""")


def test_check_a_text(page: Page, service) -> None:
    from app.verify.text_report import catalog_titles, markdown_report

    open_text_mode(page)
    expect(page.locator("#kk-text-report .kk-hint")).to_contain_text("Paste a text")
    # Results appear sentence by sentence: every sentence is shown pending before its verdict.
    page.evaluate("""() => {
      window.kkPending = 0;
      new MutationObserver(() => {
        window.kkPending = Math.max(window.kkPending,
          document.querySelectorAll('#kk-text-report .kk-ts.kk-ts-pending').length);
      }).observe(document.getElementById('kk-text-report'), {subtree: true, childList: true});
    }""")
    check_text(page, MIXED_TEXT)
    assert page.evaluate("() => window.kkPending") >= 1, "no sentence was shown as being checked"
    assert sentence_verdicts(page) == MIXED_VERDICTS
    # The whole input in place, line breaks and unchecked parts as plain text.
    shown = page.evaluate("""() => { const text = document.querySelector('#kk-text-report .kk-tc-text')
      .cloneNode(true); text.querySelectorAll('.kk-ts-mark').forEach((m) => m.remove());
      return text.textContent; }""")
    assert shown == MIXED_TEXT
    expect(page.locator(".kk-tc-summary")).to_have_text(
        "4 sentences: 1 supported, 1 contradicted, 1 not found, 1 not a claim")
    legend = page.locator("ul.kk-tc-legend")
    expect(legend).to_have_attribute("aria-label", "Legend")
    expect(legend.locator("[data-verdict='unsupported']")).to_contain_text("Not found in the sources 1")
    # Not colour alone: each verdict has its own mark and underline style, and its name.
    styles = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
      '#kk-text-report .kk-tc-text .kk-ts')].map((s) => [s.dataset.verdict,
      [getComputedStyle(s).textDecorationStyle, s.querySelector('.kk-ts-mark').textContent,
       s.getAttribute('aria-label'), s.getAttribute('role'), s.tabIndex]]))""")
    assert styles["supported"][:2] == ["solid", "✓"] and styles["contradicted"][:2] == ["wavy", "✗"]
    assert styles["unsupported"][:2] == ["dashed", "?"] and styles["not_a_claim"][:2] == ["dotted", "–"]
    assert styles["contradicted"][2:] == ["Sentence 1: Contradicted", "button", 0]
    shoot(page, "check-text.png", full_page=True)

    # From the keyboard: Tab to a sentence, Enter opens its evidence card.
    page.locator("#kk-text-report .kk-ts[data-n='1']").focus()
    page.keyboard.press("Tab")
    second = page.locator("#kk-text-report .kk-tc-text .kk-ts[data-n='2']")
    expect(second).to_be_focused()
    page.keyboard.press("Enter")
    card = page.locator("#kk-tc-card-2")
    expect(card).to_be_visible()
    expect(second).to_have_attribute("aria-expanded", "true")
    expect(card.locator(".kk-badge")).to_have_attribute("data-verdict", "supported")
    expect(card.locator("mark.kk-quote")).to_contain_text("1917")
    page.locator("#kk-text-report .kk-ts[data-n='1']").focus()
    page.keyboard.press("Space")
    card = page.locator("#kk-tc-card-1")
    expect(card).to_be_visible()
    expect(page.locator("#kk-tc-card-2")).to_be_hidden()
    expect(card.locator(".kk-reason")).to_have_text("The sources give 14, not 12")
    expected = service.check_text(MIXED_TEXT)
    quote = expected.sentences[0].evidence[0]
    assert card.locator("mark.kk-quote").first.text_content() == quote.quote.text
    expect(card.locator(".kk-card .kk-chips").first).to_contain_text("line")
    shoot(page, "check-text-card.png")

    # Copy report: the Markdown report, as the CLI prints it.
    page.locator("#kk-text-report .kk-actions .kk-copy").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == markdown_report(expected, "en", catalog_titles(service.catalog))
    assert copied.startswith("# Text check\n\n**4 sentences: 1 supported, 1 contradicted")
    assert "**✗ Contradicted**: The sources give 14, not 12[^1]" in copied
    measured = contrasts(page)
    low = [m for m in measured if m["ratio"] < AA_CONTRAST]
    assert not low, f"texts under {AA_CONTRAST}:1: {low}"


def test_check_a_text_in_japanese_on_a_dark_phone(open_page: OpenPage) -> None:
    page = open_page(viewport=PHONE, scheme="dark")
    switch_to_japanese(page)
    open_text_mode(page, "事実を確認", "文章全体")
    page.click("#kk-text-example")
    expect(page.locator("#kk-text textarea")).to_have_value(re.compile("HFSP is now supported"))
    check_text(page)
    expect(page.locator(".kk-tc-summary")).to_have_text("4文：裏付けあり1、矛盾あり1、資料に記載なし1、主張ではない1")
    assert set(sentence_verdicts(page).values()) == {"supported", "contradicted", "unsupported",
                                                     "not_a_claim"}
    assert scroll_width(page) <= PHONE["width"]
    words = page.evaluate(LATIN_WORDS_JS)
    assert not words, f"English words outside quotes in Japanese mode: {words}"
    sentence = page.locator("#kk-text-report .kk-ts[data-verdict='contradicted']")
    expect(sentence).to_have_attribute("aria-label", "1文目: 矛盾あり")
    sentence.focus()
    page.keyboard.press("Enter")
    card = page.locator("#kk-tc-card-1")
    expect(card).to_be_in_viewport()
    expect(card.locator(".kk-reason")).to_contain_text("資料では12ではなく14です")
    back = card.locator(".kk-tc-back")
    expect(back).to_be_focused()
    assert scroll_width(page) <= PHONE["width"]
    assert not page.evaluate(LATIN_WORDS_JS)
    shoot(page, "check-text-phone-ja-dark.png")
    measured = contrasts(page)
    low = [m for m in measured if m["ratio"] < AA_CONTRAST]
    assert not low, f"texts under {AA_CONTRAST}:1 in the dark scheme: {low}"
    back.click()
    expect(sentence).to_be_focused()
    # The language switched back: the report follows, still open on the same card.
    page.locator("#kk-lang").get_by_text("English").click()
    expect(page.locator(".kk-tc-summary")).to_have_text(
        "4 sentences: 1 supported, 1 contradicted, 1 not found, 1 not a claim")
    expect(page.locator("#kk-tc-card-1 .kk-reason")).to_have_text("The sources give 14, not 12")
    expect(page.locator("#kk-tc-card-1")).to_be_visible()


def test_a_long_text_check_can_be_stopped(page: Page) -> None:
    open_text_mode(page)
    # Distinct sentences (each checked anew), enough that the check is still running when stopped.
    text = " ".join(f"HFSP is now supported by a total of {n} countries." for n in range(20, 220))
    page.fill("#kk-text textarea", text)
    page.click("#kk-check-text")
    stop = page.locator("#kk-stop-text")
    expect(page.locator("#kk-text-report .kk-ts[data-verdict='contradicted']").first).to_be_visible()
    stop.click()
    expect(page.locator("#kk-text-report .kk-tc[data-stopped='1']")).to_have_count(1)
    expect(stop).to_be_hidden()
    expect(page.locator("#kk-check-text")).to_be_enabled()
    progress = page.locator("#kk-text-report .kk-tc-progress")
    expect(progress).to_contain_text(re.compile(r"Stopped after \d+ of 200 sentences"))
    # What was checked keeps its verdict; the rest says it was not checked, and stays so.
    page.wait_for_timeout(1500)
    unchecked = page.locator("#kk-text-report .kk-tc-text .kk-ts[data-verdict='pending']")
    assert unchecked.count() > 0
    expect(unchecked.first).to_have_attribute("aria-label", re.compile(r"Not checked$"))
    assert page.locator("#kk-text-report .kk-tc[data-stopped='1']").count() == 1
    unchecked.first.click()
    expect(page.locator("#kk-text-report .kk-tc-card:visible .kk-hint")).to_contain_text(
        "stopped before this sentence")
    # A new check runs to the end as usual.
    check_text(page, MIXED_TEXT)
    assert sentence_verdicts(page) == MIXED_VERDICTS


def test_check_a_text_from_a_file(page: Page, tmp_path: Path) -> None:
    import docx

    open_text_mode(page)
    upload = page.locator("#kk-text-file input[type=file]")
    markdown = tmp_path / "brief.md"
    markdown.write_text(MIXED_TEXT, encoding="utf-8")
    upload.set_input_files(str(markdown))
    expect(page.locator("#kk-text textarea")).to_have_value(MIXED_TEXT)
    expect(page.locator("#kk-text-note")).to_contain_text(f"Read brief.md: {len(MIXED_TEXT)} characters")
    document = docx.Document()
    document.add_paragraph("理研は1917年に創設された。")
    document.add_paragraph("HFSP is now supported by a total of 12 countries.")
    word = tmp_path / "brief.docx"
    document.save(str(word))
    upload = page.locator("#kk-text-file input[type=file]")
    upload.set_input_files(str(word))
    expect(page.locator("#kk-text-note")).to_contain_text("Read brief.docx")
    expect(page.locator("#kk-text textarea")).to_have_value(re.compile(
        r"^理研は1917年に創設された。\s+HFSP is now supported by a total of 12 countries\.\s*$"))
    check_text(page)
    assert sorted(sentence_verdicts(page).values()) == ["contradicted", "supported"]
    too_long = tmp_path / "long.txt"
    too_long.write_text("RIKEN was founded in 1917. " * 1000, encoding="utf-8")  # 27,000 characters
    upload = page.locator("#kk-text-file input[type=file]")
    upload.set_input_files(str(too_long))
    expect(page.locator("#kk-text-note .kk-note")).to_contain_text("the limit is 20,000")
    expect(page.locator("#kk-text textarea")).to_have_value(re.compile("理研は1917年"))  # kept
    page.fill("#kk-text textarea", "   ")
    page.click("#kk-check-text")
    expect(page.locator("#kk-text-report .kk-error")).to_contain_text("the text is empty")
