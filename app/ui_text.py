"""The web interface's words, in English and Japanese (the toggle at the top picks one)."""

from __future__ import annotations

from typing import Literal

UiLang = Literal["en", "ja"]
UI_LANGS: tuple[UiLang, ...] = ("en", "ja")

# Questions that show what the sources can answer, in both languages whatever the toggle says.
EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "How many people from India visited Japan through the Sakura Science Program?",
    "理研の海外事務所はどこにありますか？",
    "What is the aim of the ITER project?",
    "HFSPはいつ、どこで提案されましたか？",
)

# A text to try "Check a text" with: a supported, a contradicted and an unfounded sentence, and a
# question, in both languages.
EXAMPLE_TEXT = (
    "HFSP is now supported by a total of 12 countries. 理研は1917年に創設された。\n"
    "The ISS project plans to land astronauts on Mars by 2030. HFSPはいつ、どこで提案されましたか？\n"
)

EXAMPLE_CLAIMS: tuple[str, ...] = (
    "HFSP was proposed by Japan at the Venice Summit in 1987.",
    "インドからさくらサイエンスプログラムで来日したのは合計2,900人である。",
    "ITER is a joint project to demonstrate the feasibility of fusion energy.",
)

_TEXT: dict[str, dict[UiLang, str]] = {
    "title": {"en": "Kakehashi", "ja": "架け橋"},
    "tagline": {
        "en": "Answers about Japan's international science and technology exchange, quoted from "
              "the sources, with every claim cited.",
        "ja": "日本の科学技術国際交流についての質問に、資料からそのまま引用して答えます。"
              "すべての記述に出典が付きます。",
    },
    "tab_ask": {"en": "Ask", "ja": "質問する"},
    "tab_check": {"en": "Check facts", "ja": "事実を確認"},
    "tab_about": {"en": "About the sources", "ja": "資料について"},
    "question": {"en": "Your question", "ja": "質問"},
    "question_placeholder": {"en": "Ask in English or Japanese", "ja": "日本語でも英語でも質問できます"},
    "ask": {"en": "Ask", "ja": "質問する"},
    "clear": {"en": "New conversation", "ja": "新しい会話"},
    "examples": {"en": "Try one of these", "ja": "質問の例"},
    "claim_examples": {"en": "Try one of these statements", "ja": "主張の例"},
    "claim": {"en": "Statement to check", "ja": "検証する主張"},
    "claim_placeholder": {"en": "Type a statement to check", "ja": "検証したい主張を入力してください"},
    "check": {"en": "Check", "ja": "検証する"},
    "you": {"en": "You", "ja": "あなた"},
    "assistant": {"en": "Kakehashi", "ja": "架け橋"},
    "thinking": {"en": "Reading the sources…", "ja": "資料を読んでいます…"},
    "sources": {"en": "Sources", "ja": "出典"},
    "sources_for": {"en": "For the question", "ja": "質問："},
    "sources_empty": {
        "en": "Ask a question: the passages each answer quotes appear here, with the quoted "
              "sentence highlighted. Click a marker such as [1] to jump to its passage.",
        "ja": "質問すると、回答が引用した箇所がここに表示され、引用文が強調されます。"
              "[1] などの番号をクリックすると該当箇所に移動します。",
    },
    "welcome": {
        "en": "Ask anything about Japan's international science and technology exchange. "
              "Answers are sentences quoted from the sources, each with a numbered citation; "
              "when the sources do not say, Kakehashi tells you so.",
        "ja": "日本の科学技術国際交流について質問してください。回答は資料からの引用文で、"
              "番号付きの出典が付きます。資料に答えがない場合はそのようにお伝えします。",
    },
    "not_found": {"en": "The sources do not say", "ja": "資料には記載がありません"},
    "related_reading": {"en": "Related reading (not an answer)", "ja": "関連する箇所（回答ではありません）"},
    "error_title": {"en": "This could not be asked", "ja": "この入力は受け付けられません"},
    "check_error_title": {"en": "This could not be checked", "ja": "この主張は検証できません"},
    "lines": {"en": "lines", "ja": "行"},
    "line": {"en": "line", "ja": "行"},
    "quote": {"en": "Quoted sentence", "ja": "引用文"},
    "parallel": {"en": "The same passage in {lang}", "ja": "{lang}の対応箇所"},
    "lang_en": {"en": "English", "ja": "英語"},
    "lang_ja": {"en": "Japanese", "ja": "日本語"},
    "took": {"en": "{ms:,.0f} ms", "ja": "{ms:,.0f} ミリ秒"},
    "verdict_supported": {"en": "Supported", "ja": "裏付けあり"},
    "verdict_unsupported": {"en": "Not found in the sources", "ja": "裏付けなし"},
    "verdict_contradicted": {"en": "Contradicted", "ja": "矛盾あり"},
    "evidence": {"en": "Evidence", "ja": "根拠"},
    "no_evidence": {"en": "No passage of the sources bears on this statement.",
                    "ja": "この主張に関係する箇所は資料に見当たりません。"},
    "check_intro": {
        "en": "Type a statement: Kakehashi looks for passages that support or contradict it "
              "(numbers included, whatever their script).",
        "ja": "主張を入力すると、それを裏付ける箇所や矛盾する箇所を資料から探します"
              "（数字は表記が違っても照合します）。",
    },
    "about_intro": {
        "en": "Kakehashi answers only from these documents. Unless a language model is chosen under "
              "Answer settings, nothing is generated: every answer is made of sentences quoted from "
              "them; a model's answer is checked sentence by sentence against the passages it cites.",
        "ja": "架け橋は以下の資料だけを根拠に答えます。「回答の設定」で言語モデルを選ばない限り文章を"
              "生成することはなく、回答はすべて資料からの引用です。モデルの回答は、引用した箇所と"
              "一文ずつ照合されます。",
    },
    "publisher": {"en": "Publisher", "ja": "発行"},
    "year": {"en": "Year", "ja": "発行年"},
    "languages": {"en": "Languages", "ja": "言語"},
    "size": {"en": "{chars:,} characters, {lines:,} lines", "ja": "{chars:,} 文字、{lines:,} 行"},
    "bilingual": {"en": "bilingual: passages are paired with their translation",
                  "ja": "対訳：各箇所に他言語の対応箇所が付きます"},
    "unknown_doc": {"en": "Untitled document", "ja": "無題の資料"},
    # The page itself: theme, scrolling, sheets, copying, input
    "theme_dark": {"en": "Dark theme", "ja": "ダークテーマ"},
    "theme_light": {"en": "Light theme", "ja": "ライトテーマ"},
    "jump_latest": {"en": "Jump to the latest answer ↓", "ja": "最新の回答へ ↓"},
    "back_to_answer": {"en": "← Back to the answer", "ja": "← 回答に戻る"},
    "copy_answer": {"en": "Copy answer", "ja": "回答をコピー"},
    "copy_quote": {"en": "Copy quote", "ja": "引用をコピー"},
    "copy_link": {"en": "Copy link to this question", "ja": "この質問へのリンクをコピー"},
    "copied": {"en": "Copied", "ja": "コピーしました"},
    "empty_hint": {"en": "Type a question first, or pick one of the examples below.",
                   "ja": "先に質問を入力するか、下の例から選んでください。"},
    "stop": {"en": "Stop", "ja": "停止"},
    "stopped": {"en": "Stopped before the answer was finished.", "ja": "回答の途中で停止しました。"},
    "interrupted": {"en": "The page was closed before this was answered.",
                    "ja": "回答が届く前にページが閉じられました。"},
    "references": {"en": "References", "ja": "出典"},
    "language_toggle": {"en": "Interface language", "ja": "表示言語"},
    # Generated answers (README, "Generated answers")
    "gen_settings": {"en": "Answer settings", "ja": "回答の設定"},
    "gen_choice": {"en": "How answers are made", "ja": "回答の作り方"},
    "gen_none": {"en": "Quoted from the sources (no language model)",
                 "ja": "資料からの引用（言語モデルなし）"},
    "gen_openai": {"en": "Written by a language model server (OpenAI-compatible: Ollama, vLLM, "
                         "llama.cpp)",
                   "ja": "言語モデルサーバーが作成（OpenAI互換：Ollama、vLLM、llama.cpp）"},
    "gen_llamacpp": {"en": "Written by the local GGUF model (llama.cpp)",
                     "ja": "ローカルのGGUFモデルが作成（llama.cpp）"},
    "gen_base_url": {"en": "Server address (base URL)", "ja": "サーバーのアドレス（ベースURL）"},
    "gen_model": {"en": "Model name", "ja": "モデル名"},
    "gen_hint": {
        "en": "A written answer is checked sentence by sentence against the passages it cites: "
              "✓ supported, ? not supported, ✗ contradicted. If the model fails, the answer is "
              "quoted from the sources instead.",
        "ja": "作成された回答は、引用した箇所と一文ずつ照合されます：✓ 裏付けあり、? 裏付けなし、"
              "✗ 矛盾。モデルが応答しない場合は、資料からの引用で答えます。",
    },
    "gen_refused": {
        "en": "This server address is not allowed here: use a server on this machine or the one "
              "configured for Kakehashi (generator.base_url).",
        "ja": "このサーバーアドレスは使えません。このマシン上のサーバーか、設定済みのサーバー"
              "（generator.base_url）を指定してください。",
    },
    "generated_by": {"en": "written by {name}, checked sentence by sentence",
                     "ja": "{name} が作成・一文ずつ検証済み"},
    "writing": {"en": "writing…", "ja": "作成中…"},
    "sent_supported": {"en": "supported by the cited passage", "ja": "出典に裏付けあり"},
    "sent_unsupported": {"en": "not supported", "ja": "裏付けなし"},
    "sent_contradicted": {"en": "contradicted", "ja": "出典と矛盾"},
    # Checking a whole text (the check tab's second mode)
    "check_mode": {"en": "What to check", "ja": "確認するもの"},
    "mode_statement": {"en": "One statement", "ja": "主張を一つ"},
    "mode_text": {"en": "A whole text", "ja": "文章全体"},
    "text": {"en": "Text to check", "ja": "確認する文章"},
    "text_placeholder": {
        "en": "Paste a paragraph of a brief, a press release or a chatbot's answer, in English, "
              "Japanese or both",
        "ja": "報告書の一節、プレスリリース、チャットボットの回答などを貼り付けてください"
              "（日本語・英語どちらでも）",
    },
    "text_file": {"en": "…or drop a .txt, .md or .docx file",
                  "ja": "または .txt・.md・.docx ファイルをドロップ"},
    "check_text": {"en": "Check the text", "ja": "文章を確認する"},
    "text_example": {"en": "Try an example", "ja": "例を試す"},
    "text_intro": {
        "en": "Paste a text and press “Check the text”: every sentence is marked as it is checked, "
              "supported, contradicted or not found in the sources. Select a sentence to see the "
              "passage that decides it.",
        "ja": "文章を貼り付けて「文章を確認する」を押すと、一文ずつ資料と照合し、裏付けあり・矛盾あり・"
              "資料に記載なしを色と記号で示します。文を選ぶと、判定の根拠となる箇所が表示されます。",
    },
    "text_pick": {"en": "Select a sentence (click it, or Tab to it and press Enter) to see its "
                        "evidence.",
                  "ja": "文をクリックするか、Tabキーで選んでEnterキーを押すと、その根拠が表示されます。"},
    "text_checking": {"en": "Checking sentence {n} of {total}…",
                      "ja": "{total}文中{n}文目を確認しています…"},
    "text_legend": {"en": "Legend", "ja": "凡例"},
    "text_sentence": {"en": "Sentence {n}", "ja": "{n}文目"},
    "text_back": {"en": "↑ Back to the sentence", "ja": "↑ 文に戻る"},
    "text_pending_card": {"en": "This sentence is being checked.", "ja": "この文は確認中です。"},
    "text_no_sentence": {"en": "No sentence to check was found in this text (only headings, list "
                               "markers or references).",
                         "ja": "この文章には確認できる文がありません"
                               "（見出し・箇条書きの記号・参考文献のみ）。"},
    "copy_report": {"en": "Copy report (Markdown)", "ja": "レポートをコピー（Markdown）"},
    "file_loaded": {"en": "Read {name}: {chars:,} characters.",
                    "ja": "{name} を読み込みました（{chars:,} 文字）。"},
    "file_too_long": {
        "en": "{name} has {chars:,} characters; the limit is {limit:,}. Check it in parts (paste one "
              "section at a time).",
        "ja": "{name} は {chars:,} 文字あります。上限は {limit:,} 文字です。"
              "一部ずつ貼り付けて確認してください。",
    },
    "file_type": {"en": "{name} cannot be checked: use a .txt, .md or .docx file.",
                  "ja": "{name} は確認できません。.txt・.md・.docx ファイルを使ってください。"},
    "file_unreadable": {"en": "{name} could not be read: {why}",
                        "ja": "{name} を読み込めませんでした：{why}"},
}


def t(key: str, ui: UiLang, /, **values: object) -> str:
    """The interface text for `key` in language `ui`, with `{name}` fields filled in."""
    text = _TEXT[key][ui]
    return text.format(**values) if values else text


def ui_lang(value: object) -> UiLang:
    """A UI language from a toggle value or a browser language tag ('ja-JP' is Japanese)."""
    return "ja" if isinstance(value, str) and value.lower().startswith("ja") else "en"


def language_name(code: str, lang: UiLang) -> str:
    return t(f"lang_{code}", lang) if code in ("en", "ja") else code
