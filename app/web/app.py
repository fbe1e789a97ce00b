"""The web interface: chat with cited answers, a statement checker and the list of sources.

`build_app(service)` makes the Gradio app; `serve(service)` runs it. The callbacks
(`app.web.callbacks`) only call `service.ask` / `service.check` (the same code the CLI runs) and
render what comes back, and the API endpoints `/ask` and `/check` return exactly the CLI's JSON.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.env import AUTH_PASSWORD_ENV, AUTH_USER_ENV
from app.library.folder import uploads_allowed
from app.service import Kakehashi
from app.web.callbacks import KakehashiUi, ask_json, check_json, gen_hint_html, safe_call
from app.web.documents import DocumentsPanel
from app.web.render import examples_title_html, header_html
from app.web.script import FOCUS_JS, STARTUP_JS, page_head
from app.web.style import CSS, theme
from app.web.text_check import check_text_json, mode_choices
from app.web.words import EXAMPLE_CLAIMS, EXAMPLE_QUESTIONS, UiLang, t

# How many queued requests wait at most; more are refused (the queue is full) rather than kept.
QUEUE_SIZE = 200
# Where the browser keeps the conversation (local storage); also the key it is stored under with
# (the conversation is the reader's own, in the reader's browser: nothing secret).
CONVERSATION_KEY = "kakehashi-conversation"


def auth_from_env(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """Basic auth (user, password) from KAKEHASHI_AUTH_USER / _PASSWORD, or None if unset."""
    env = os.environ if environ is None else environ
    user, password = env.get(AUTH_USER_ENV, ""), env.get(AUTH_PASSWORD_ENV, "")
    if bool(user) != bool(password):
        raise ValueError(f"set both {AUTH_USER_ENV} and {AUTH_PASSWORD_ENV} for basic auth, or neither")
    return (user, password) if user else None


@dataclass
class Widgets:
    """The components the callbacks read and write."""

    lang: gr.Radio
    header: gr.HTML
    turns: gr.BrowserState
    check_state: gr.State
    shared: gr.State  # a shared question (?q=...), apart from the box the reader may type in
    tabs: list[gr.Tab]
    transcript: gr.HTML
    question: gr.Textbox
    ask: gr.Button
    stop: gr.Button
    hint: gr.HTML
    examples_titles: list[gr.HTML]
    examples: list[gr.Button]
    clear: gr.Button
    sources: gr.HTML
    claim: gr.Textbox
    check: gr.Button
    claim_examples: list[gr.Button]
    verdict: gr.HTML
    about: gr.HTML
    gen_settings: gr.Accordion
    generator: gr.Radio
    base_url: gr.Textbox
    model_name: gr.Textbox
    gen_hint: gr.HTML
    check_mode: gr.Radio
    statement_column: gr.Column
    text_column: gr.Column

    def controls(self) -> list[Any]:
        """The outputs of `KakehashiUi.controls`, in its order."""
        return [self.question, self.ask, self.clear, *self.examples, self.stop]


def build_app(service: Kakehashi, host: str | None = None) -> gr.Blocks:
    """The Gradio app over `service` (call `launch_app` or `serve` to run it); `host`: the address
    it will listen on (uploads are off beyond loopback unless basic auth is on)."""
    ui = KakehashiUi(service)
    server = service.settings.server
    ui.documents = DocumentsPanel(service, uploads_allowed(server.uploads, host or server.host,
                                                           auth_from_env()))
    with gr.Blocks(title="Kakehashi 架け橋", analytics_enabled=False) as app:
        _api(service)  # first, so that it owns the names /ask and /check
        w = _layout(ui, "en")
        _wire(app, ui, w, service.settings.server.concurrency)
    return app


def _api(service: Kakehashi) -> None:
    """The named endpoints /ask, /check and /check_text: one string in, the CLI's JSON out."""
    limit = service.settings.server.concurrency

    def ask(question: str) -> dict[str, Any]:
        """Answer a question from the sources (the JSON of `service.ask(...).to_json()`)."""
        return safe_call(lambda: ask_json(service, question))

    def check(claim: str) -> dict[str, Any]:
        """Check a statement against the sources (the JSON of `service.check(...).to_json()`)."""
        return safe_call(lambda: check_json(service, claim))

    def check_text(text: str) -> dict[str, Any]:
        """Check every sentence of a text against the sources (the JSON of
        `service.check_text(...).to_json()`: each sentence with its offsets into the text, its
        verdict, reason and evidence; the parts left unchecked; a summary)."""
        return safe_call(lambda: check_text_json(service, text))

    gr.api(ask, api_name="ask", concurrency_limit=limit, concurrency_id="model")
    gr.api(check, api_name="check", concurrency_limit=limit, concurrency_id="model")
    gr.api(check_text, api_name="check_text", concurrency_limit=limit, concurrency_id="model")


