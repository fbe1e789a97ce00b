"""The check tab's "A whole text" mode: paste a text (or drop a .txt, .md or .docx file), and
every sentence is marked in place as it is checked, with a summary on top, an evidence card per
sentence and a Markdown report to copy (`app.verify.text_report`, the CLI's too).

The text is rendered server-side from the service's offsets: the input exactly as given, each
sentence (`text[start:end]`) a focusable element marked by its verdict (colour, mark and underline
style, never colour alone), everything else (headings, list markers, references, line breaks)
plain text between them. Cards are rendered with the sentences, so opening one needs no request.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import gradio as gr

from app.inputs import InputError
from app.records import TEXT_VERDICTS, CheckedSentence, TextCheck
from app.service import Kakehashi
from app.verify.text_report import (
    catalog_titles,
    markdown_report,
    reason_text,
    summary_line,
    verdict_label,
    verdict_mark,
)
from app.web.errors import error_json
from app.web.passages import esc
from app.web.render import (
    Catalog,
    Json,
    badge_html,
    error_bubble,
    panel_title,
    reason_html,
    source_card,
    src,
)
from app.web.words import EXAMPLE_TEXT, UI_LANGS, UiLang, t, ui_lang
from app.wording import Message, in_lang, translations
from ingest.formats import detect_format
from ingest.reader import DocumentError, read_document_bytes

log = logging.getLogger("kakehashi.ui")

TEXT_FILE_SUFFIXES = (".txt", ".md", ".docx")
_TEXT_FORMATS = ("text", "markdown", "docx")
# While a text is checked the page is re-rendered at most this often (plus this much per
# megabyte of HTML), and once more when it is done.
STREAM_RENDER_S = 0.15
STREAM_RENDER_S_PER_MB = 0.5


# ---------------------------------------------------------------------------- the API's JSON

def check_text_json(service: Kakehashi, text: object) -> Json:
    """`service.check_text` as the CLI's JSON (`TextCheck.to_json()`), or an error as /check
    returns one (`error_json`) for input it refuses."""
    try:
        return service.check_text(text).to_json()  # type: ignore[arg-type]  # checked by the service
    except InputError as err:
        return error_json(err.message)


# ---------------------------------------------------------------------------- rendering

# Names of keys and formats, written in Latin letters in Japanese too.
_LATIN_TERMS = re.compile(r"(?<![A-Za-z])(Tab|Enter|Markdown)(?![A-Za-z])")


def words_html(text: str) -> str:
    """Interface text, escaped, its key and format names marked as such (`lang="en"`)."""
    return _LATIN_TERMS.sub(lambda m: (f'<kbd lang="en">{m.group(1)}</kbd>' if m.group(1) != "Markdown"
                                       else f'<span lang="en" translate="no">{m.group(1)}</span>'),
                            esc(text))


def copy_report_button(markdown: str, lang: UiLang) -> str:
    """A button the page's script answers by copying the Markdown report (see `copy_button`)."""
    return (f'<button type="button" class="kk-copy kk-copy-report" data-copy="{esc(markdown)}" '
            f'data-done="{esc(t("copied", lang))}">{words_html(t("copy_report", lang))}</button>')


def verdict_key(sentence: CheckedSentence) -> str:
    return sentence.verdict or "pending"


def label_of(verdict: str | None, lang: UiLang, stopped: bool = False) -> str:
    """The verdict's name; without one, being checked, or not checked when the check was stopped."""
    return t("text_not_checked", lang) if stopped and not verdict else verdict_label(verdict, lang)


def sentence_html(sentence: CheckedSentence, lang: UiLang, stopped: bool = False) -> str:
    """One sentence in place: a button-like element naming its verdict, marked by it."""
    key = verdict_key(sentence)
    label = label_of(sentence.verdict, lang, stopped)
    name = f"{t('text_sentence', lang, n=sentence.n)}: {label}"
    return (f'<span class="kk-ts kk-ts-{key}" role="button" tabindex="0" data-n="{sentence.n}" '
            f'data-verdict="{key}" aria-label="{esc(name)}" aria-expanded="false" '
            f'aria-controls="kk-tc-card-{sentence.n}" title="{esc(label)}">'
            f'{src(sentence.text, lang=sentence.lang)}'
            f'<span class="kk-ts-mark" aria-hidden="true">{verdict_mark(sentence.verdict)}</span></span>')


