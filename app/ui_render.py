"""HTML for the web interface, made from the JSON the service returns (the CLI's JSON).

Every piece of user or document text goes through `esc`, so a question or a document that
contains `<script>` shows as text. Rendering only: nothing here decides an answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.pages import page_label
from app.ui_text import UiLang, language_name, t
from ingest.reader import CatalogEntry

Json = dict[str, Any]
Catalog = Mapping[str, CatalogEntry]

_MARKER = re.compile(r"\[(\d+)\]")
# Gradio's HTML component fills `${...}` and `{{...}}` templates in what it shows; entities for
# `$`, `{` and `}` keep document text from ever being read as a template.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;"})
VERDICT_ICONS = {"supported": "✓", "unsupported": "?", "contradicted": "✗"}


def esc(text: object) -> str:
    """Text made safe to put in HTML: markup, quotes and template characters as entities."""
    return html.escape(str(text), quote=True).translate(_TEMPLATE_CHARS)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------- citations in text

def cite_link(turn: str, n: int, label: str | None = None) -> str:
    """A citation marker; the page's script opens card `n` of `turn` when it is clicked."""
    return (f'<a class="kk-cite" href="#kk-src-{esc(turn)}-{n}" data-turn="{esc(turn)}" '
            f'data-n="{n}" role="button">{esc(label or f"[{n}]")}</a>')


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


# ---------------------------------------------------------------------------- source cards

def passage_html(citation: Json) -> str:
    """The passage with the quoted sentence marked; the quote alone if it lies outside it."""
    passage = citation["passage"]
    text = passage["text"]
    q0, q1 = citation["start"] - passage["start"], citation["end"] - passage["start"]
    if (q0, q1) == (0, len(text)):
        return esc(text)  # a whole passage (a generated answer's citation): nothing to pick out
    if 0 <= q0 <= q1 <= len(text) and text[q0:q1] == citation["text"]:
        return (f'{esc(text[:q0])}<mark class="kk-quote">{esc(text[q0:q1])}</mark>'
                f"{esc(text[q1:])}")
    return f'<mark class="kk-quote">{esc(citation["text"])}</mark>'


def section_html(title: str) -> str:
    crumbs = [c.strip() for c in title.split("›") if c.strip()]
    return '<span class="kk-crumb-sep">›</span>'.join(
        f'<span class="kk-crumb">{esc(c)}</span>' for c in crumbs)


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
            f'<div class="kk-passage" lang="{esc(parallel["lang"])}">{esc(parallel["text"])}</div>'
            "</details>")


def source_card(citation: Json, turn: str, catalog: Catalog, lang: UiLang) -> str:
    """One cited passage: document, section, lines, language, passage with the quote marked."""
    passage = citation["passage"]
    n = citation["n"]
    return (
        f'<article class="kk-card" id="kk-src-{esc(turn)}-{n}" data-n="{n}">'
        f'<header class="kk-card-head"><span class="kk-num">{n}</span>'
        f'<div><div class="kk-doc">{esc(doc_title(citation["doc"], catalog, lang))}</div>'
        f'<div class="kk-section">{section_html(passage["title"] or citation["title"])}</div>'
        f"</div></header>"
        f'<div class="kk-chips">{chips_html(passage, lang)}</div>'
        f'<div class="kk-passage" lang="{esc(passage["lang"])}">{passage_html(citation)}</div>'
        f"{parallel_html(citation.get('parallel'), lang)}"
        "</article>")


def related_card(passage: Json, catalog: Catalog, lang: UiLang) -> str:
    """A retrieved passage shown as related reading: no quote, since nothing was answered."""
    return (
        '<article class="kk-card kk-card-related">'
        f'<header class="kk-card-head"><div><div class="kk-doc">'
        f'{esc(doc_title(passage["doc"], catalog, lang))}</div>'
        f'<div class="kk-section">{section_html(passage["title"])}</div></div></header>'
        f'<div class="kk-chips">{chips_html(passage, lang)}</div>'
        f'<div class="kk-passage" lang="{esc(passage["lang"])}">{esc(shorten(passage["text"], 420))}'
        "</div></article>")


# ---------------------------------------------------------------------------- chat transcript

def user_bubble(question: str, lang: UiLang) -> str:
    return (f'<div class="kk-msg kk-user"><div class="kk-who">{esc(t("you", lang))}</div>'
            f'<div class="kk-bubble">{esc(shorten(question, 600))}</div></div>')


def thinking_bubble(lang: UiLang) -> str:
    return (f'<div class="kk-msg kk-bot kk-thinking"><div class="kk-who">{esc(t("assistant", lang))}'
            f'</div><div class="kk-bubble"><span class="kk-dots"><i></i><i></i><i></i></span> '
            f'{esc(t("thinking", lang))}</div></div>')


def error_bubble(message: str, lang: UiLang, title_key: str = "error_title") -> str:
    return (f'<div class="kk-msg kk-bot kk-error"><div class="kk-who">{esc(t("assistant", lang))}'
            f'</div><div class="kk-bubble" role="alert"><strong>{esc(t(title_key, lang))}</strong>'
            f"<div>{esc(message)}</div></div></div>")


