"""The page's script: what happens in the browser alone, without a request to the server.

Citation clicks open their card (as a sheet on narrow screens, with a way back), the
conversation follows the newest answer unless the reader scrolled up (then "jump to latest"),
the theme toggle, copy buttons and share links, a character counter near the limit, and the
page's `lang` attributes. The conversation itself is kept in the browser by Gradio's
BrowserState (local storage); the theme and language choices are kept next to it.
"""

from __future__ import annotations

import json

from app.web.style import NARROW_CSS, NARROW_PX

THEME_KEY = "kakehashi-theme"
LANG_KEY = "kakehashi-lang"

_SCRIPT = """
(() => {
  if (window.kakehashi) return;
  const LIMIT = __LIMIT__, NARROW = __NARROW__, THEME_KEY = __THEME_KEY__, LANG_KEY = __LANG_KEY__;
  const TEXT_LIMIT = __TEXT_LIMIT__;
  const K = window.kakehashi = {};
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const store = {
    get(key) { try { return localStorage.getItem(key); } catch (e) { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } },
  };
  const narrow = () => window.matchMedia('(max-width: ' + NARROW + 'px)').matches;

  // Theme: the system's preference (Gradio applies it) unless the reader chose one here.
  function keepTheme() {
    const chosen = store.get(THEME_KEY);
    if (chosen && document.body && document.body.classList.contains('dark') !== (chosen === 'dark')) {
      document.body.classList.toggle('dark', chosen === 'dark');
    }
  }
  K.toggleTheme = () => {
    const dark = !document.body.classList.contains('dark');
    store.set(THEME_KEY, dark ? 'dark' : 'light');
    document.body.classList.toggle('dark', dark);
  };

  // Interface language: the reader's last choice, else the browser's.
  K.startLang = () => {
    const chosen = store.get(LANG_KEY);
    if (chosen === 'en' || chosen === 'ja') return chosen;
    return (navigator.language || 'en').toLowerCase().startsWith('ja') ? 'ja' : 'en';
  };
  // A shared question (?q=...) is asked once: it leaves the address so a reload does not repeat it.
  K.takeSharedQuestion = () => {
    const url = new URL(window.location.href);
    const question = url.searchParams.get('q');
    if (question === null) return '';
    url.searchParams.delete('q');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return question;
  };
  function uiLang() {
    const checked = $('#kk-lang input:checked');
    return checked ? checked.value : null;
  }

  // Citation cards.
  let open = null, newest = null, opener = null;
  function showCard(turn, n, scroll) {
    $$('.kk-turn-sources').forEach((s) => s.classList.toggle('kk-shown', s.dataset.turn === turn));
    const card = document.getElementById('kk-src-' + turn + '-' + n);
    if (!card) return null;
    $$('.kk-card.kk-active').forEach((c) => c.classList.remove('kk-active'));
    card.classList.add('kk-active');
    open = {turn, n};
    if (scroll) card.scrollIntoView({block: narrow() ? 'start' : 'nearest'});
    return card;
  }
  function openCard(link) {
    const card = showCard(link.dataset.turn, link.dataset.n, true);
    if (!card) return;
    opener = link;
    if (narrow()) {
      document.body.classList.add('kk-sheet-open');
      card.scrollIntoView({block: 'start'});
      // The sheet becomes visible (and its button focusable) within a frame or two.
      let tries = 0;
      (function focusBack() {
        const close = $('#kk-sources .kk-sheet-close');
        if (close) close.focus({preventScroll: true});
        if (document.activeElement !== close && tries++ < 60) requestAnimationFrame(focusBack);
      })();
    } else {
      card.focus({preventScroll: true});
    }
  }
  K.closeSheet = () => {
    if (!document.body.classList.contains('kk-sheet-open')) return;
    document.body.classList.remove('kk-sheet-open');
    if (opener && opener.isConnected) opener.focus({preventScroll: true});
  };
  function sourcesChanged() {
    const sections = $$('.kk-turn-sources');
    const last = sections.length ? sections[sections.length - 1].dataset.turn : null;
    if (last !== newest) { newest = last; open = null; return; }  // a new answer shows its own cards
    if (open) showCard(open.turn, open.n, false);  // re-rendered (the language changed): keep it open
  }


  // Checking a whole text: a sentence (click, Enter or Space) opens its evidence card.
  let sentenceOpen = null;
  function showSentence(n, move) {
    const report = document.getElementById('kk-text-report');
    if (!report) return;
    const card = document.getElementById('kk-tc-card-' + n);
    if (!card) return;
    $$('.kk-tc-card', report).forEach((c) => { c.hidden = c !== card; });
    $$('.kk-tc-text .kk-ts', report).forEach((s) => {
      const on = s.dataset.n === String(n);
      s.classList.toggle('kk-active', on);
      s.setAttribute('aria-expanded', on ? 'true' : 'false');
    });
    const pick = $('.kk-tc-pick', report);
    if (pick) pick.hidden = true;
    sentenceOpen = String(n);
    if (!move) return;
    if (narrow()) {
      card.scrollIntoView({block: 'start'});
      const back = $('.kk-tc-back', card);
      if (back) back.focus({preventScroll: true});
    } else {
      card.scrollIntoView({block: 'nearest'});
    }
  }
  K.openSentence = (n) => showSentence(n, true);
  function textReportChanged() {
    const report = document.getElementById('kk-text-report');
    if (!report || !$('.kk-tc-text', report)) { sentenceOpen = null; return; }
    if (sentenceOpen && $('.kk-tc-text .kk-ts[data-n="' + sentenceOpen + '"]', report)) {
      showSentence(sentenceOpen, false);  // re-rendered (a new verdict, the language): kept open
    } else {
      sentenceOpen = null;
    }
  }
  function backToSentence(n) {
    const sentence = $('#kk-text-report .kk-tc-text .kk-ts[data-n="' + n + '"]');
    if (!sentence) return;
    sentence.scrollIntoView({block: 'center'});
    sentence.focus({preventScroll: true});
  }

  // The conversation follows the newest answer unless the reader scrolled up.
  let follow = true, turnsSeen = 0, jump = null;
  const box = () => document.getElementById('kk-transcript');
  const nearBottom = (b) => b.scrollHeight - b.scrollTop - b.clientHeight < 48;
  K.toBottom = () => {
    const b = box();
    if (!b) return;
    b.scrollTop = b.scrollHeight;
    follow = true;
    placeJump();
  };
  function placeJump() {
    const b = box(), column = document.getElementById('kk-chat-col');
    if (!b || !column) return;
    if (!jump || !jump.isConnected) {
      jump = document.createElement('button');
      jump.type = 'button';
      jump.className = 'kk-jump';
      column.appendChild(jump);
    }
    const transcript = $('.kk-transcript', b);
    jump.textContent = transcript ? transcript.dataset.jump : '';
    jump.style.top = (b.offsetTop + b.offsetHeight - 52) + 'px';
    jump.classList.toggle('kk-visible', !nearBottom(b));
  }
  function transcriptChanged() {
    const b = box();
    if (!b) return;
    const turns = $$('.kk-turn', b).length;
    if (turns > turnsSeen) follow = true;  // the reader just asked: follow the new question
    turnsSeen = turns;
    if (follow) K.toBottom(); else placeJump();
  }
  document.addEventListener('scroll', (event) => {
    const b = box();
    if (event.target === b) { follow = nearBottom(b); placeJump(); }
  }, true);

  // Focus back in the question box once it takes input again.
  K.focusQuestion = () => {
    let tries = 0;
    (function attempt() {
      const box = $('#kk-question textarea');
      if (box && !box.disabled) { box.focus({preventScroll: true}); return; }
      if (tries++ < 120) requestAnimationFrame(attempt);
    })();
  };

  // Copying: an answer with its references, a quote with its reference, a link to a question.
  async function copyText(text) {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {
      const area = document.createElement('textarea');
      area.value = text;
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      const done = document.execCommand('copy');
      area.remove();
      return done;
    }
  }
  K.shareLink = (question) => {
    const url = new URL(window.location.href);
    url.search = '';
    url.hash = '';
    url.searchParams.set('q', question);
    return url.toString();
  };
  async function copy(button) {
    const text = button.dataset.share !== undefined ? K.shareLink(button.dataset.share) : button.dataset.copy;
    if (!(await copyText(text))) return;
    K.lastCopied = text;
    const label = button.textContent;
    button.textContent = button.dataset.done;
    setTimeout(() => { if (button.isConnected) button.textContent = label; }, 1500);
  }

  // A character counter under each box, once the text nears the limit.
  function count(id, limit) {
    limit = limit || LIMIT;
    const block = document.getElementById(id), area = block && $('textarea', block);
    if (!area) return;
    let counter = $('.kk-counter', block);
    if (!counter) {
      counter = document.createElement('div');
      counter.className = 'kk-counter';
      counter.setAttribute('aria-live', 'polite');
      block.appendChild(counter);
    }
    const length = area.value.length, near = length >= limit * 0.8;
    counter.hidden = !near;
    counter.textContent = near ? length.toLocaleString('en') + ' / ' + limit.toLocaleString('en') : '';
    counter.classList.toggle('kk-over', length > limit);
  }

  // Languages: the page's own, and that of each example (asked as written, whatever the toggle).
  function markLanguages() {
    const lang = uiLang();
    if (lang) document.documentElement.lang = lang;
    $$('#kk-examples button, #kk-claim-examples button, #kk-lang label').forEach((el) => {
      el.lang = /[\\u3040-\\u30ff\\u4e00-\\u9fff]/.test(el.textContent) ? 'ja' : 'en';
    });
  }

  let queued = false, transcriptDirty = false, sourcesDirty = false, textDirty = false;
  function tick() {
    queued = false;
    keepTheme();
    markLanguages();
    count('kk-question');
    count('kk-claim');
    count('kk-text', TEXT_LIMIT);
    if (transcriptDirty) { transcriptDirty = false; transcriptChanged(); }
    if (sourcesDirty) { sourcesDirty = false; sourcesChanged(); }
    if (textDirty) { textDirty = false; textReportChanged(); }
  }
  function schedule() { if (!queued) { queued = true; requestAnimationFrame(tick); } }
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
      if (!el) continue;
      if (el.closest('#kk-transcript')) transcriptDirty = true;
      if (el.closest('#kk-sources')) sourcesDirty = true;
      if (el.closest('#kk-text-report')) textDirty = true;
    }
    schedule();
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true,
                                         attributes: true, attributeFilter: ['class', 'disabled']});
  document.addEventListener('input', schedule, true);
  // The reader's choice of language is kept (the page's own setting of it at load is not a choice).
  document.addEventListener('change', (event) => {
    if (event.target.closest && event.target.closest('#kk-lang')) store.set(LANG_KEY, event.target.value);
  }, true);
  window.addEventListener('resize', schedule);

  document.addEventListener('click', (event) => {
    const target = event.target.closest ? event.target : event.target.parentElement;
    const link = target.closest('a.kk-cite');
    if (link) { event.preventDefault(); openCard(link); return; }
    const sentence = target.closest('#kk-text-report .kk-tc-text .kk-ts');
    if (sentence) { K.openSentence(sentence.dataset.n); return; }
    const back = target.closest('.kk-tc-back');
    if (back) { backToSentence(back.dataset.n); return; }
    if (target.closest('.kk-theme-toggle')) { K.toggleTheme(); return; }
    if (target.closest('.kk-sheet-close')) { K.closeSheet(); return; }
    if (target.closest('.kk-jump')) { K.toBottom(); return; }
    const button = target.closest('button.kk-copy');
    if (button) copy(button);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') K.closeSheet();
    // A marker is a button to the keyboard too: Space opens its card, as Enter does.
    const link = event.key === ' ' && event.target.closest && event.target.closest('a.kk-cite');
    if (link) { event.preventDefault(); openCard(link); }
    // A sentence of a checked text is a button: Enter or Space opens its card.
    const sentence = (event.key === 'Enter' || event.key === ' ') && event.target.closest
      && event.target.closest('#kk-text-report .kk-tc-text .kk-ts');
    if (sentence) { event.preventDefault(); K.openSentence(sentence.dataset.n); }
  });
})();
"""


def page_head(limit: int, text_limit: int = 20_000) -> str:
    """The `<style>` and `<script>` for the page's `<head>`; `limit`: the longest question allowed;
    `text_limit`: the longest text to check."""
    script = (_SCRIPT.replace("__LIMIT__", str(int(limit))).replace("__TEXT_LIMIT__", str(int(text_limit)))
              .replace("__NARROW__", str(NARROW_PX))
              .replace("__THEME_KEY__", json.dumps(THEME_KEY)).replace("__LANG_KEY__", json.dumps(LANG_KEY)))
    return f"<style>{NARROW_CSS}</style><script>{script}</script>"


# Run on page load (an event's `js`): the interface language to start in, the conversation kept in
# the browser, and a question shared by a link (?q=...) put in the box, to be asked.
STARTUP_JS = ("(lang, turns, question) => [window.kakehashi.startLang(), turns, "
              "window.kakehashi.takeSharedQuestion() || question]")
FOCUS_JS = "() => { window.kakehashi.focusQuestion(); }"