def text_body_html(check: TextCheck, lang: UiLang, stopped: bool = False) -> str:
    """The whole input, in place: sentences marked, all between them (skipped parts, spaces,
    line breaks) as plain text."""
    parts: list[str] = []
    last = 0
    text = check.text
    for sentence in sorted(check.sentences, key=lambda s: s.start):
        start = max(sentence.start, last)
        if start > last:
            parts.append(src(text[last:start], "kk-tc-plain"))
        parts.append(sentence_html(sentence, lang, stopped))
        last = max(last, sentence.end)
    if last < len(text):
        parts.append(src(text[last:], "kk-tc-plain"))
    return "".join(parts)


def sentence_card(sentence: CheckedSentence, catalog: Catalog, lang: UiLang, stopped: bool = False) -> str:
    """The evidence card of one sentence: verdict, the sentence, the reason, the evidence cards
    (as a claim check shows them)."""
    n = sentence.n
    if sentence.verdict is None:
        why = "text_stopped_card" if stopped else "text_pending_card"
        body = f'<p class="kk-hint">{esc(t(why, lang))}</p>'
    else:
        reason = in_lang(sentence.reason, lang) if not sentence.evidence else reason_text(sentence, lang)
        cards = "".join(source_card(c.to_json(), f"text-{n}", catalog, lang) for c in sentence.evidence)
        title = t("text_closest" if sentence.verdict == "unsupported" else "evidence", lang)
        evidence = f'{panel_title(title)}{cards}' if cards else ""
        body = f'<p class="kk-reason">{reason_html(reason)}</p>{evidence}'
    badge = badge_html(verdict_key(sentence), verdict_mark(sentence.verdict),
                       label_of(sentence.verdict, lang, stopped))
    return (f'<section class="kk-tc-card kk-verdict" id="kk-tc-card-{n}" data-n="{n}" tabindex="-1" '
            f'hidden aria-label="{esc(t("text_sentence", lang, n=n))}">'
            f'<div class="kk-tc-card-head"><span class="kk-tc-card-n">{esc(t("text_sentence", lang, n=n))}'
            f"</span>{badge}</div>"
            f'<div class="kk-claim">“{src(sentence.text, lang=sentence.lang)}”</div>{body}'
            f'<button type="button" class="kk-tc-back" data-n="{n}">{esc(t("text_back", lang))}</button>'
            "</section>")


def legend_html(summary: Mapping[str, int], lang: UiLang, stopped: bool = False) -> str:
    """The key to the marks, with how many sentences have each."""
    keys = [*TEXT_VERDICTS, *(["pending"] if summary.get("pending") else [])]
    items = "".join(
        f'<li class="kk-tc-key" data-verdict="{key}"><span class="kk-ts kk-ts-{key} kk-ts-sample">'
        f'<span class="kk-ts-mark" aria-hidden="true">{verdict_mark(None if key == "pending" else key)}'
        f'</span></span> {esc(label_of(None if key == "pending" else key, lang, stopped))} '
        f'<b class="kk-tc-count">{summary.get(key, 0)}</b></li>'
        for key in keys)
    return f'<ul class="kk-tc-legend" aria-label="{esc(t("text_legend", lang))}">{items}</ul>'


