"""HTML for the web interface, made from the JSON the service returns (the CLI's JSON).

Every piece of user or document text goes through `esc`, so a question or a document that
contains `<script>` shows as text. Such text sits in an element of class `kk-src` with its own
`lang` (shown as the user or the source wrote it); every other word is in the interface
language. Rendering only: nothing here decides an answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.library.pages import page_label
from app.verify.text_report import verdict_label, verdict_mark
from app.web.passages import esc, heading_text, passage_html, related_passages, text_html
from app.web.words import UiLang, language_name, t
from app.wording import phrase
from ingest.lang import detect_lang
from ingest.reader import CatalogEntry

Json = dict[str, Any]
Catalog = Mapping[str, CatalogEntry]

_MARKER = re.compile(r"\[(\d+)\]")
SUPPORTS = ("supported", "unsupported", "contradicted")


def src(text: str, cls: str = "", tag: str = "span", lang: str | None = None) -> str:
    """User or source text, escaped, marked as shown as written, in its own language."""
    return (f'<{tag} class="{" ".join(("kk-src", cls)).strip()}" lang="{esc(lang or detect_lang(text))}">'
            f"{esc(text)}</{tag}>")


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def message(text: object, lang: UiLang) -> str:
    """A message kept in both languages ({"en": ..., "ja": ...}) in `lang`; a plain one as it is."""
    if isinstance(text, Mapping):
        return str(text.get(lang) or text.get("en") or "")
    return str(text)


# ---------------------------------------------------------------------------- citations in text

def cite_link(turn: str, n: int, label: str | None = None) -> str:
    """A citation marker; the page's script opens card `n` of `turn` when it is clicked.
    `label` is HTML (the caller escapes it)."""
    return (f'<a class="kk-cite" href="#kk-src-{esc(turn)}-{n}" data-turn="{esc(turn)}" '
            f'data-n="{n}" role="button">{label or esc(f"[{n}]")}</a>')


def with_markers(text: str, turn: str, known: set[int]) -> str:
    """Answer text with its [n] markers turned into links (only markers that have a citation)."""
    parts: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        n = int(match.group(1))
        if n not in known:
            continue
        parts.append(esc(text[last:match.start()]))
        parts.append(cite_link(turn, n))
        last = match.end()
    parts.append(esc(text[last:]))
    return "".join(parts)


def lines_label(start: int, end: int, lang: UiLang) -> str:
    if start == end:
        return f"{t('line', lang)} {start}" if lang == "en" else f"{start}{t('line', lang)}目"
    return f"{t('lines', lang)} {start}–{end}" if lang == "en" else f"{start}–{end}{t('line', lang)}目"


def doc_title(doc: str, catalog: Catalog, lang: UiLang) -> str:
    entry = catalog.get(doc)
    return entry.title if entry else (doc or t("unknown_doc", lang))


def section_title(title: str) -> str:
    """A section path as plain text, its Markdown heading marks gone."""
    return " › ".join(heading_text(c.strip()) for c in title.split("›") if c.strip())


def reference_text(citation: Json, catalog: Catalog, lang: UiLang) -> str:
    """"[n] Document › section, lines a–b" as plain text, for copying."""
    passage = citation.get("passage") or {}
    section = section_title(passage.get("title") or citation.get("title", ""))
    where = " › ".join(p for p in (doc_title(citation["doc"], catalog, lang), section) if p)
    return f'[{citation["n"]}] {where}, {lines_label(citation["line_start"], citation["line_end"], lang)}'


def copy_button(text: str, label_key: str, lang: UiLang) -> str:
    """A button the page's script answers by copying `text` as plain text."""
    return (f'<button type="button" class="kk-copy" data-copy="{esc(text)}" '
            f'data-done="{esc(t("copied", lang))}">{esc(t(label_key, lang))}</button>')


# ---------------------------------------------------------------------------- source cards

def section_html(title: str) -> str:
    crumbs = [heading_text(c.strip()) for c in title.split("›") if c.strip()]
    return '<span class="kk-crumb-sep" aria-hidden="true">›</span>'.join(
        src(c, "kk-crumb") for c in crumbs)