def _layout(ui: KakehashiUi, lg: UiLang) -> Widgets:
    with gr.Row(elem_id="kk-top"):
        header = gr.HTML(header_html(lg), scale=4, min_width=300, js_on_load=None, elem_id="kk-header")
        lang = gr.Radio([("English", "en"), ("日本語", "ja")], value=lg, label=t("language_toggle", lg),
                        show_label=False,
                        container=False, elem_id="kk-lang", scale=0, min_width=170)
    # The conversation lives in the browser (local storage), never on the server.
    turns, check_state = gr.BrowserState([], storage_key=CONVERSATION_KEY, secret=CONVERSATION_KEY), \
        gr.State(None)
    shared = gr.State("")
    with gr.Tabs():
        with gr.Tab(t("tab_ask", lg), id="ask", elem_id="kk-tab-ask") as tab_ask, gr.Row():
            with gr.Column(scale=3, min_width=280, elem_id="kk-chat-col"):
                transcript = gr.HTML(ui.transcript([], lg, ready=False), elem_id="kk-transcript",
                                     js_on_load=None)
                with gr.Row(equal_height=True, elem_id="kk-ask-row"):
                    question = gr.Textbox(label=t("question", lg), elem_id="kk-question",
                                          placeholder=t("question_placeholder", lg),
                                          lines=1, max_lines=6, scale=6, min_width=180, autofocus=True)
                    ask = gr.Button(t("ask", lg), variant="primary", scale=1, min_width=90, elem_id="kk-ask")
                    stop = gr.Button(t("stop", lg), variant="stop", scale=1, min_width=90, visible=False,
                                     elem_id="kk-stop")
                hint = gr.HTML(ui.hint("", lg), js_on_load=None, elem_id="kk-hint")
                with gr.Row(equal_height=True):
                    examples_title = gr.HTML(examples_title_html(lg), js_on_load=None, scale=1)
                    clear = gr.Button(t("clear", lg), size="sm", variant="secondary", scale=0,
                                      min_width=140, elem_id="kk-clear")
                with gr.Row(elem_id="kk-examples"):
                    examples = [gr.Button(q, size="sm", variant="secondary", scale=0, min_width=0,
                                          elem_classes=["kk-src"]) for q in EXAMPLE_QUESTIONS]
                configured = ui.service.settings.generator
                with gr.Accordion(t("gen_settings", lg), open=False, elem_id="kk-gen") as gen_settings:
                    generator = gr.Radio(ui.generator_choices(lg), label=t("gen_choice", lg),
                                         value=configured.backend if configured.backend in ui.backends()
                                         else "none", elem_id="kk-generator")
                    with gr.Row(equal_height=True):
                        base_url = gr.Textbox(configured.base_url, label=t("gen_base_url", lg), max_lines=1,
                                              scale=2, min_width=200, elem_id="kk-base-url")
                        model_name = gr.Textbox(configured.model, label=t("gen_model", lg), max_lines=1,
                                                scale=1, min_width=140, elem_id="kk-model-name")
                    gen_hint = gr.HTML(gen_hint_html(lg), js_on_load=None)
            with gr.Column(scale=2, min_width=280, elem_id="kk-sources-col"):
                sources = gr.HTML(ui.sources([], lg), elem_id="kk-sources", js_on_load=None)
        with gr.Tab(t("tab_check", lg), id="check", elem_id="kk-tab-check") as tab_check:
            check_mode = gr.Radio(mode_choices(lg), value="statement", label=t("check_mode", lg),
                                  show_label=False, container=False, elem_id="kk-check-mode")
            with gr.Column(elem_id="kk-statement-col") as statement_column:
                with gr.Row(equal_height=True):
                    claim = gr.Textbox(label=t("claim", lg), elem_id="kk-claim", lines=1, max_lines=6,
                                       placeholder=t("claim_placeholder", lg), scale=6, min_width=180)
                    check = gr.Button(t("check", lg), variant="primary", scale=1, min_width=90,
                                      elem_id="kk-check")
                claim_examples_title = gr.HTML(examples_title_html(lg, "claim_examples"), js_on_load=None)
                with gr.Row(elem_id="kk-claim-examples"):
                    claim_examples = [gr.Button(c, size="sm", variant="secondary", scale=0, min_width=0,
                                                  elem_classes=["kk-src"]) for c in EXAMPLE_CLAIMS]
                verdict = gr.HTML(ui.verdict(None, lg), elem_id="kk-verdict", js_on_load=None)
            with gr.Column(visible=False, elem_id="kk-text-col") as text_column:
                ui.text_check.layout(lg)
        with gr.Tab(t("tab_about", lg), id="about", elem_id="kk-tab-about") as tab_about:
            about = gr.HTML(ui.about(lg), js_on_load=None)
            if ui.documents is not None:
                ui.documents.layout(lg)
    return Widgets(lang, header, turns, check_state, shared, [tab_ask, tab_check, tab_about], transcript,
                   question, ask, stop, hint, [examples_title, claim_examples_title], examples, clear,
                   sources, claim, check, claim_examples, verdict, about, gen_settings, generator,
                   base_url, model_name, gen_hint, check_mode, statement_column, text_column)


