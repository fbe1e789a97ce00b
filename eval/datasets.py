"""The evaluation sets: JSON lines, the schema of `shared/eval` (ours follow it too)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class GoldQuote:
    doc: str
    quote: str


@dataclass(frozen=True)
class QACase:
    id: str
    lang: str
    question: str
    kind: str  # "answerable" | "unanswerable"
    keys: list[list[str]] = field(default_factory=list)  # every group must match (any of it)
    gold: list[GoldQuote] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimCase:
    id: str
    lang: str
    claim: str
    label: str  # "supported" | "unsupported" | "contradicted"
    gold: list[GoldQuote] = field(default_factory=list)
    category: str = ""  # ours: negation, swap, quantifier, paraphrase, cross-lingual, absent
    source: str = ""  # the file it comes from, without .jsonl


def _lines(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _gold(raw: dict) -> list[GoldQuote]:
    return [GoldQuote(g["doc"], g["quote"]) for g in raw.get("gold", [])]


def load_qa(*paths: Path) -> list[QACase]:
    paths = paths or tuple(sorted(EVAL_DIR.glob("*qa*.jsonl")))
    return [QACase(r["id"], r["lang"], r["question"], r.get("kind", "answerable"),
                   r.get("keys", []), _gold(r)) for p in paths for r in _lines(p)]


def load_claims(*paths: Path) -> list[ClaimCase]:
    paths = paths or tuple(sorted(EVAL_DIR.glob("*claims*.jsonl")))
    return [ClaimCase(r["id"], r["lang"], r["claim"], r["label"], _gold(r), r.get("category", ""), p.stem)
            for p in paths for r in _lines(p)]


def load_questions(path: Path = EVAL_DIR / "dev_qa.jsonl", limit: int | None = None) -> list[str]:
    questions = [case.question for case in load_qa(path)]
    return questions[:limit] if limit else questions
