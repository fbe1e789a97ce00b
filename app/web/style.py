"""How the web interface looks: the Gradio theme and the page's CSS, light and dark.

Colours are set per theme on `.gradio-container` (inside the element that carries `.dark`), so
every `--kk-*` colour changes with the theme. Each text colour is chosen for at least 4.5:1
contrast on the background it sits on, in both themes (WCAG AA; tests/test_ui_browser.py
measures it on the rendered page).
"""

from __future__ import annotations

import gradio as gr

# Local fonts only: the server may have no network, and a web font would be fetched from one.
# Latin first, then Japanese faces by platform, so each script gets a face drawn for it.
FONTS = ["Inter", "Segoe UI", "Helvetica Neue", "Noto Sans", "Noto Sans JP", "Noto Sans CJK JP",
         "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic UI", "Meiryo", "system-ui",
         "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Noto Sans Mono CJK JP", "monospace"]
# Below this width the sources panel becomes a sheet over the page and the layout is one column.
NARROW_PX = 768


def theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="teal", neutral_hue="slate",
                          radius_size="md", font=FONTS, font_mono=MONO).set(
        # Gradio's own subdued texts (labels, info, placeholders) made dark enough to read.
        body_text_color_subdued="#475569", body_text_color_subdued_dark="#cbd5e1",
        block_label_text_color="#334155", block_label_text_color_dark="#e2e8f0",
        block_title_text_color="#334155", block_title_text_color_dark="#e2e8f0",
        input_placeholder_color="#64748b", input_placeholder_color_dark="#94a3b8",
        button_primary_background_fill="#4338ca", button_primary_background_fill_dark="#4f46e5",
        button_primary_background_fill_hover="#3730a3",
        button_primary_background_fill_hover_dark="#4338ca",
        button_primary_text_color="#ffffff", button_primary_text_color_dark="#ffffff",
        # The selected tab and the selected radio pill (Gradio's indigo-500 is 4.47:1 on white).
        color_accent="#4338ca", color_accent_soft="#e0e7ff", color_accent_soft_dark="#312e81",
        checkbox_label_background_fill_selected="#4338ca",
        checkbox_label_background_fill_selected_dark="#4f46e5",
        checkbox_label_text_color_selected="#ffffff", checkbox_label_text_color_selected_dark="#ffffff",
    )


CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto;
  --kk-ink: #0f172a; --kk-muted: #475569; --kk-line: #cbd5e1; --kk-card: #ffffff; --kk-soft: #f1f5f9;
  --kk-accent: #4338ca; --kk-accent-ink: #ffffff; --kk-focus: #1d4ed8;
  --kk-mark: #fde68a; --kk-mark-ink: #1f2937;
  --kk-cite-bg: #eef2ff; --kk-cite-ink: #3730a3; --kk-cite-line: #a5b4fc;
  --kk-teal: #0f766e; --kk-teal-bg: #f0fdfa; --kk-teal-line: #5eead4;
  --kk-err-bg: #fef2f2; --kk-err-line: #fca5a5; --kk-err-ink: #991b1b;
  --kk-ok-bg: #ecfdf5; --kk-ok-line: #6ee7b7; --kk-ok-ink: #065f46; --kk-ok-dot: #047857;
  --kk-warn-bg: #fffbeb; --kk-warn-line: #fcd34d; --kk-warn-ink: #92400e; --kk-warn-dot: #b45309;
  --kk-bad-dot: #b91c1c; }
