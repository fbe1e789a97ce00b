"""The documents panel of the "About the sources" tab: every document, uploads and removal.

Lists each indexed document (title, type, pages, languages, size) and each skipped file with
why. Where uploads are allowed (`app.library.folder.uploads_allowed`), files can be added (checked,
stored in the documents folder, then read and embedded with a progress bar: only new text
reaches the model) and documents removed; the service swaps the new index in while questions
go on being answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from app.library.folder import DocumentsFolder, UploadReport
from app.service import Kakehashi
from app.web.passages import esc
from app.web.render import panel_title, src
from app.web.words import UiLang, language_name, t, ui_lang
from ingest.formats import SOURCE_SUFFIXES
from ingest.reader import DocumentError
from ingest.records import Document

log = logging.getLogger("kakehashi.ui")

# Format names are product names, shown as they are in either language, except plain text.
FORMAT_NAMES = {"pdf": "PDF", "docx": "Word", "html": "HTML", "markdown": "Markdown"}


def format_html(fmt: str, lang: UiLang) -> str:
    if fmt == "text":
        return esc(t("docs_plain_text", lang))
    return f'<span lang="en" translate="no">{esc(FORMAT_NAMES.get(fmt, fmt))}</span>'


def _t(key: str, lang: UiLang, **values: Any) -> str:
    """The documents panel's words: the `docs_` entries of the interface text (app/web/words.py)."""
    return t(f"docs_{key}", lang, **values)