def chips_html(span: Json, lang: UiLang) -> str:
    page = page_label(span.get("page"), span.get("page_end"), lang)
    return ((f'<span class="kk-chip kk-chip-page">{esc(page)}</span>' if page else "")
            + f'<span class="kk-chip">{esc(lines_label(span["line_start"], span["line_end"], lang))}'
            f'</span><span class="kk-chip kk-chip-lang">{esc(language_name(span["lang"], lang))}'
            "</span>")


def parallel_html(parallel: Json | None, lang: UiLang) -> str:
    if not parallel:
        return ""
    other = language_name(parallel["lang"], lang)
    return (f'<details class="kk-parallel"><summary>{esc(t("parallel", lang, lang=other))} · '
            f'{esc(lines_label(parallel["line_start"], parallel["line_end"], lang))}</summary>'
            f'<div class="kk-passage kk-src" lang="{esc(parallel["lang"])}">'
            f'{text_html(parallel["text"])}</div>'
            "</details>")


def source_card(citation: Json, turn: str, catalog: Catalog, lang: UiLang) -> str:
    """One cited passage: document, section, lines, language, passage with the quote marked."""
    passage = citation["passage"]
    n = citation["n"]
    quote = f'“{citation["text"]}”\n{reference_text(citation, catalog, lang)}'
    return (
        f'<article class="kk-card" id="kk-src-{esc(turn)}-{n}" data-n="{n}" tabindex="-1">'
        f'<header class="kk-card-head"><span class="kk-num">{n}</span>'
        f'<div>{src(doc_title(citation["doc"], catalog, lang), "kk-doc", "div")}'
        f'<div class="kk-section">{section_html(passage["title"] or citation["title"])}</div>'
        f"</div></header>"
        f'<div class="kk-chips">{chips_html(passage, lang)}{copy_button(quote, "copy_quote", lang)}</div>'
        f'<div class="kk-passage kk-src" lang="{esc(passage["lang"])}">{passage_html(citation)}</div>'
        f"{parallel_html(citation.get('parallel'), lang)}"
        "</article>")


def related_card(passage: Json, catalog: Catalog, lang: UiLang) -> str:
    """A retrieved passage shown as related reading: no quote, since nothing was answered."""
    return (
        '<article class="kk-card kk-card-related">'
        f'<header class="kk-card-head"><div>{src(doc_title(passage["doc"], catalog, lang), "kk-doc", "div")}'
        f'<div class="kk-section">{section_html(passage["title"])}</div></div></header>'
        f'<div class="kk-chips">{chips_html(passage, lang)}</div>'
        f'<div class="kk-passage kk-src" lang="{esc(passage["lang"])}">'
        f'{text_html(shorten(passage["text"], 420))}</div></article>')


# ---------------------------------------------------------------------------- chat transcript

def user_bubble(question: str, lang: UiLang) -> str:
    return (f'<div class="kk-msg kk-user"><div class="kk-who">{esc(t("you", lang))}</div>'
            f'{src(shorten(question, 600), "kk-bubble", "div")}</div>')


def thinking_bubble(lang: UiLang) -> str:
    return (f'<div class="kk-msg kk-bot kk-thinking"><div class="kk-who">{esc(t("assistant", lang))}'
            f'</div><div class="kk-bubble"><span class="kk-dots"><i></i><i></i><i></i></span> '
            f'{esc(t("thinking", lang))}</div></div>')


def error_bubble(text: object, lang: UiLang, title_key: str = "error_title") -> str:
    return (f'<div class="kk-msg kk-bot kk-error"><div class="kk-who">{esc(t("assistant", lang))}'
            f'</div><div class="kk-bubble" role="alert"><strong>{esc(t(title_key, lang))}</strong>'
            f"<div>{esc(message(text, lang))}</div></div></div>")


def citation_chips(answer: Json, turn: str, catalog: Catalog, lang: UiLang) -> str:
    chips = [cite_link(turn, c["n"], f'[{c["n"]}] {src(shorten(doc_title(c["doc"], catalog, lang), 42))}'
                       f' · {esc(lines_label(c["line_start"], c["line_end"], lang))}')
             for c in answer["citations"]]
    return f'<div class="kk-cite-row">{"".join(chips)}</div>' if chips else ""


def is_generated(answer: Json) -> bool:
    """An answer written by a language model (not quoted, and not a fallback to quotes)."""
    return not str(answer.get("generator", "extractive")).startswith("extractive")