.dark .gradio-container, .gradio-container.dark {
  --kk-ink: #f1f5f9; --kk-muted: #cbd5e1; --kk-line: #475569; --kk-card: #1e293b; --kk-soft: #0f172a;
  --kk-accent: #4f46e5; --kk-accent-ink: #ffffff; --kk-focus: #93c5fd;
  --kk-mark: #854d0e; --kk-mark-ink: #fefce8;
  --kk-cite-bg: #312e81; --kk-cite-ink: #e0e7ff; --kk-cite-line: #6366f1;
  --kk-teal: #5eead4; --kk-teal-bg: #042f2e; --kk-teal-line: #115e59;
  --kk-err-bg: #450a0a; --kk-err-line: #991b1b; --kk-err-ink: #fecaca;
  --kk-ok-bg: #022c22; --kk-ok-line: #047857; --kk-ok-ink: #a7f3d0; --kk-ok-dot: #047857;
  --kk-warn-bg: #451a03; --kk-warn-line: #b45309; --kk-warn-ink: #fde68a; --kk-warn-dot: #b45309;
  --kk-bad-dot: #b91c1c; }
.dark button[role="tab"][aria-selected="true"] { color: #a5b4fc !important; }  /* the accent on dark */
[lang="ja"] { line-break: strict; word-break: normal; overflow-wrap: anywhere; }

/* Visible focus on every control, in both themes. */
.gradio-container :is(a, button, summary, [tabindex]):focus-visible,
.gradio-container :is(input, textarea):focus-visible,
.gradio-container label:has(input:focus-visible) {
  outline: 3px solid var(--kk-focus) !important; outline-offset: 2px !important; }
#kk-question textarea:focus, #kk-claim textarea:focus {
  outline: 3px solid var(--kk-focus) !important; outline-offset: 1px !important; }

#kk-top { flex-wrap: wrap; align-items: center; gap: 8px 16px; }
.kk-header { display: flex; gap: 14px; align-items: center; padding: 6px 2px 2px; flex-wrap: wrap; }
.kk-title { flex: 1 1 260px; }
.kk-logo { width: 46px; height: 46px; border-radius: 12px; display: grid; place-items: center; flex: none;
  background: #4338ca; color: #fff; font-size: 26px; font-weight: 700; }
.kk-header h1 { margin: 0; font-size: 1.55rem; font-weight: 700; letter-spacing: .01em;
  color: var(--kk-ink); }
.kk-header .kk-latin { color: var(--kk-muted); font-weight: 500; font-size: 1.1rem; margin-left: 4px; }
.kk-header p { margin: 2px 0 0; color: var(--kk-muted); font-size: .93rem; line-height: 1.55; }
#kk-lang { flex: 0 1 auto !important; min-width: 0 !important; margin-left: auto; }
.kk-theme-toggle { border: 1px solid var(--kk-line); background: var(--kk-card); color: var(--kk-ink);
  border-radius: 999px; padding: 5px 12px; font-size: .85rem; cursor: pointer; white-space: nowrap; }
.kk-to-light, .dark .kk-to-dark { display: none; }
.dark .kk-to-light { display: inline; }

/* The conversation scrolls in its own box; the question box stays under it. */
#kk-chat-col { position: relative; }
#kk-transcript { height: clamp(300px, calc(100vh - 430px), 760px); overflow-y: auto !important;
  overscroll-behavior: contain; border: 1px solid var(--kk-line); border-radius: 12px;
  background: var(--kk-soft); padding: 10px; }
.kk-jump { position: absolute; left: 50%; transform: translateX(-50%); z-index: 5; display: none;
  width: auto !important; max-width: 90%;
  border: 1px solid var(--kk-accent); background: var(--kk-accent); color: var(--kk-accent-ink);
  border-radius: 999px; padding: 6px 14px; font-size: .85rem; cursor: pointer;
  box-shadow: 0 2px 8px rgba(15, 23, 42, .25); }
.kk-jump.kk-visible { display: block; }
.kk-transcript { display: flex; flex-direction: column; gap: 14px; padding: 4px 2px 8px; }
.kk-turn { display: flex; flex-direction: column; gap: 10px; }
.kk-msg { display: flex; flex-direction: column; max-width: 92%; }
.kk-user { align-self: flex-end; align-items: flex-end; }
.kk-bot { align-self: flex-start; }
.kk-who { font-size: .74rem; color: var(--kk-muted); margin: 0 6px 3px; letter-spacing: .03em; }
.kk-bubble { padding: 11px 15px; border-radius: 14px; line-height: 1.75; font-size: 1rem;
  white-space: pre-line; overflow-wrap: anywhere; max-width: 100%; }
.kk-user .kk-bubble { background: var(--kk-accent); color: var(--kk-accent-ink);
  border-bottom-right-radius: 4px; }
.kk-bot .kk-bubble { background: var(--kk-card); color: var(--kk-ink); border: 1px solid var(--kk-line);
  border-bottom-left-radius: 4px; box-shadow: 0 1px 2px rgba(15, 23, 42, .05); }
.kk-abstained .kk-bubble { background: var(--kk-soft); border-style: dashed; color: var(--kk-muted); }
.kk-abstain-icon { font-weight: 700; }
.kk-error .kk-bubble { background: var(--kk-err-bg); border-color: var(--kk-err-line);
  color: var(--kk-err-ink); }
.kk-error strong { display: block; font-size: .9rem; }

a.kk-cite { transition: none; display: inline-block; margin: 0 1px; padding: 0 6px; border-radius: 6px;
  cursor: pointer;
  font-size: .78rem; font-weight: 600; line-height: 1.5; vertical-align: 2px; text-decoration: none;
  background: var(--kk-cite-bg); color: var(--kk-cite-ink); border: 1px solid var(--kk-cite-line);
  white-space: nowrap; }
a.kk-cite:hover { background: var(--kk-accent); color: var(--kk-accent-ink);
  border-color: var(--kk-accent); }
.kk-cite-row { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; white-space: normal; }
.kk-cite-row a.kk-cite { font-weight: 500; padding: 2px 8px; vertical-align: 0; white-space: normal;
  max-width: 100%; overflow-wrap: anywhere; text-align: left; }
.kk-meta { margin-top: 6px; font-size: .78rem; color: var(--kk-muted); white-space: normal; }
.kk-actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; white-space: normal; }
.kk-copy { border: 1px solid var(--kk-line); background: var(--kk-card); color: var(--kk-muted);
  border-radius: 999px; padding: 1px 10px; font-size: .78rem; cursor: pointer; line-height: 1.6; }