def _wire(app: gr.Blocks, ui: KakehashiUi, w: Widgets, concurrency: int) -> None:
    """Events. Model calls share `concurrency` slots; UI-only events are private (not API)."""
    model: dict[str, Any] = {"concurrency_limit": concurrency, "concurrency_id": "model",
                             "api_visibility": "private", "show_progress": "hidden"}
    private: dict[str, Any] = {"queue": False, "api_visibility": "private", "show_progress": "hidden"}
    queued: dict[str, Any] = {**private, "queue": True, "concurrency_limit": None}
    added = [w.turns, w.transcript, *w.controls()]
    answering = []

    def ask(noted: Any, source: gr.components.Component) -> None:
        """After the note: the question added (unless refused), answered in a model slot, then
        the box takes input again, with the focus."""
        # Queued, unlike other UI steps: a refused question ends the chain with an error, which the
        # queue passes on quietly (outside it, the browser would log a failed request).
        answered = noted.then(ui.add_turn, [source, w.turns, w.lang, w.generator], added,
                              api_name="ui_add_turn", **queued) \
            .success(ui.answer_turn, [w.turns, w.lang, w.generator, w.base_url, w.model_name],
                     [w.turns, w.transcript, w.sources], api_name="ui_answer_turn", **model)
        answering.append(answered)
        answered.then(ui.finish_turn, [w.turns, w.lang], [w.turns, w.transcript, w.sources, *w.controls()],
                      api_name="ui_finish_turn", **private) \
            .then(None, js=FOCUS_JS)

    for source, triggers in [(w.question, [w.question.submit, w.ask.click]),
                             *[(b, [b.click]) for b in w.examples]]:
        # A question sent while the previous one's note is still on its way is not lost.
        ask(gr.on(triggers, ui.note, [source, w.lang], [w.hint], api_name="ui_note",
                  trigger_mode="always_last", **private), source)
    # At load: the interface language, the kept conversation, and a shared question (?q=...).
    # The shared question is asked from its own state: by the time the queued step runs, the
    # reader may already be typing another question in the box, which must not be sent for them.
    started = app.load(ui.restore, [w.lang, w.turns, w.question],
                       [w.lang, w.turns, w.question, w.shared, w.transcript, w.sources], js=STARTUP_JS,
                       api_name="ui_restore", **private)
    ask(started.then(ui.shared_note, [w.shared, w.lang], [w.hint], api_name="ui_shared_note", **private),
        w.shared)
    w.stop.click(ui.stop_turn, [w.turns, w.lang], [w.turns, w.transcript, w.sources, *w.controls()],
                 cancels=answering, api_name="ui_stop_turn", **private).then(None, js=FOCUS_JS)
    w.clear.click(ui.clear, [w.lang], [w.turns, w.transcript, w.sources, w.hint], api_name="ui_clear",
                  **private).then(None, js=FOCUS_JS)
    gr.on([w.claim.submit, w.check.click], ui.check, [w.claim, w.lang], [w.check_state, w.verdict],
          api_name="ui_check", **model)
    for button in w.claim_examples:
        button.click(ui.echo, [button], [w.claim], api_name="ui_claim_example", **private) \
            .then(ui.check, [w.claim, w.lang], [w.check_state, w.verdict], api_name="ui_check", **model)
    w.lang.change(ui.relabel, [w.lang, w.turns, w.check_state],
                  [w.lang, w.header, *w.tabs, w.question, w.ask, w.clear, w.stop, w.hint, *w.examples_titles,
                   w.claim, w.check, w.transcript, w.sources, w.verdict, w.about, w.gen_settings,
                   w.generator, w.base_url, w.model_name, w.gen_hint], api_name="ui_relabel", **private)
    ui.text_check.wire(w.lang, w.check_mode, w.statement_column, w.text_column, concurrency)
    if ui.documents is not None:
        ui.documents.wire(w.lang, w.about, ui.about)


# ---------------------------------------------------------------------------- running it

def launch_app(app: gr.Blocks, service: Kakehashi, host: str | None = None, port: int | None = None,
               block: bool = True) -> str:
    """Starts the server (queue, limits, auth) and returns its URL; blocks unless `block=False`."""
    server = service.settings.server
    app.queue(default_concurrency_limit=server.concurrency, max_size=QUEUE_SIZE)
    _, url, _ = app.launch(
        server_name=host or server.host, server_port=port or server.port, share=False,
        auth=auth_from_env(), prevent_thread_lock=True, quiet=True, show_error=False,
        footer_links=[], run_history=False, enable_monitoring=False, mcp_server=False,
        ssr_mode=False, theme=theme(), css=CSS,
        head=page_head(service.settings.limits.max_question_chars, service.settings.limits.max_text_chars),
        max_file_size=service.settings.limits.max_document_bytes)
    if block:
        print(f"Kakehashi is running at {url} (model and index loaded in {service.load_seconds:.1f} s). "
              "Press Ctrl+C to stop.", flush=True)
        try:
            app.block_thread()
        finally:
            app.close()
    return url


def serve(service: Kakehashi, host: str | None = None, port: int | None = None) -> None:
    """Runs the web interface on host:port (default: the server settings) until interrupted."""
    launch_app(build_app(service, host), service, host, port, block=True)