def text_check_html(state: Json | None, catalog: Catalog, lang: UiLang) -> str:
    """The mode's result area: an introduction, an error, or the checked text (as far as it is
    checked) with its summary, legend, copy button and evidence cards."""
    if not state:
        return f'<div class="kk-tc kk-empty"><p class="kk-hint">{esc(t("text_intro", lang))}</p></div>'
    if state.get("error"):
        return f'<div class="kk-tc">{error_bubble(state["error"], lang, "check_error_title")}</div>'
    check: TextCheck = state["check"]
    summary = check.summary()
    done = summary["pending"] == 0
    stopped = bool(state.get("stopped")) and not done
    if not check.sentences:
        return (f'<div class="kk-tc" data-done="1"><p class="kk-hint">{esc(t("text_no_sentence", lang))}'
                f'</p><div class="kk-tc-text">{text_body_html(check, lang)}</div></div>')
    status = summary_line(summary, lang)
    total = summary["sentences"]
    checked = total - summary["pending"]
    dots = '<span class="kk-dots" aria-hidden="true"><i></i><i></i><i></i></span> '
    note = (esc(t("text_stopped", lang, n=checked, total=total)) if stopped
            else dots + esc(t("text_checking", lang, n=checked + 1, total=total)))
    progress = "" if done else f'<p class="kk-tc-progress">{note}</p>'
    actions = (f'<div class="kk-actions">'
               f"{copy_report_button(markdown_report(check, lang, catalog_titles(catalog)), lang)}</div>"
               if done else "")
    cards = "".join(sentence_card(s, catalog, lang, stopped) for s in check.sentences)
    return (f'<div class="kk-tc{" kk-tc-stopped" if stopped else ""}" data-done="{int(done)}" '
            f'data-stopped="{int(stopped)}">'
            f'<div class="kk-tc-top"><p class="kk-tc-summary" role="status">{esc(status)}</p>'
            f"{progress}{legend_html(summary, lang, stopped)}{actions}</div>"
            f'<div class="kk-tc-body"><div class="kk-tc-text">{text_body_html(check, lang, stopped)}</div>'
            f'<aside class="kk-tc-cards"><p class="kk-hint kk-tc-pick">{words_html(t("text_pick", lang))}</p>'
            f"{cards}</aside></div></div>")


def file_note_html(text: str, lang: UiLang, error: bool, name: str = "") -> str:
    """The note under the text box after a file was dropped; `name` (as written) fills `{name}`."""
    if not text:
        return f'<div class="kk-input-hint" lang="{lang}"></div>'
    body = esc(text.replace(name, "\0")).replace("\0", src(name, lang="en")) if name else esc(text)
    cls = "kk-note" if error else "kk-note-ok"
    role = ' role="alert"' if error else ' role="status"'
    return f'<div class="kk-input-hint" lang="{lang}"><span class="{cls}"{role}>{body}</span></div>'


# ---------------------------------------------------------------------------- the panel