.kk-copy:hover { color: var(--kk-ink); border-color: var(--kk-muted); }
.kk-related { margin-top: 10px; white-space: normal; }
.kk-related-title { font-size: .8rem; font-weight: 600; text-transform: uppercase;
  letter-spacing: .05em; }
.kk-related ul { margin: 4px 0 0 18px; padding: 0; font-size: .88rem; line-height: 1.6; }
.kk-related-doc { font-weight: 600; }

.kk-caret { display: inline-block; width: 7px; height: 1.05em; background: var(--kk-accent);
  vertical-align: -2px; margin-left: 2px; animation: kk-blink 1s steps(2) infinite; }
@keyframes kk-blink { 50% { opacity: 0; } }
.kk-dots i { display: inline-block; width: 6px; height: 6px; margin: 0 2px; border-radius: 50%;
  background: var(--kk-muted); animation: kk-bounce 1.2s infinite ease-in-out; }
.kk-dots i:nth-child(2) { animation-delay: .15s; } .kk-dots i:nth-child(3) { animation-delay: .3s; }
@keyframes kk-bounce { 0%, 80%, 100% { transform: translateY(0); } 40% { transform: translateY(-4px); } }

.kk-welcome { text-align: center; padding: 38px 22px; color: var(--kk-muted); line-height: 1.75; }
.kk-welcome-mark { font-size: 40px; opacity: .25; font-weight: 700; }
.kk-hint { color: var(--kk-muted); font-size: .9rem; line-height: 1.7; }
.kk-input-hint { display: flex; flex-wrap: wrap; gap: 4px 12px; justify-content: space-between;
  font-size: .85rem; line-height: 1.5; min-height: 0; }
.kk-note { color: var(--kk-err-ink); background: var(--kk-err-bg); border-radius: 6px; padding: 2px 8px; }
.kk-counter { font-size: .8rem; color: var(--kk-muted); text-align: right; margin: 2px 4px 0;
  font-variant-numeric: tabular-nums; }
.kk-counter.kk-over { color: var(--kk-err-ink); font-weight: 700; }

.kk-panel-title { font-size: .78rem; font-weight: 700; text-transform: uppercase; letter-spacing: .08em;
  color: var(--kk-muted); margin: 4px 0 6px; }
.kk-panel-question { font-size: .88rem; color: var(--kk-muted); margin-bottom: 10px; }
.kk-turn-sources { display: none; }
.kk-turn-sources.kk-shown { display: block; }
.kk-card { background: var(--kk-card); color: var(--kk-ink); border: 1px solid var(--kk-line);
  border-radius: 12px; padding: 12px 14px; margin-bottom: 12px; scroll-margin: 80px;
  transition: box-shadow .25s ease, border-color .25s ease; }
.kk-card.kk-active { border-color: var(--kk-accent); box-shadow: 0 0 0 3px rgba(79, 70, 229, .35); }
.kk-card-head { display: flex; gap: 10px; align-items: flex-start; }
.kk-num { flex: none; width: 26px; height: 26px; border-radius: 8px; display: grid; place-items: center;
  background: var(--kk-accent); color: var(--kk-accent-ink); font-weight: 700; font-size: .85rem; }