def sentence_mark(support: str | None, lang: UiLang) -> str:
    """The badge after a generated sentence: ✓ supported, ? not supported, ✗ contradicted."""
    if support is None:
        return ""
    label = t(f"sent_{support}", lang) if support in SUPPORTS else support
    shown = "" if support == "supported" else f'<span class="kk-sent-label">{esc(label)}</span>'
    return (f'<span class="kk-sent-mark kk-sent-{esc(support)}" data-support="{esc(support)}" '
            f'title="{esc(label)}"><span class="kk-sent-icon" aria-hidden="true">'
            f'{verdict_mark(support) if support in SUPPORTS else "?"}</span>{shown}</span>')


def sentences_html(answer: Json, turn: str, known: set[int], lang: UiLang, streaming: bool) -> str:
    """A generated answer, sentence by sentence, each with its citations and its mark."""
    parts = []
    for sentence in answer.get("sentences", []):
        markers = "".join(cite_link(turn, n) if n in known else esc(f"[{n}]")
                          for n in sentence["citations"])
        support = sentence.get("support")
        parts.append(f'<span class="kk-sent" data-support="{esc(support or "pending")}">'
                     f'{src(sentence["text"])} {markers}{sentence_mark(support, lang)}</span>')
    caret = '<span class="kk-caret"></span>' if streaming else ""
    return " ".join(parts) + caret


def meta_line(answer: Json, lang: UiLang) -> str:
    took = answer.get("timings_ms", {}).get("total")
    parts = [] if took is None else [esc(t("took", lang, ms=took))]
    if is_generated(answer):
        parts.insert(0, esc(t("generated_by", lang, name="\0")).replace("\0", src(answer["generator"])))
    return f'<div class="kk-meta">{" · ".join(parts)}</div>' if parts else ""


def answer_plain_text(answer: Json, catalog: Catalog, lang: UiLang) -> str:
    """The answer with its numbered references, as plain text to copy."""
    if answer["abstained"]:
        return phrase("no_answer", lang)
    refs = [f'{reference_text(c, catalog, lang)}\n“{c.get("text", "")}”' for c in answer["citations"]]
    return "\n\n".join([answer["answer"], f'{t("references", lang)}:', *refs]) if refs else answer["answer"]


def answer_actions(answer: Json, question: str, catalog: Catalog, lang: UiLang) -> str:
    copy = copy_button(answer_plain_text(answer, catalog, lang), "copy_answer", lang)
    return (f'<div class="kk-actions">{copy}'
            f'<button type="button" class="kk-copy kk-share" data-share="{esc(question)}" '
            f'data-done="{esc(t("copied", lang))}">{esc(t("copy_link", lang))}</button></div>')


def answer_bubble(answer: Json, turn: str, catalog: Catalog, lang: UiLang, question: str = "") -> str:
    """An answer: the quoted (or generated) text with its markers, chips, and copy buttons."""
    streaming = bool(answer.get("streaming"))
    caret = '<span class="kk-caret"></span>' if streaming else ""
    actions = "" if streaming else answer_actions(answer, question, catalog, lang)
    if answer["abstained"]:
        # The interface's own words: the sources say nothing, whatever the question's language.
        body = (f'<div title="{esc(t("not_found", lang))}"><span class="kk-abstain-icon" aria-hidden="true">'
                f'ⓘ</span> {esc(phrase("no_answer", lang))}{caret}</div>')
        footer = "" if streaming else related_list(answer, catalog, lang) + actions
        kind = "kk-abstained"
    else:
        known = {c["n"] for c in answer["citations"]}
        if is_generated(answer) and (answer.get("sentences") or streaming):
            body = f'<div class="kk-answer-text">{sentences_html(answer, turn, known, lang, streaming)}</div>'
        else:
            body = (f'<div class="kk-answer-text kk-src" lang="{esc(answer["lang"])}">'
                    f"{with_markers(answer['answer'], turn, known)}{caret}</div>")
        footer = "" if streaming else (citation_chips(answer, turn, catalog, lang) + meta_line(answer, lang)
                                       + actions)
        kind = "kk-answered"
    return (f'<div class="kk-msg kk-bot {kind}" data-turn="{esc(turn)}"><div class="kk-who">'
            f'{esc(t("assistant", lang))}</div><div class="kk-bubble">{body}{footer}</div></div>')


