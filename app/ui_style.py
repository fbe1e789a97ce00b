"""How the web interface looks (theme, CSS) and the one script it needs (citation clicks)."""

from __future__ import annotations

import gradio as gr

# Local fonts only: the server may have no network, and a web font would be fetched from one.
# Latin first, then Japanese faces by platform, so each script gets a face drawn for it.
FONTS = ["Inter", "Segoe UI", "Helvetica Neue", "Noto Sans", "Noto Sans JP", "Noto Sans CJK JP",
         "Hiragino Kaku Gothic ProN", "Hiragino Sans", "Yu Gothic UI", "Meiryo", "system-ui",
         "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Noto Sans Mono CJK JP", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="teal", neutral_hue="slate",
                          radius_size="md", font=FONTS, font_mono=MONO)


CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
:root { --kk-ink: var(--body-text-color); --kk-muted: var(--body-text-color-subdued);
  --kk-line: var(--border-color-primary); --kk-card: var(--background-fill-primary);
  --kk-soft: var(--background-fill-secondary); --kk-accent: var(--color-accent, #4f46e5);
  --kk-mark: #fde68a; --kk-mark-ink: #1f2937; }
.dark { --kk-mark: #a16207; --kk-mark-ink: #fefce8; }
[lang="ja"] { line-break: strict; word-break: normal; overflow-wrap: anywhere; }

.kk-header { display: flex; gap: 14px; align-items: center; padding: 6px 2px 2px; }
.kk-logo { width: 46px; height: 46px; border-radius: 12px; display: grid; place-items: center;
  background: linear-gradient(135deg, #4f46e5, #0d9488); color: #fff; font-size: 26px; font-weight: 700; }
.kk-header h1 { margin: 0; font-size: 1.55rem; font-weight: 700; letter-spacing: .01em; }
.kk-header .kk-latin { color: var(--kk-muted); font-weight: 500; font-size: 1.1rem; margin-left: 4px; }
.kk-header p { margin: 2px 0 0; color: var(--kk-muted); font-size: .93rem; line-height: 1.55; }
#kk-lang { max-width: 230px; margin-left: auto; }

.kk-transcript { display: flex; flex-direction: column; gap: 14px; padding: 4px 2px 8px; }
.kk-turn { display: flex; flex-direction: column; gap: 10px; }
.kk-msg { display: flex; flex-direction: column; max-width: 92%; }
.kk-user { align-self: flex-end; align-items: flex-end; }
.kk-bot { align-self: flex-start; }
.kk-who { font-size: .74rem; color: var(--kk-muted); margin: 0 6px 3px; letter-spacing: .03em; }
.kk-bubble { padding: 11px 15px; border-radius: 14px; line-height: 1.75; font-size: 1rem;
  white-space: pre-line; }
.kk-user .kk-bubble { background: var(--kk-accent); color: #fff; border-bottom-right-radius: 4px; }
.kk-bot .kk-bubble { background: var(--kk-card); border: 1px solid var(--kk-line);
  border-bottom-left-radius: 4px; box-shadow: 0 1px 2px rgba(15, 23, 42, .05); }
.kk-abstained .kk-bubble { background: var(--kk-soft); border-style: dashed; color: var(--kk-muted); }
.kk-abstain-icon { font-weight: 700; }
.kk-error .kk-bubble { background: #fef2f2; border-color: #fecaca; color: #991b1b; }
.dark .kk-error .kk-bubble { background: #450a0a; border-color: #7f1d1d; color: #fecaca; }
.kk-error strong { display: block; font-size: .9rem; }

a.kk-cite { display: inline-block; margin: 0 1px; padding: 0 6px; border-radius: 6px; cursor: pointer;
  font-size: .78rem; font-weight: 600; line-height: 1.5; vertical-align: 2px; text-decoration: none;
  background: #eef2ff; color: #4338ca; border: 1px solid #c7d2fe; white-space: nowrap; }
a.kk-cite:hover, a.kk-cite:focus { background: #4f46e5; color: #fff; border-color: #4f46e5; }
.dark a.kk-cite { background: #312e81; color: #e0e7ff; border-color: #4338ca; }
.kk-cite-row { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; white-space: normal; }
.kk-cite-row a.kk-cite { font-weight: 500; padding: 2px 8px; vertical-align: 0; }
.kk-meta { margin-top: 6px; font-size: .74rem; color: var(--kk-muted); white-space: normal; }
.kk-related { margin-top: 10px; white-space: normal; }
.kk-related-title { font-size: .8rem; font-weight: 600; text-transform: uppercase; letter-spacing: .05em; }
.kk-related ul { margin: 4px 0 0 18px; padding: 0; font-size: .88rem; line-height: 1.6; }
.kk-related-doc { font-weight: 600; }

.kk-caret { display: inline-block; width: 7px; height: 1.05em; background: var(--kk-accent);
  vertical-align: -2px; margin-left: 2px; animation: kk-blink 1s steps(2) infinite; }
@keyframes kk-blink { 50% { opacity: 0; } }
.kk-dots i { display: inline-block; width: 6px; height: 6px; margin: 0 2px; border-radius: 50%;
  background: var(--kk-muted); animation: kk-bounce 1.2s infinite ease-in-out; }
.kk-dots i:nth-child(2) { animation-delay: .15s; } .kk-dots i:nth-child(3) { animation-delay: .3s; }
@keyframes kk-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .4; }
  40% { transform: translateY(-4px); opacity: 1; } }

.kk-welcome { text-align: center; padding: 38px 22px; color: var(--kk-muted); line-height: 1.75; }
.kk-welcome-mark { font-size: 40px; opacity: .25; font-weight: 700; }
.kk-hint { color: var(--kk-muted); font-size: .9rem; line-height: 1.7; }

.kk-panel-title { font-size: .78rem; font-weight: 700; text-transform: uppercase; letter-spacing: .08em;
  color: var(--kk-muted); margin: 4px 0 6px; }
.kk-panel-question { font-size: .88rem; color: var(--kk-muted); margin-bottom: 10px; }
.kk-turn-sources { display: none; }
.kk-turn-sources.kk-shown { display: block; }
.kk-card { background: var(--kk-card); border: 1px solid var(--kk-line); border-radius: 12px;
  padding: 12px 14px; margin-bottom: 12px; scroll-margin: 80px;
  transition: box-shadow .25s ease, border-color .25s ease; }
.kk-card.kk-active { border-color: var(--kk-accent); box-shadow: 0 0 0 3px rgba(79, 70, 229, .25); }
.kk-card.kk-flash { animation: kk-flash 1.2s ease; }
@keyframes kk-flash { 0% { box-shadow: 0 0 0 8px rgba(79, 70, 229, .35); }
  100% { box-shadow: 0 0 0 3px rgba(79, 70, 229, .25); } }
.kk-card-head { display: flex; gap: 10px; align-items: flex-start; }
.kk-num { flex: none; width: 26px; height: 26px; border-radius: 8px; display: grid; place-items: center;
  background: var(--kk-accent); color: #fff; font-weight: 700; font-size: .85rem; }
.kk-doc { font-weight: 650; font-size: .95rem; line-height: 1.45; }
.kk-section { font-size: .82rem; color: var(--kk-muted); line-height: 1.5; margin-top: 1px; }
.kk-crumb-sep { margin: 0 5px; opacity: .6; }
.kk-chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.kk-chip { font-size: .74rem; padding: 1px 8px; border-radius: 999px; background: var(--kk-soft);
  border: 1px solid var(--kk-line); color: var(--kk-muted); }
.kk-chip-lang { color: #0f766e; border-color: #99f6e4; background: #f0fdfa; }
.dark .kk-chip-lang { color: #99f6e4; border-color: #115e59; background: #042f2e; }
.kk-passage { font-size: .92rem; line-height: 1.8; white-space: pre-line; color: var(--kk-ink); }
mark.kk-quote { background: var(--kk-mark); color: var(--kk-mark-ink); padding: 1px 2px;
  border-radius: 3px; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.kk-parallel { margin-top: 8px; border-top: 1px dashed var(--kk-line); padding-top: 6px; }
.kk-parallel summary { cursor: pointer; font-size: .82rem; color: #0f766e; font-weight: 600; }
.kk-parallel .kk-passage { margin-top: 6px; color: var(--kk-muted); }
.kk-card-related { border-style: dashed; }

.kk-verdict { padding: 4px 2px; }
.kk-claim { font-size: 1.05rem; line-height: 1.7; margin-bottom: 10px; }
.kk-badge { display: inline-flex; align-items: center; gap: 8px; padding: 6px 14px 6px 8px;
  border-radius: 999px; font-weight: 700; font-size: .95rem; border: 1px solid; }
.kk-badge-icon { width: 24px; height: 24px; border-radius: 50%; display: grid; place-items: center;
  color: #fff; font-size: .9rem; }
.kk-badge-supported { background: #ecfdf5; color: #065f46; border-color: #6ee7b7; }
.kk-badge-supported .kk-badge-icon { background: #059669; }
.kk-badge-unsupported { background: #fffbeb; color: #92400e; border-color: #fcd34d; }
.kk-badge-unsupported .kk-badge-icon { background: #d97706; }
.kk-badge-contradicted { background: #fef2f2; color: #991b1b; border-color: #fca5a5; }
.kk-badge-contradicted .kk-badge-icon { background: #dc2626; }
.kk-reason { margin: 10px 0 14px; line-height: 1.7; }

.kk-sent-mark { display: inline-flex; align-items: center; gap: 3px; margin-left: 3px; padding: 0 6px 0 2px;
  border-radius: 999px; font-size: .72rem; font-weight: 650; line-height: 1.5; vertical-align: 2px;
  border: 1px solid; white-space: nowrap; }
.kk-sent-icon { width: 15px; height: 15px; border-radius: 50%; display: inline-grid; place-items: center;
  color: #fff; font-size: .65rem; }
.kk-sent-supported { border-color: transparent; padding: 0; }
.kk-sent-supported .kk-sent-icon { background: #059669; }
.kk-sent-unsupported { background: #fffbeb; color: #92400e; border-color: #fcd34d; }
.kk-sent-unsupported .kk-sent-icon { background: #d97706; }
.kk-sent-contradicted { background: #fef2f2; color: #991b1b; border-color: #fca5a5; }
.kk-sent-contradicted .kk-sent-icon { background: #dc2626; }
.kk-sent[data-support="unsupported"], .kk-sent[data-support="contradicted"] {
  text-decoration: underline dotted #d97706; text-underline-offset: 3px; }
.kk-gen-hint { color: var(--kk-muted); font-size: .84rem; line-height: 1.6; }

.kk-about > p { line-height: 1.75; }
.kk-doc-card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px;
  margin: 8px 0; font-size: .88rem; }
.kk-doc-card dt { color: var(--kk-muted); }
.kk-doc-card dd { margin: 0; }

#kk-examples, #kk-claim-examples { flex-wrap: wrap; gap: 8px; }
#kk-examples button, #kk-claim-examples button { flex: 0 1 auto !important; width: auto !important;
  min-width: 0 !important; font-weight: 400; text-align: left; border-radius: 999px; padding: 4px 12px; }
#kk-clear { flex: none; width: auto; align-self: flex-start; }
#kk-sources-col { position: sticky; top: 8px; align-self: flex-start; max-height: calc(100vh - 16px);
  overflow-y: auto; }
"""

# Citation markers live in the transcript and their cards in the sources panel (two components):
# one listener on the document opens the right turn's cards and scrolls to the card.
HEAD = """
<script>
(() => {
  if (window.kakehashiCites) return;
  window.kakehashiCites = true;
  function openCard(turn, n) {
    document.querySelectorAll('.kk-turn-sources').forEach((section) => {
      section.classList.toggle('kk-shown', section.dataset.turn === turn);
    });
    const card = document.getElementById('kk-src-' + turn + '-' + n);
    if (!card) return;
    document.querySelectorAll('.kk-card.kk-active')
      .forEach((c) => c.classList.remove('kk-active', 'kk-flash'));
    void card.offsetWidth;  // restart the flash animation
    card.classList.add('kk-active', 'kk-flash');
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
  }
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.kk-cite');
    if (!link) return;
    event.preventDefault();
    openCard(link.dataset.turn, link.dataset.n);
  });
})();
</script>
"""

# The toggle starts in the browser's language.
BROWSER_LANG_JS = "() => ((navigator.language || 'en').toLowerCase().startsWith('ja') ? 'ja' : 'en')"