.kk-doc { font-weight: 650; font-size: .95rem; line-height: 1.45; }
.kk-section { font-size: .82rem; color: var(--kk-muted); line-height: 1.5; margin-top: 1px; }
.kk-crumb-sep { margin: 0 5px; }
.kk-chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; align-items: center; }
.kk-chip { font-size: .76rem; padding: 1px 8px; border-radius: 999px; background: var(--kk-soft);
  border: 1px solid var(--kk-line); color: var(--kk-muted); overflow-wrap: anywhere; }
.kk-chip-lang { color: var(--kk-teal); border-color: var(--kk-teal-line); background: var(--kk-teal-bg); }
.kk-chips .kk-copy { margin-left: auto; }
.kk-passage { font-size: .92rem; line-height: 1.8; white-space: pre-line; color: var(--kk-ink);
  overflow-wrap: anywhere; }
.kk-heading { display: block; font-weight: 700; font-size: .95rem; margin: 2px 0; }
mark.kk-quote { background: var(--kk-mark); color: var(--kk-mark-ink); padding: 1px 2px;
  border-radius: 3px; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.kk-parallel { margin-top: 8px; border-top: 1px dashed var(--kk-line); padding-top: 6px; }
.kk-parallel summary { cursor: pointer; font-size: .82rem; color: var(--kk-teal); font-weight: 600; }
.kk-parallel .kk-passage { margin-top: 6px; color: var(--kk-muted); }
.kk-card-related { border-style: dashed; }
.kk-sheet-bar { display: none; }

.kk-verdict { padding: 4px 2px; color: var(--kk-ink); }
.kk-claim { font-size: 1.05rem; line-height: 1.7; margin-bottom: 10px; }
.kk-badge { display: inline-flex; align-items: center; gap: 8px; padding: 6px 14px 6px 8px;
  border-radius: 999px; font-weight: 700; font-size: .95rem; border: 1px solid; }
.kk-badge-icon { width: 24px; height: 24px; border-radius: 50%; display: grid; place-items: center;
  color: #fff; font-size: .9rem; }
.kk-badge-supported, .kk-sent-supported { background: var(--kk-ok-bg); color: var(--kk-ok-ink);
  border-color: var(--kk-ok-line); }
.kk-badge-supported .kk-badge-icon, .kk-sent-supported .kk-sent-icon { background: var(--kk-ok-dot); }
.kk-badge-unsupported, .kk-sent-unsupported { background: var(--kk-warn-bg); color: var(--kk-warn-ink);
  border-color: var(--kk-warn-line); }
.kk-badge-unsupported .kk-badge-icon,
  .kk-sent-unsupported .kk-sent-icon { background: var(--kk-warn-dot); }
.kk-badge-contradicted, .kk-sent-contradicted { background: var(--kk-err-bg); color: var(--kk-err-ink);
  border-color: var(--kk-err-line); }
.kk-badge-contradicted .kk-badge-icon,
  .kk-sent-contradicted .kk-sent-icon { background: var(--kk-bad-dot); }
.kk-reason { margin: 10px 0 14px; line-height: 1.7; }

.kk-sent-mark { display: inline-flex; align-items: center; gap: 3px; margin-left: 3px;
  padding: 0 6px 0 2px;
  border-radius: 999px; font-size: .72rem; font-weight: 650; line-height: 1.5; vertical-align: 2px;
  border: 1px solid; white-space: nowrap; }
.kk-sent-icon { width: 15px; height: 15px; border-radius: 50%; display: inline-grid; place-items: center;
  color: #fff; font-size: .65rem; }
.kk-sent-mark.kk-sent-supported { border-color: transparent; background: transparent; padding: 0; }
.kk-sent[data-support="unsupported"], .kk-sent[data-support="contradicted"] {
  text-decoration: underline dotted var(--kk-warn-dot); text-underline-offset: 3px; }
.kk-gen-hint { color: var(--kk-muted); font-size: .84rem; line-height: 1.6; }

.kk-about > p { line-height: 1.75; color: var(--kk-ink); }
.kk-doc-card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px;
  margin: 8px 0; font-size: .88rem; }
.kk-doc-card dt { color: var(--kk-muted); }
.kk-doc-card dd { margin: 0; }

#kk-examples, #kk-claim-examples { flex-wrap: wrap; gap: 8px; }
#kk-examples button, #kk-claim-examples button { flex: 0 1 auto !important; width: auto !important;
  min-width: 0 !important; max-width: 100%; font-weight: 400; text-align: left; border-radius: 999px;
  padding: 4px 12px; white-space: normal; overflow-wrap: anywhere; }
#kk-clear { flex: none; width: auto; align-self: flex-start; }
#kk-sources-col { position: sticky; top: 8px; align-self: flex-start; max-height: calc(100vh - 16px);
  overflow-y: auto; }