def related_list(answer: Json, catalog: Catalog, lang: UiLang) -> str:
    items = [f'<li>{src(shorten(doc_title(r["doc"], catalog, lang), 48), "kk-related-doc")} · '
             f'{src(shorten(section_title(r["title"]), 80))} · '
             f'{esc(lines_label(r["line_start"], r["line_end"], lang))}</li>'
             for r in related_passages(answer)]
    if not items:
        return ""
    return (f'<div class="kk-related"><div class="kk-related-title">{esc(t("related_reading", lang))}'
            f'</div><ul>{"".join(items)}</ul></div>')


def turn_html(turn: Json, catalog: Catalog, lang: UiLang) -> str:
    parts = [user_bubble(turn["question"], lang)]
    if turn.get("error") is not None:
        parts.append(error_bubble(turn["error"], lang))
    elif turn.get("answer") is None:
        parts.append(thinking_bubble(lang))
    else:
        parts.append(answer_bubble(turn["answer"], str(turn["id"]), catalog, lang, turn["question"]))
    return f'<section class="kk-turn" data-turn="{esc(turn["id"])}">{"".join(parts)}</section>'


def transcript_html(turns: Sequence[Json], catalog: Catalog, lang: UiLang, ready: bool = True) -> str:
    """The conversation; `ready` once the page has restored what the browser kept (at load)."""
    labels = f'data-jump="{esc(t("jump_latest", lang))}"' + (" data-ready" if ready else "")
    if not turns:
        return (f'<div class="kk-transcript kk-empty" {labels}><div class="kk-welcome">'
                f'<div class="kk-welcome-mark" aria-hidden="true">架</div><p>{esc(t("welcome", lang))}</p>'
                "</div></div>")
    return (f'<div class="kk-transcript" {labels}>{"".join(turn_html(x, catalog, lang) for x in turns)}'
            "</div>")


# ---------------------------------------------------------------------------- sources panel

def turn_sources(turn: Json, catalog: Catalog, lang: UiLang, shown: bool) -> str:
    answer = turn["answer"]
    key = str(turn["id"])
    if answer["abstained"]:
        cards = "".join(related_card(r, catalog, lang) for r in related_passages(answer))
        heading = t("related_reading", lang)
    else:
        cards = "".join(source_card(c, key, catalog, lang) for c in answer["citations"])
        heading = t("sources", lang)
    return (f'<div class="kk-turn-sources{" kk-shown" if shown else ""}" data-turn="{esc(key)}">'
            f'{panel_title(heading)}'
            f'<div class="kk-panel-question">{esc(t("sources_for", lang))} '
            f'“{src(shorten(turn["question"], 120))}”</div>{cards}</div>')


def sheet_bar(lang: UiLang) -> str:
    """The way back from a card opened as a sheet (shown on narrow screens only)."""
    return (f'<div class="kk-sheet-bar"><button type="button" class="kk-sheet-close">'
            f'{esc(t("back_to_answer", lang))}</button></div>')


def sources_html(turns: Sequence[Json], catalog: Catalog, lang: UiLang) -> str:
    """Cards of every answered turn; the latest one shows, a click on [n] shows its own turn."""
    answered = [x for x in turns if x.get("answer") is not None]
    if not answered:
        return (f'<div class="kk-sources kk-empty">{panel_title(t("sources", lang))}'
                f'<p class="kk-hint">{esc(t("sources_empty", lang))}</p></div>')
    last = answered[-1]["id"]
    sections = "".join(turn_sources(x, catalog, lang, x["id"] == last) for x in answered)
    return f'<div class="kk-sources">{sheet_bar(lang)}{sections}</div>'


# ---------------------------------------------------------------------------- checking

# A reason that quotes its deciding sentence: 資料では…です：「…」 / The sources say …: “…”
_QUOTED_REASON = re.compile(r"^(.*?[:：])\s*([「“].*[」”])$", re.DOTALL)


def reason_html(reason: str) -> str:
    """The reason, its quote of the sources marked as source text in the source's language."""
    match = _QUOTED_REASON.match(reason)
    if match is None:
        return esc(reason)
    space = " " if match.group(1).endswith(":") else ""  # Japanese ：needs none
    return f"{esc(match.group(1))}{space}{src(match.group(2))}"