def citation_chips(answer: Json, turn: str, catalog: Catalog, lang: UiLang) -> str:
    chips = [cite_link(turn, c["n"], f"[{c['n']}] {shorten(doc_title(c['doc'], catalog, lang), 42)}"
                       f" · {lines_label(c['line_start'], c['line_end'], lang)}")
             for c in answer["citations"]]
    return f'<div class="kk-cite-row">{"".join(chips)}</div>' if chips else ""


def is_generated(answer: Json) -> bool:
    """An answer written by a language model (not quoted, and not a fallback to quotes)."""
    return not str(answer.get("generator", "extractive")).startswith("extractive")


def sentence_mark(support: str | None, lang: UiLang) -> str:
    """The badge after a generated sentence: ✓ supported, ? not supported, ✗ contradicted."""
    if support is None:
        return ""
    label = t(f"sent_{support}", lang) if support in VERDICT_ICONS else support
    shown = "" if support == "supported" else f'<span class="kk-sent-label">{esc(label)}</span>'
    return (f'<span class="kk-sent-mark kk-sent-{esc(support)}" data-support="{esc(support)}" '
            f'title="{esc(label)}"><span class="kk-sent-icon" aria-hidden="true">'
            f'{VERDICT_ICONS.get(support, "?")}</span>{shown}</span>')


def sentences_html(answer: Json, turn: str, known: set[int], lang: UiLang, streaming: bool) -> str:
    """A generated answer, sentence by sentence, each with its citations and its mark."""
    parts = []
    for sentence in answer.get("sentences", []):
        markers = "".join(cite_link(turn, n) if n in known else esc(f"[{n}]")
                          for n in sentence["citations"])
        support = sentence.get("support")
        parts.append(f'<span class="kk-sent" data-support="{esc(support or "pending")}">'
                     f'{esc(sentence["text"])} {markers}{sentence_mark(support, lang)}</span>')
    caret = '<span class="kk-caret"></span>' if streaming else ""
    return " ".join(parts) + caret


def meta_line(answer: Json, lang: UiLang) -> str:
    took = answer.get("timings_ms", {}).get("total")
    parts = [f'{t("confidence", lang)} {answer.get("confidence", 0):.2f}']
    if is_generated(answer):
        parts.insert(0, t("generated_by", lang, name=answer["generator"]))
    if took is not None:
        parts.append(t("took", lang, ms=took))
    return f'<div class="kk-meta">{esc(" · ".join(parts))}</div>'


def answer_bubble(answer: Json, turn: str, catalog: Catalog, lang: UiLang,
                  shown: int | None = None) -> str:
    """An answer; `shown` characters of it while it is being revealed (None: all of it)."""
    text = answer["answer"] if shown is None else answer["answer"][:shown]
    streaming = (shown is not None and shown < len(answer["answer"])) or bool(answer.get("streaming"))
    caret = '<span class="kk-caret"></span>' if streaming else ""
    if answer["abstained"]:
        body = (f'<div lang="{esc(answer["lang"])}" title="{esc(t("not_found", lang))}">'
                f'<span class="kk-abstain-icon" aria-hidden="true">ⓘ</span> {esc(text)}{caret}</div>')
        footer = "" if streaming else related_list(answer, catalog, lang)
        kind = "kk-abstained"
    else:
        known = {c["n"] for c in answer["citations"]}
        if is_generated(answer) and (answer.get("sentences") or streaming):
            inner = sentences_html(answer, turn, known, lang, streaming)
        else:
            inner = with_markers(text, turn, known) + caret
        body = f'<div lang="{esc(answer["lang"])}">{inner}</div>'
        footer = "" if streaming else citation_chips(answer, turn, catalog, lang) + meta_line(answer, lang)
        kind = "kk-answered"
    return (f'<div class="kk-msg kk-bot {kind}" data-turn="{esc(turn)}"><div class="kk-who">'
            f'{esc(t("assistant", lang))}</div><div class="kk-bubble">{body}{footer}</div></div>')


def related_list(answer: Json, catalog: Catalog, lang: UiLang) -> str:
    items = [f'<li><span class="kk-related-doc">{esc(shorten(doc_title(r["doc"], catalog, lang), 48))}'
             f'</span> · {esc(shorten(r["title"], 80))} · '
             f'{esc(lines_label(r["line_start"], r["line_end"], lang))}</li>'
             for r in answer.get("retrieved", [])]
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
        parts.append(answer_bubble(turn["answer"], str(turn["id"]), catalog, lang, turn.get("shown")))
    return f'<section class="kk-turn">{"".join(parts)}</section>'


def transcript_html(turns: Sequence[Json], catalog: Catalog, lang: UiLang) -> str:
    if not turns:
        return (f'<div class="kk-transcript kk-empty"><div class="kk-welcome">'
                f'<div class="kk-welcome-mark">架</div><p>{esc(t("welcome", lang))}</p></div></div>')
    return f'<div class="kk-transcript">{"".join(turn_html(x, catalog, lang) for x in turns)}</div>'


