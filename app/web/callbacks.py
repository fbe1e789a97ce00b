"""The web page's callbacks: each calls the service (the same code the CLI runs) and renders what
comes back; nothing here decides an answer. `KakehashiUi` holds them; `app.web.app` wires them to the
page's components.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import gradio as gr

from app.generate.answers import endpoint_allowed
from app.inputs import InputError, clean_text
from app.service import Kakehashi
from app.settings import GeneratorSettings
from app.web.documents import DocumentsPanel
from app.web.errors import error_json, error_texts
from app.web.passages import esc
from app.web.render import (
    Json,
    catalog_html,
    checking_html,
    examples_title_html,
    header_html,
    input_hint_html,
    sources_html,
    transcript_html,
    verdict_html,
)
from app.web.text_check import TextCheckPanel
from app.web.words import EXAMPLE_QUESTIONS, UI_LANGS, UiLang, t, ui_lang
from app.wording import Message, in_lang, translations
from ingest.lang import detect_lang

log = logging.getLogger("kakehashi.ui")

SERVER_ERROR = Message("server_error")
# A generated answer is re-rendered at most this often while it streams (and at each verdict).
STREAM_RENDER_S = 0.1


# ---------------------------------------------------------------------------- service calls

def ask_json(service: Kakehashi, question: object) -> Json:
    """`service.ask` as the CLI's JSON, or an error (see `error_json`) for input it refuses."""
    try:
        return service.ask(question).to_json()  # type: ignore[arg-type]  # checked by the service
    except InputError as err:
        return error_json(err.message)


def check_json(service: Kakehashi, claim: object) -> Json:
    """`service.check` as the CLI's JSON, or an error (see `error_json`) for input it refuses."""
    try:
        return service.check(claim).to_json()  # type: ignore[arg-type]
    except InputError as err:
        return error_json(err.message)


def safe_call(call: Callable[[], Json]) -> Json:
    """The call's JSON; an unexpected failure is logged and shown as a short message."""
    try:
        return call()
    except Exception:  # the page must keep working whatever one question does
        log.exception("request failed")
        return error_json(SERVER_ERROR)


def pending(turns: list[Json]) -> bool:
    """Whether the last question waits for its answer."""
    return bool(turns) and turns[-1].get("answer") is None and turns[-1].get("error") is None


# ---------------------------------------------------------------------------- the app