def verdict_html(claim: str, result: Json | None, error: object | None, catalog: Catalog,
                 lang: UiLang) -> str:
    """The verdict badge, its reason and the evidence cards, or the input error."""
    if error is not None:
        return f'<div class="kk-verdict">{error_bubble(error, lang, "check_error_title")}</div>'
    if result is None:
        return f'<div class="kk-verdict kk-empty"><p class="kk-hint">{esc(t("check_intro", lang))}</p></div>'
    verdict = result["verdict"]
    evidence = result.get("evidence", [])
    reason = result.get(f"reason_{lang}") or result.get("reason", "")
    known = verdict in SUPPORTS
    badge = badge_html(verdict, verdict_mark(verdict) if known else "?",
                       verdict_label(verdict, lang) if known else verdict)
    cards = "".join(source_card(c, "check", catalog, lang) for c in evidence) \
        or f'<p class="kk-hint">{esc(t("no_evidence", lang))}</p>'
    return (f'<div class="kk-verdict kk-verdict-{esc(verdict)}">'
            f'<div class="kk-claim">“{src(shorten(claim, 600))}”</div>{badge}'
            f'<p class="kk-reason">{reason_html(reason)}</p>{panel_title(t("evidence", lang))}{cards}</div>')


def badge_html(key: str, mark: str, label: str) -> str:
    """A verdict's badge: its mark and its name (never colour alone)."""
    return (f'<div class="kk-badge kk-badge-{esc(key)}" data-verdict="{esc(key)}">'
            f'<span class="kk-badge-icon" aria-hidden="true">{esc(mark)}</span>{esc(label)}</div>')


def checking_html(lang: UiLang) -> str:
    return (f'<div class="kk-verdict kk-empty"><p class="kk-hint"><span class="kk-dots"><i></i><i></i>'
            f'<i></i></span> {esc(t("thinking", lang))}</p></div>')


# ---------------------------------------------------------------------------- input, about, header

def input_hint_html(text: str, lang: UiLang) -> str:
    """The note under the question box: why nothing was asked (empty, too long), in place."""
    note = f'<span class="kk-note" role="alert">{esc(text)}</span>' if text else ""
    return f'<div class="kk-input-hint" lang="{lang}">{note}</div>'


def catalog_html(catalog: Catalog, sources: Mapping[str, str], lang: UiLang) -> str:
    cards = []
    for doc in sorted(sources):
        entry = catalog.get(doc)
        text = sources[doc]
        langs = ", ".join(language_name(code, lang) for code in (entry.languages if entry else ()))
        rows = [(t("publisher", lang), src(entry.publisher) if entry and entry.publisher else ""),
                (t("year", lang), str(entry.year) if entry and entry.year else ""),
                (t("languages", lang), esc(langs))]
        facts = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
        bilingual = (f'<p class="kk-hint">{esc(t("bilingual", lang))}</p>'
                     if entry and len(entry.languages) > 1 else "")
        size = t("size", lang, chars=len(text), lines=text.count("\n") + 1)
        title = src(doc_title(doc, catalog, lang), "kk-doc", "div")
        cards.append(f'<article class="kk-card kk-doc-card">{title}'
                     f'<dl>{facts}</dl>{bilingual}'
                     f'<div class="kk-chips">{src(doc, "kk-chip", lang="en")}'
                     f'<span class="kk-chip">{esc(size)}</span></div></article>')
    return (f'<div class="kk-about"><p>{esc(t("about_intro", lang))}</p>{"".join(cards)}</div>')


def panel_title(text: str) -> str:
    """The small upper-case title over a panel of cards."""
    return f'<div class="kk-panel-title">{esc(text)}</div>'


def examples_title_html(lang: UiLang, key: str = "examples") -> str:
    return panel_title(t(key, lang))


def header_html(lang: UiLang) -> str:
    return (f'<div class="kk-header"><div class="kk-logo" aria-hidden="true">橋</div><div class="kk-title">'
            f'<h1><span lang="ja">架け橋</span> <span class="kk-latin" lang="en">Kakehashi</span></h1>'
            f'<p>{esc(t("tagline", lang))}</p></div>'
            f'<button type="button" class="kk-theme-toggle">'
            f'<span class="kk-to-dark">☾ {esc(t("theme_dark", lang))}</span>'
            f'<span class="kk-to-light">☀ {esc(t("theme_light", lang))}</span></button></div>')