class TextCheckPanel:
    """The mode's components and callbacks: `layout` inside the check tab, then `wire`."""

    def __init__(self, service: Kakehashi) -> None:
        self.service = service
        self.limit = service.settings.limits.max_text_chars
        self.max_bytes = service.settings.limits.max_document_bytes

    # -- callbacks
    def render(self, state: Json | None, lang: UiLang) -> str:
        return text_check_html(state, self.service.catalog, lang)

    def check(self, text: object, lang: str) -> Iterator[tuple[Any, ...]]:
        """The text's sentences at once (pending), then re-rendered as they are checked."""
        lg = ui_lang(lang)
        state: Json | None = None
        rendered = 0.0
        size = 0
        try:
            for report in self.service.check_text_stream(text):  # type: ignore[arg-type]
                state = {"check": report}
                done = report.done
                pause = STREAM_RENDER_S + STREAM_RENDER_S_PER_MB * size / 1e6
                if not done and rendered and time.monotonic() - rendered < pause:
                    continue
                html = self.render(state, lg)
                size, rendered = len(html), time.monotonic()
                yield state, html, gr.update(interactive=done), gr.update(visible=not done)
        except InputError as err:
            state = {"error": translations(err.message, UI_LANGS)}
        except Exception:  # the page must keep working whatever one text does
            log.exception("text check failed")
            state = {"error": translations(Message("server_error"), UI_LANGS)}
        yield state, self.render(state, lg), gr.update(interactive=True), gr.update(visible=False)

    def stop(self, state: Json | None, lang: str) -> tuple[Any, ...]:
        """The check cancelled: what was checked stays, the rest is marked not checked."""
        if state and state.get("check") is not None:
            state = {**state, "stopped": True}
        return state, self.render(state, ui_lang(lang)), gr.update(interactive=True), gr.update(visible=False)

    def read_file(self, path: str | None, lang: str) -> tuple[Any, ...]:
        """A dropped file's text in the box (or, in the note, why not); the drop zone emptied."""
        lg = ui_lang(lang)
        if not path:
            return gr.update(), file_note_html("", lg, False), None
        file = Path(path)
        name = file.name
        try:
            data = file.read_bytes()
            if (file.suffix.lower() not in TEXT_FILE_SUFFIXES
                    or detect_format(name, data) not in _TEXT_FORMATS):
                return gr.update(), file_note_html(t("file_type", lg, name=name), lg, True, name), None
            text = read_document_bytes(name, data, self.max_bytes).text
        except (DocumentError, OSError) as err:
            why = str(err).removeprefix(f"{name}: ")
            note = t("file_unreadable", lg, name=name, why="\1")
            html = file_note_html(note, lg, True, name).replace("\1", src(why, lang="en"))
            return gr.update(), html, None
        if len(text) > self.limit:
            note = t("file_too_long", lg, name=name, chars=len(text), limit=self.limit)
            return gr.update(), file_note_html(note, lg, True, name), None
        note = t("file_loaded", lg, name=name, chars=len(text))
        return text, file_note_html(note, lg, False, name), None

    def relabel(self, lang: str, state: Json | None) -> tuple[Any, ...]:
        lg = ui_lang(lang)
        return (gr.update(label=t("check_mode", lg), choices=mode_choices(lg)),
                gr.update(label=t("text", lg), placeholder=t("text_placeholder", lg)),
                gr.update(label=t("text_file", lg)), gr.update(value=t("check_text", lg)),
                gr.update(value=t("text_example", lg)), file_note_html("", lg, False),
                self.render(state, lg), gr.update(value=t("stop", lg)))

    @staticmethod
    def switch(mode: str) -> tuple[Any, Any]:
        return gr.update(visible=mode != "text"), gr.update(visible=mode == "text")

    # -- layout and events
    def layout(self, lang: UiLang) -> None:
        """The text box, the file drop, the button and the result (in a column shown in text mode)."""
        self.state = gr.State(None)
        self.text = gr.Textbox(label=t("text", lang), placeholder=t("text_placeholder", lang), lines=7,
                               max_lines=20, elem_id="kk-text")
        with gr.Row(equal_height=True, elem_id="kk-text-row"):
            self.file = gr.File(label=t("text_file", lang), file_types=list(TEXT_FILE_SUFFIXES),
                                type="filepath", height=110, scale=3, min_width=220, elem_id="kk-text-file")
            with gr.Column(scale=1, min_width=160):
                self.button = gr.Button(t("check_text", lang), variant="primary", elem_id="kk-check-text")
                self.stop_button = gr.Button(t("stop", lang), variant="stop", size="sm", visible=False,
                                             elem_id="kk-stop-text")
                self.example = gr.Button(t("text_example", lang), variant="secondary", size="sm",
                                         elem_id="kk-text-example")
        self.note = gr.HTML(file_note_html("", lang, False), js_on_load=None, elem_id="kk-text-note")
        self.report = gr.HTML(self.render(None, lang), js_on_load=None, elem_id="kk-text-report")

    def wire(self, lang: gr.Radio, mode: gr.Radio, statement: gr.Column, text_column: gr.Column,
             concurrency: int) -> None:
        private: dict[str, Any] = {"queue": False, "api_visibility": "private", "show_progress": "hidden"}
        mode.change(self.switch, [mode], [statement, text_column], api_name="ui_check_mode", **private)
        self.example.click(lambda: EXAMPLE_TEXT, None, [self.text], api_name="ui_text_example", **private)
        self.file.upload(self.read_file, [self.file, lang], [self.text, self.note, self.file],
                         api_name="ui_text_file", api_visibility="private", show_progress="hidden")
        outputs = [self.state, self.report, self.button, self.stop_button]
        checking = self.button.click(self.check, [self.text, lang], outputs, api_name="ui_check_text",
                                     concurrency_limit=concurrency, concurrency_id="model",
                                     api_visibility="private", show_progress="hidden")
        # Cancelled first, then shown as stopped: an update of the check still on its way when
        # Stop is pressed must not land after (and undo) the stopped view.
        self.stop_button.click(None, None, None, cancels=[checking], api_name="ui_cancel_text", **private) \
            .then(self.stop, [self.state, lang], outputs, api_name="ui_stop_text", **private)
        lang.change(self.relabel, [lang, self.state],
                    [mode, self.text, self.file, self.button, self.example, self.note, self.report,
                     self.stop_button],
                    api_name="ui_text_relabel", **private)


def mode_choices(lang: UiLang) -> list[tuple[str, str]]:
    return [(t("mode_statement", lang), "statement"), (t("mode_text", lang), "text")]