/* Checking a whole text: each sentence marked in place by colour, mark and underline style. */
.gradio-container {
  --kk-ts-ok-bg: #dcfce7; --kk-ts-ok-line: #047857; --kk-ts-warn-bg: #fef3c7; --kk-ts-warn-line: #b45309;
  --kk-ts-bad-bg: #fee2e2; --kk-ts-bad-line: #b91c1c; --kk-ts-none-bg: #e2e8f0; --kk-ts-none-line: #475569;
  --kk-ts-wait-bg: #f1f5f9; --kk-ts-wait-line: #64748b; --kk-ts-none-dot: #475569; }
.dark .gradio-container, .gradio-container.dark {
  --kk-ts-ok-bg: #064e3b; --kk-ts-ok-line: #34d399; --kk-ts-warn-bg: #713f12; --kk-ts-warn-line: #fbbf24;
  --kk-ts-bad-bg: #7f1d1d; --kk-ts-bad-line: #fca5a5; --kk-ts-none-bg: #334155; --kk-ts-none-line: #94a3b8;
  --kk-ts-wait-bg: #1e293b; --kk-ts-wait-line: #94a3b8; --kk-ts-none-dot: #475569; }
#kk-check-mode { margin-bottom: 4px; }
#kk-text-row { align-items: stretch; }
.kk-note-ok { color: var(--kk-ok-ink); background: var(--kk-ok-bg); border-radius: 6px; padding: 2px 8px; }
.kk-tc { color: var(--kk-ink); padding: 4px 2px; }
.kk-tc-top { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; margin-bottom: 10px; }
.kk-tc-summary { margin: 0; font-weight: 700; font-size: 1.05rem; line-height: 1.6; flex: 1 1 100%; }
.kk-tc-progress { margin: 0; color: var(--kk-muted); font-size: .9rem; flex: 1 1 100%; }
.kk-tc-top .kk-actions { margin-top: 0; }
ul.kk-tc-legend { display: flex; flex-wrap: wrap; gap: 6px 16px; list-style: none; padding: 0; margin: 0;
  font-size: .88rem; }
.kk-tc-key { display: inline-flex; align-items: center; gap: 4px; margin: 0; }
.kk-tc-count { font-variant-numeric: tabular-nums; }
.kk-tc-body { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px;
  align-items: start; }
.kk-tc-text { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 2.1; font-size: 1rem;
  background: var(--kk-card); border: 1px solid var(--kk-line); border-radius: 12px; padding: 12px 16px; }
.kk-tc-cards { position: sticky; top: 8px; max-height: calc(100vh - 16px); overflow-y: auto; }
.kk-tc-pick { margin-top: 0; }
.kk-copy-report span[lang] { font: inherit; }
.kk-tc-pick kbd { font: inherit; font-weight: 600; border: 1px solid var(--kk-line); border-radius: 4px;
  padding: 0 4px; }
.kk-ts { border-radius: 4px; padding: 2px 1px; cursor: pointer; color: var(--kk-ink);
  text-decoration-line: underline; text-decoration-thickness: 2px; text-underline-offset: 5px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.kk-ts-supported { background: var(--kk-ts-ok-bg); text-decoration-style: solid;
  text-decoration-color: var(--kk-ts-ok-line); }
.kk-ts-unsupported { background: var(--kk-ts-warn-bg); text-decoration-style: dashed;
  text-decoration-color: var(--kk-ts-warn-line); }
.kk-ts-contradicted { background: var(--kk-ts-bad-bg); text-decoration-style: wavy;
  text-decoration-color: var(--kk-ts-bad-line); }
.kk-ts-not_a_claim { background: var(--kk-ts-none-bg); text-decoration-style: dotted;
  text-decoration-color: var(--kk-ts-none-line); }
.kk-ts-pending { background: var(--kk-ts-wait-bg); text-decoration: none; cursor: progress;
  animation: kk-pulse 1.6s ease-in-out infinite; }
@keyframes kk-pulse { 50% { background: transparent; } }
.kk-tc-stopped .kk-ts-pending { animation: none; cursor: pointer; background: transparent;
  text-decoration: underline dotted; text-decoration-color: var(--kk-ts-none-line); }
.kk-ts.kk-active { box-shadow: 0 0 0 2px var(--kk-accent); }
.kk-ts:hover { filter: brightness(.96); }
.kk-ts-mark { display: inline-grid; place-items: center; width: 1.15em; height: 1.15em; margin: 0 2px 0 3px;
  border-radius: 50%; font-size: .72em; font-weight: 700; line-height: 1; vertical-align: .15em;
  color: #fff; text-decoration: none; }
.kk-ts-supported .kk-ts-mark { background: var(--kk-ok-dot); }
.kk-ts-unsupported .kk-ts-mark { background: var(--kk-warn-dot); }
.kk-ts-contradicted .kk-ts-mark { background: var(--kk-bad-dot); }
.kk-ts-not_a_claim .kk-ts-mark, .kk-ts-pending .kk-ts-mark { background: var(--kk-ts-none-dot); }
.kk-ts-sample { padding: 2px 3px; cursor: default; display: inline-block; line-height: 1.3; }
.kk-ts-sample .kk-ts-mark { margin: 0; }
.kk-tc-card { background: var(--kk-card); border: 1px solid var(--kk-line); border-radius: 12px;
  padding: 12px 14px; scroll-margin: 12px; }
.kk-tc-card[hidden] { display: none; }
.kk-tc-card-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin-bottom: 8px; }
.kk-tc-card-n { font-size: .8rem; font-weight: 700; color: var(--kk-muted); }
.kk-tc-card .kk-claim { font-size: 1rem; }
.kk-badge-not_a_claim, .kk-badge-pending { background: var(--kk-soft); color: var(--kk-ink);
  border-color: var(--kk-line); }
.kk-badge-not_a_claim .kk-badge-icon, .kk-badge-pending .kk-badge-icon { background: var(--kk-ts-none-dot); }
.kk-tc-back { display: none; }

"""

# Narrow screens (phones). Served in the page's <head> as it is: Gradio prefixes the rules of `CSS`
# with its own container, which would keep them from reaching `body` and `.main`; `!important`
# lets them win over the prefixed rules above.
NARROW_CSS = """
@media (max-width: __NARROW__px) {
  .gradio-container .main { padding: 10px 8px !important; }
  .gradio-container .tab-wrapper, .gradio-container .tab-container { flex-wrap: wrap !important; }
  .kk-header h1 { font-size: 1.3rem !important; }
  #kk-lang { margin-left: 0 !important; }
  #kk-transcript { height: clamp(280px, calc(100svh - 330px), 620px) !important; padding: 6px !important; }
  .kk-msg { max-width: 100% !important; }
  #kk-sources-col { position: fixed !important; left: 0 !important; right: 0 !important; bottom: 0 !important;
    top: auto !important; z-index: 1000 !important; max-height: 82vh !important; margin: 0 !important;
    padding: 0 12px 16px !important; border-radius: 16px 16px 0 0 !important;
    background: var(--kk-soft) !important; border-top: 1px solid var(--kk-line) !important;
    box-shadow: 0 -8px 24px rgba(15, 23, 42, .3) !important; transform: translateY(105%) !important;
    visibility: hidden !important; transition: transform .2s ease !important; }
  body.kk-sheet-open #kk-sources-col { transform: none !important; visibility: visible !important; }
  .kk-sheet-bar { display: flex !important; position: sticky !important; top: 0 !important;
    z-index: 2 !important;
    padding: 10px 0 8px !important; background: var(--kk-soft) !important; }
  .kk-tc-body { grid-template-columns: minmax(0, 1fr) !important; }
  .kk-tc-cards { position: static !important; max-height: none !important; }
  .kk-tc-text { padding: 10px 10px !important; }
  .kk-tc-back { display: inline-block !important; margin-top: 8px !important;
    border: 1px solid var(--kk-line) !important; background: var(--kk-card) !important;
    color: var(--kk-ink) !important; border-radius: 999px !important; padding: 4px 12px !important; }
  .kk-sheet-close { border: 1px solid var(--kk-accent) !important; background: var(--kk-accent) !important;
    color: var(--kk-accent-ink) !important; border-radius: 999px !important; padding: 6px 14px !important;
    font-size: .95rem !important; cursor: pointer !important; }
}
""".replace("__NARROW__", str(NARROW_PX))