class KakehashiUi:
    """The callbacks of one app: each renders what the service returns, nothing more."""

    def __init__(self, service: Kakehashi) -> None:
        self.service = service
        self.catalog = service.catalog
        self.documents: DocumentsPanel | None = None  # the documents panel, set by build_app
        self.text_check = TextCheckPanel(service)  # the check tab's "A whole text" mode
        self.limit = service.settings.limits.max_question_chars

    # -- rendering
    def transcript(self, turns: list[Json], lang: UiLang, ready: bool = True) -> str:
        return transcript_html(turns, self.catalog, lang, ready)

    def sources(self, turns: list[Json], lang: UiLang) -> str:
        return sources_html(turns, self.catalog, lang)

    def verdict(self, state: Json | None, lang: UiLang) -> str:
        if state is None:
            return verdict_html("", None, None, self.catalog, lang)
        result = state["result"]
        error = error_texts(result) if "error" in result else None
        return verdict_html(state["claim"], None if error else result, error, self.catalog, lang)

    def about(self, lang: UiLang) -> str:
        return catalog_html(self.catalog, self.service.sources, lang)

    def hint(self, text: str, lang: UiLang) -> str:
        return input_hint_html(text, lang)

    def controls(self, enabled: bool, stop: bool = False, question: str | None = None) -> tuple[Any, ...]:
        """Updates for the question box, Ask, New conversation, the examples and Stop: off while a
        question is answered, so one conversation has one question in flight."""
        box = gr.update(interactive=enabled) if question is None else gr.update(value=question,
                                                                                interactive=enabled)
        buttons = [gr.update(interactive=enabled) for _ in range(2 + len(EXAMPLE_QUESTIONS))]
        return (box, *buttons, gr.update(visible=stop))

    # -- asking: say in place why a question cannot be asked, or add it; answer it (model); finish
    def refusal(self, question: object) -> str | None:
        """Why the question would be refused (a `Message`), or None."""
        try:
            clean_text(question, self.limit)
        except InputError as err:
            return err.message
        return None

    def note(self, question: str, lang: str, quiet: bool = False) -> str:
        """The note under the box: empty when the question can be asked; `quiet`: an empty box
        (no shared question) needs no note."""
        lg = ui_lang(lang)
        problem = self.refusal(question)
        empty = getattr(problem, "id", "") == "input_empty"
        if problem is None or (empty and quiet):
            return self.hint("", lg)
        return self.hint(t("empty_hint", lg) if empty else in_lang(problem, lg), lg)

    def shared_note(self, question: str, lang: str) -> str:
        return self.note(question, lang, quiet=True)

    def add_turn(self, question: str, turns: list[Json], lang: str, backend: str = "none") -> tuple[Any, ...]:
        """The question in the conversation, the box emptied and locked until it is answered. A
        question that cannot be asked stops here (nothing shown: `note` said why), and stays in
        the box to be fixed."""
        if self.refusal(question) is not None:
            raise gr.Error("not asked", visible=False, print_exception=False)
        lg = ui_lang(lang)
        turn = {"id": max((x["id"] for x in turns), default=0) + 1, "question": question,
                "answer": None, "error": None}
        turns = [*turns, turn]
        return (turns, self.transcript(turns, lg),
                *self.controls(False, stop=backend not in ("none", None), question=""))

    def answer_turn(self, turns: list[Json], lang: str = "en", backend: str = "none",
                    base_url: str = "", model: str = "") -> Iterator[tuple[Any, ...]]:
        """The answer, shown at once; a generated one streams as it is written."""
        if not pending(turns):
            yield turns, gr.update(), gr.update()
            return
        lg = ui_lang(lang)
        turn = dict(turns[-1])
        config = self.generator_config(backend, base_url, model, lg)
        if isinstance(config, str):
            turn["error"] = {code: t("gen_refused", code) for code in UI_LANGS}
        elif config.backend != "none":
            yield from self.stream_turn(turns, turn, config, lg)
            return
        else:
            result = safe_call(lambda: ask_json(self.service, turn["question"]))
            if "error" in result:
                turn["error"] = error_texts(result)
            else:
                turn["answer"] = result
        done = [*turns[:-1], turn]
        yield done, self.transcript(done, lg), self.sources(done, lg)

    def stream_turn(self, turns: list[Json], turn: Json, config: GeneratorSettings,
                    lang: UiLang) -> Iterator[tuple[Any, ...]]:
        """The generated answer as it is written: sentences with their citations (linked to the
        passage cards at once) and, as each sentence ends, its verdict."""
        rendered, verdicts = 0.0, 0
        try:
            for event in self.service.ask_stream(turn["question"], config=config):
                data = event.to_json()
                if data["event"] == "passages":
                    turn["answer"] = {"question": turn["question"], "answer": "", "abstained": False,
                                      "lang": detect_lang(turn["question"]), "confidence": 0.0,
                                      "generator": config.backend, "citations": data["citations"],
                                      "sentences": [], "retrieved": [], "streaming": True}
                elif data["event"] == "text":
                    turn["answer"] = {**turn["answer"], "sentences": data["sentences"]}
                    checked = sum(s["support"] is not None for s in data["sentences"])
                    if checked == verdicts and time.monotonic() - rendered < STREAM_RENDER_S:
                        continue  # shown at most every STREAM_RENDER_S, and at each new verdict
                    verdicts = checked
                else:
                    turn["answer"] = data["answer"]
                rendered = time.monotonic()
                current = [*turns[:-1], turn]
                yield current, self.transcript(current, lang), self.sources(current, lang)
        except InputError as err:
            turn["answer"], turn["error"] = None, translations(err.message, UI_LANGS)
        except Exception:  # the page must keep working whatever one question does
            log.exception("request failed")
            turn["answer"], turn["error"] = None, translations(SERVER_ERROR, UI_LANGS)
        yield [*turns[:-1], turn], gr.update(), gr.update()

    def finish_turn(self, turns: list[Json], lang: str) -> tuple[Any, ...]:
        """The answer in place (or why there is none); the question box takes input again."""
        lg = ui_lang(lang)
        if pending(turns):  # the answer step failed outright
            turns = [*turns[:-1], {**turns[-1], "error": translations(SERVER_ERROR, UI_LANGS)}]
        return (turns, self.transcript(turns, lg), self.sources(turns, lg), *self.controls(True))

    def stop_turn(self, turns: list[Json], lang: str) -> tuple[Any, ...]:
        """Stop pressed while a generated answer streams: what was written stays; nothing written
        yet, the turn says it was stopped."""
        if turns:
            turn = dict(turns[-1])
            answer = turn.get("answer")
            if pending(turns) or (answer and answer.get("streaming") and not answer.get("sentences")):
                turn["answer"], turn["error"] = None, {code: t("stopped", code) for code in UI_LANGS}
            elif answer and answer.get("streaming"):
                turn["answer"] = {**answer, "streaming": False}
            turns = [*turns[:-1], turn]
        return self.finish_turn(turns, lang)

    def restore(self, lang: str, turns: list[Json] | None, question: str) -> tuple[Any, ...]:
        """At page load: the conversation kept in the browser, shown again (a question the page was
        closed on is marked unanswered), in the interface language; a shared question in the box,
        and again apart, to be asked."""
        lg = ui_lang(lang)
        kept = [dict(x) for x in (turns or []) if isinstance(x, dict) and {"id", "question"} <= x.keys()]
        for turn in kept:
            if turn.get("answer") is None and turn.get("error") is None:
                turn["error"] = {code: t("interrupted", code) for code in UI_LANGS}
        shared = question if isinstance(question, str) else ""
        return lg, kept, shared, shared, self.transcript(kept, lg), self.sources(kept, lg)

    # -- generators: which ones the page offers, and what it may point to
    def backends(self) -> list[str]:
        configured = self.service.settings.generator
        extra = ["llamacpp"] if configured.backend == "llamacpp" or configured.model_path else []
        return ["none", "openai", *extra]

    def generator_choices(self, lang: UiLang) -> list[tuple[str, str]]:
        return [(t(f"gen_{name}", lang), name) for name in self.backends()]

    def generator_config(self, backend: object, base_url: object, model: object,
                         lang: UiLang) -> GeneratorSettings | str:
        """The settings for one question from the page's choices, or a message refusing them."""
        configured = self.service.settings.generator
        chosen = backend if isinstance(backend, str) and backend in self.backends() else "none"
        if chosen != "openai":
            return replace(configured, backend=chosen)
        url = (base_url if isinstance(base_url, str) and base_url.strip() else configured.base_url).strip()
        if not endpoint_allowed(url, configured):
            return t("gen_refused", lang)
        name = model.strip() if isinstance(model, str) and model.strip() else configured.model
        return replace(configured, backend="openai", base_url=url, model=name)

    def clear(self, lang: str) -> tuple[list[Json], str, str, str]:
        lg = ui_lang(lang)
        return [], self.transcript([], lg), self.sources([], lg), self.hint("", lg)

    # -- checking
    def check(self, claim: str, lang: str) -> Iterator[tuple[Json | None, str]]:
        lang_ = ui_lang(lang)
        yield None, checking_html(lang_)
        state = {"claim": claim if isinstance(claim, str) else "",
                 "result": safe_call(lambda: check_json(self.service, claim))}
        yield state, self.verdict(state, lang_)

    @staticmethod
    def echo(text: str) -> str:
        """An example's text, put in the box it is an example for."""
        return text

    # -- labels
    def relabel(self, lang: str, turns: list[Json], check_state: Json | None) -> tuple[Any, ...]:
        """Every label, and everything rendered, in the chosen interface language."""
        lg = ui_lang(lang)
        return (
            gr.update(label=t("language_toggle", lg)), header_html(lg),
            gr.update(label=t("tab_ask", lg)), gr.update(label=t("tab_check", lg)),
            gr.update(label=t("tab_about", lg)),
            gr.update(label=t("question", lg), placeholder=t("question_placeholder", lg)),
            gr.update(value=t("ask", lg)), gr.update(value=t("clear", lg)), gr.update(value=t("stop", lg)),
            self.hint("", lg), examples_title_html(lg), examples_title_html(lg, "claim_examples"),
            gr.update(label=t("claim", lg), placeholder=t("claim_placeholder", lg)),
            gr.update(value=t("check", lg)),
            self.transcript(turns, lg), self.sources(turns, lg), self.verdict(check_state, lg),
            self.about(lg),
            gr.update(label=t("gen_settings", lg)),
            gr.update(label=t("gen_choice", lg), choices=self.generator_choices(lg)),
            gr.update(label=t("gen_base_url", lg)), gr.update(label=t("gen_model", lg)),
            gen_hint_html(lg),
        )


def gen_hint_html(lang: UiLang) -> str:
    return f'<p class="kk-gen-hint">{esc(t("gen_hint", lang))}</p>'
