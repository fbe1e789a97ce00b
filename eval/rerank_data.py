"""The public question-sentence groups the answer reranker learns from, in compact form.

`eval/training/rerank.jsonl.gz` holds one line per question, built once from `../shared/data`
(`kakehashi train --features`): the question, the sentence of its gold paragraph that holds the
answer, and sentences that do not (others of the same paragraph, and of other paragraphs of the
same article, the most alike in characters first: the negatives retrieval really offers). From
JaQuAD (CC BY-SA 3.0) and the SQuAD 2.0 slice (CC BY-SA 4.0), and our hand-written questions in
the other language; derived files carry CC BY-SA 4.0 (README).

Splits follow the articles of eval/public.py, so nothing here is from a `dev` article:
`train` from the training articles (JaQuAD's training articles other than the tuning and
"elsewhere" ones; the five English training articles), `tune` from the tuning articles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.answer.alignment import shared_bigrams
from eval.compact import read_rows, write_rows
from eval.public import CORPORA, HANDWRITTEN_DIR
from ingest.sentences import sentence_spans

GROUPS_FILE = Path(__file__).resolve().parent / "training" / "rerank.jsonl.gz"
SEED = 20261124
NEGATIVES_SAME_PARAGRAPH = 3
NEGATIVES_ELSEWHERE = 4
# JaQuAD has six times the questions of the English articles: a sample keeps the languages nearer.
MAX_QUESTIONS = {"ja": 8000, "en": 4000}


@dataclass(frozen=True)
class Group:
    question: str
    lang: str  # of the question
    sentences: tuple[str, ...]  # the first holds the answer
    source_lang: str  # of the sentences
    split: str  # train | tune
    answer: tuple[int, int] | None = None  # where the answer lies in the first sentence

    @property
    def langs(self) -> str:
        return f"{self.lang}→{self.source_lang}"


def _holding(spans: list[tuple[int, int]], start: int, end: int) -> int | None:
    for i, (a, b) in enumerate(spans):
        if a <= start and end <= b:
            return i
    return None


def _negatives(question: str, paragraphs: list[list[str]], gold: int, positive: int,
               rng: np.random.Generator) -> list[str]:
    same = [s for i, s in enumerate(paragraphs[gold]) if i != positive]
    picked = [same[i] for i in rng.permutation(len(same))[:NEGATIVES_SAME_PARAGRAPH]]
    elsewhere = [s for p, sentences in enumerate(paragraphs) if p != gold for s in sentences]
    # Half the most alike in characters (what keyword retrieval confuses), half at random.
    alike = sorted(range(len(elsewhere)), key=lambda i: -shared_bigrams(question, elsewhere[i]))
    chosen = alike[:NEGATIVES_ELSEWHERE // 2]
    rest = [i for i in rng.permutation(len(elsewhere)) if i not in chosen]
    chosen += rest[:NEGATIVES_ELSEWHERE - len(chosen)]
    return picked + [elsewhere[i] for i in chosen]


def _article_groups(article: dict, lang: str, split: str, rng: np.random.Generator,
                    handwritten: list[dict]) -> list[Group]:
    contexts = [p["context"] for p in article["paragraphs"]]
    spans = [sentence_spans(c) for c in contexts]
    paragraphs = [[c[a:b] for a, b in s] for c, s in zip(contexts, spans)]
    groups = []
    asked = [(qa["question"], lang, p, qa["answers"][0]["answer_start"], qa["answers"][0]["text"])
             for p, paragraph in enumerate(article["paragraphs"]) for qa in paragraph["qas"]
             if not qa.get("is_impossible") and qa.get("answers")]
    for raw in handwritten:  # the answer's first occurrence in its paragraph
        text = contexts[raw["paragraph"]]
        answer = next(a for a in raw["answers"] if a in text)
        asked.append((raw["question"], raw["lang"], raw["paragraph"], text.index(answer), answer))
    for question, q_lang, p, start, answer in asked:
        positive = _holding(spans[p], start, start + len(answer))
        if positive is None:
            continue  # an answer across two sentences: no one sentence to learn
        negatives = _negatives(question, paragraphs, p, positive, rng)
        if negatives:
            at = start - spans[p][positive][0]
            groups.append(Group(question.strip(), q_lang, (paragraphs[p][positive], *negatives), lang, split,
                                (at, at + len(answer))))
    return groups


def build_groups(data_dir: Path) -> list[Group]:
    rng = np.random.default_rng(SEED)
    groups: list[Group] = []
    for name, split in (("ja-train", "train"), ("en-train", "train"), ("ja-tune", "tune"),
                        ("en-tune", "tune")):
        spec = CORPORA[name]
        articles = json.loads((data_dir / spec.source).read_text(encoding="utf-8"))["data"]
        handwritten = [json.loads(line) for line in
                       (HANDWRITTEN_DIR / spec.handwritten).read_text(encoding="utf-8").splitlines()
                       if line.strip()]
        if spec.titles:
            chosen = [a for a in articles if a["title"] in spec.titles]
        elif split == "train":  # every JaQuAD training article but the tuning and "elsewhere" ones
            held = {i for other in CORPORA.values() if other.source == spec.source and other.split != "train"
                    for i in range(other.offset, len(articles), other.every)[:other.limit]}
            chosen = [a for i, a in enumerate(articles) if i not in held]
        else:
            chosen = articles[spec.offset::spec.every][:spec.limit]
        found: list[Group] = []
        for article in chosen:
            mine = [h for h in handwritten if h["article"] == article["title"]]
            found += _article_groups(article, spec.lang, split, rng, mine)
        own = [g for g in found if g.lang == spec.lang]
        if split == "train" and len(own) > MAX_QUESTIONS[spec.lang]:
            keep = set(rng.choice(len(own), MAX_QUESTIONS[spec.lang], replace=False).tolist())
            own = [g for i, g in enumerate(own) if i in keep]
        groups += own + [g for g in found if g.lang != spec.lang]
    return groups


def write_groups(groups: list[Group], path: Path = GROUPS_FILE) -> None:
    write_rows(path, ({"q": g.question, "lang": g.lang, "src": g.source_lang, "split": g.split,
                       "s": list(g.sentences), "a": list(g.answer or ())} for g in groups))


def load_groups(path: Path = GROUPS_FILE) -> list[Group]:
    return [Group(r["q"], r["lang"], tuple(r["s"]), r["src"], r["split"],
                  (r["a"][0], r["a"][1]) if r.get("a") else None) for r in read_rows(path)]