# ---------------------------------------------------------------------------- sources panel

def turn_sources(turn: Json, catalog: Catalog, lang: UiLang, shown: bool) -> str:
    answer = turn["answer"]
    key = str(turn["id"])
    if answer["abstained"]:
        cards = "".join(related_card(r, catalog, lang) for r in answer.get("retrieved", []))
        heading = t("related_reading", lang)
    else:
        cards = "".join(source_card(c, key, catalog, lang) for c in answer["citations"])
        heading = t("sources", lang)
    return (f'<div class="kk-turn-sources{" kk-shown" if shown else ""}" data-turn="{esc(key)}">'
            f'<div class="kk-panel-title">{esc(heading)}</div>'
            f'<div class="kk-panel-question">{esc(t("sources_for", lang))} '
            f'“{esc(shorten(turn["question"], 120))}”</div>{cards}</div>')


def sources_html(turns: Sequence[Json], catalog: Catalog, lang: UiLang) -> str:
    """Cards of every answered turn; the latest one shows, a click on [n] shows its own turn."""
    answered = [x for x in turns if x.get("answer") is not None]
    if not answered:
        return (f'<div class="kk-sources kk-empty"><div class="kk-panel-title">{esc(t("sources", lang))}'
                f'</div><p class="kk-hint">{esc(t("sources_empty", lang))}</p></div>')
    last = answered[-1]["id"]
    sections = "".join(turn_sources(x, catalog, lang, x["id"] == last) for x in answered)
    return f'<div class="kk-sources">{sections}</div>'


# ---------------------------------------------------------------------------- checking

def verdict_html(claim: str, result: Json | None, error: str | None, catalog: Catalog,
                 lang: UiLang) -> str:
    """The verdict badge, its reason and the evidence cards, or the input error."""
    if error is not None:
        return f'<div class="kk-verdict">{error_bubble(error, lang, "check_error_title")}</div>'
    if result is None:
        return f'<div class="kk-verdict kk-empty"><p class="kk-hint">{esc(t("check_intro", lang))}</p></div>'
    verdict = result["verdict"]
    evidence = result.get("evidence", [])
    cards = "".join(source_card(c, "check", catalog, lang) for c in evidence) \
        or f'<p class="kk-hint">{esc(t("no_evidence", lang))}</p>'
    return (
        f'<div class="kk-verdict kk-verdict-{esc(verdict)}">'
        f'<div class="kk-claim" lang="{esc(result.get("lang", ""))}">“{esc(shorten(claim, 600))}”</div>'
        f'<div class="kk-badge kk-badge-{esc(verdict)}" data-verdict="{esc(verdict)}">'
        f'<span class="kk-badge-icon">{VERDICT_ICONS.get(verdict, "?")}</span>'
        f'{esc(t("verdict_" + verdict, lang) if verdict in VERDICT_ICONS else verdict)}</div>'
        f'<p class="kk-reason">{esc(result.get("reason", ""))}</p>'
        f'<div class="kk-panel-title">{esc(t("evidence", lang))}</div>{cards}</div>')


def checking_html(lang: UiLang) -> str:
    return (f'<div class="kk-verdict kk-empty"><p class="kk-hint"><span class="kk-dots"><i></i><i></i>'
            f'<i></i></span> {esc(t("thinking", lang))}</p></div>')


# ---------------------------------------------------------------------------- about

def catalog_html(catalog: Catalog, sources: Mapping[str, str], lang: UiLang) -> str:
    cards = []
    for doc in sorted(sources):
        entry = catalog.get(doc)
        text = sources[doc]
        langs = ", ".join(language_name(code, lang) for code in (entry.languages if entry else ()))
        rows = [(t("publisher", lang), entry.publisher if entry else ""),
                (t("year", lang), str(entry.year) if entry and entry.year else ""),
                (t("languages", lang), langs)]
        facts = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows if v)
        bilingual = (f'<p class="kk-hint">{esc(t("bilingual", lang))}</p>'
                     if entry and len(entry.languages) > 1 else "")
        size = t("size", lang, chars=len(text), lines=text.count("\n") + 1)
        cards.append(f'<article class="kk-card kk-doc-card"><div class="kk-doc">'
                     f'{esc(doc_title(doc, catalog, lang))}</div><dl>{facts}</dl>{bilingual}'
                     f'<div class="kk-chips"><span class="kk-chip">{esc(doc)}</span>'
                     f'<span class="kk-chip">{esc(size)}</span></div></article>')
    return (f'<div class="kk-about"><p>{esc(t("about_intro", lang))}</p>{"".join(cards)}</div>')


def examples_title_html(lang: UiLang) -> str:
    return f'<div class="kk-panel-title">{esc(t("examples", lang))}</div>'


def header_html(lang: UiLang) -> str:
    return (f'<div class="kk-header"><div class="kk-logo" aria-hidden="true">橋</div><div>'
            f'<h1><span lang="ja">架け橋</span> <span class="kk-latin">Kakehashi</span></h1>'
            f'<p>{esc(t("tagline", lang))}</p></div></div>')