def size_label(size: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def documents_html(service: Kakehashi, lang: UiLang) -> str:
    """The table of indexed documents, then the files that were skipped and why."""
    rows = []
    for name in sorted(service.index.documents):
        info = service.index.documents[name]
        entry = service.catalog.get(name)
        title = entry.title if entry else info.get("title") or name
        langs = ", ".join(language_name(code, lang) for code in info.get("languages", []))
        # The title is the document's own words and the file name an identifier: marked with
        # their language, as quotes are, whatever the interface's language.
        size = size_label(int(info.get("bytes") or info.get("chars", 0)))
        rows.append(f'<tr data-doc="{esc(name)}"><td>{src(title, "kk-doc", "div")}'
                    f'<div class="kk-hint" lang="en" translate="no">{esc(name)}</div></td>'
                    f"<td>{format_html(info.get('format', ''), lang)}</td>"
                    f"<td>{esc(info.get('pages') or '—')}</td><td>{esc(langs)}</td>"
                    f'<td lang="en">{esc(size)}</td></tr>')
    head = "".join(f"<th>{esc(_t(k, lang))}</th>"
                   for k in ("col_title", "col_type", "col_pages", "col_langs", "col_size"))
    skipped = "".join(f"<li>{esc(reason)}</li>" for reason in service.skipped.values())
    skipped_html = (f'<div class="kk-doc-skipped">{panel_title(_t("skipped", lang))}'
                    f"<ul>{skipped}</ul></div>") if skipped else ""
    return (f'<div class="kk-documents">{panel_title(_t("title", lang))}'
            f'<table class="kk-doc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f"</table>{skipped_html}</div>")


def _status(lines: list[str]) -> str:
    return "".join(f'<p class="kk-doc-status">{esc(line)}</p>' for line in lines)


class DocumentsPanel:
    """The panel's components and callbacks; `layout` inside the tab, then `wire`."""

    def __init__(self, service: Kakehashi, uploads: bool) -> None:
        settings = service.settings
        self.service = service
        self.uploads = uploads
        self.folder = DocumentsFolder(settings.seeds, settings.path(settings.data_dir) / "removed",
                                      settings.limits.max_document_bytes)
        self.max_mb = settings.limits.max_document_mb

    def names(self) -> list[str]:
        return sorted(self.service.index.documents)

    def layout(self, lang: UiLang) -> None:
        self.table = gr.HTML(documents_html(self.service, lang), elem_id="kk-documents", js_on_load=None)
        self.status = gr.HTML("", elem_id="kk-doc-status", js_on_load=None)
        if not self.uploads:
            self.note = gr.HTML(f'<p class="kk-hint">{esc(_t("off", lang))}</p>', js_on_load=None)
            return
        self.files = gr.File(label=_t("upload", lang, mb=self.max_mb), file_count="multiple",
                             file_types=list(SOURCE_SUFFIXES), type="filepath", elem_id="kk-upload")
        with gr.Row(equal_height=True):
            self.choice = gr.Dropdown(self.names(), label=_t("remove_choice", lang), value=None,
                                      elem_id="kk-remove-choice", scale=4)
            self.remove_button = gr.Button(_t("remove", lang), variant="secondary", scale=1,
                                           elem_id="kk-remove")

    def _after(self, lines: list[str], lang: UiLang, about: Callable[[UiLang], str]) -> tuple[Any, ...]:
        return (documents_html(self.service, lang), _status(lines), None,
                gr.update(choices=self.names(), value=None), about(lang))

    def _refresh(self, lines: list[str], lang: UiLang, progress: gr.Progress,
                 known: Sequence[Document] = ()) -> None:
        progress(0.3, desc=_t("embedding", lang))
        try:
            self.service.refresh(progress=True, known=known)
            index = self.service.index
            lines.append(_t("ready", lang, docs=len(index.documents), chunks=len(index.chunks)))
        except DocumentError as err:
            lines.append(_t("failed", lang, why=str(err)))
        except Exception:  # the page must keep working; the old index goes on answering
            log.exception("index refresh failed")
            lines.append(_t("failed", lang, why="see the server log"))

    def upload(self, files: list[str] | None, lang_value: str, about: Callable[[UiLang], str],
               progress: gr.Progress) -> tuple[Any, ...]:
        lang = ui_lang(lang_value)
        paths = [Path(f) for f in files or []]
        if not paths:
            return self._after([], lang, about)
        progress(0.05, desc=_t("reading", lang))
        report: UploadReport = self.folder.add_many([(p.name, p) for p in paths])
        lines = []
        if report.added:
            lines.append(_t("added", lang, names=", ".join(report.added)))
        lines += [_t("refused", lang, why=why) for why in report.refused]
        if report.added:
            self._refresh(lines, lang, progress, report.documents)
        return self._after(lines, lang, about)

    def remove(self, name: str | None, lang_value: str, about: Callable[[UiLang], str],
               progress: gr.Progress) -> tuple[Any, ...]:
        lang = ui_lang(lang_value)
        if not name:
            return self._after([_t("none", lang)], lang, about)
        if self.names() == [name]:
            return self._after([_t("last", lang)], lang, about)
        try:
            where = self.folder.remove(name)
        except DocumentError as err:
            return self._after([str(err)], lang, about)
        lines = [_t("removed", lang, name=name, where=str(where.parent))]
        self._refresh(lines, lang, progress)
        return self._after(lines, lang, about)

    def relabel(self, lang_value: str) -> tuple[Any, ...]:
        lang = ui_lang(lang_value)
        table = documents_html(self.service, lang)
        if not self.uploads:
            return table, f'<p class="kk-hint">{esc(_t("off", lang))}</p>'
        return (table, gr.update(label=_t("upload", lang, mb=self.max_mb)),
                gr.update(label=_t("remove_choice", lang)), gr.update(value=_t("remove", lang)))

    def wire(self, lang: gr.Radio, about: gr.HTML, render_about: Callable[[UiLang], str]) -> None:
        """Events; uploads and removals one at a time (they share the index build)."""
        opts: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": 1,
                                "concurrency_id": "documents"}
        if not self.uploads:
            lang.change(self.relabel, [lang], [self.table, self.note], **opts)
            return
        outputs = [self.table, self.status, self.files, self.choice, about]

        def upload(files: list[str] | None, lang_value: str,
                   progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
            return self.upload(files, lang_value, render_about, progress)

        def remove(name: str | None, lang_value: str,
                   progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
            return self.remove(name, lang_value, render_about, progress)

        self.files.upload(upload, [self.files, lang], outputs, api_name="ui_upload",
                          show_progress="full", **opts)
        self.remove_button.click(remove, [self.choice, lang], outputs, api_name="ui_remove",
                                 show_progress="full", **opts)
        lang.change(self.relabel, [lang], [self.table, self.files, self.choice, self.remove_button],
                    api_name="ui_documents_relabel", **opts)
