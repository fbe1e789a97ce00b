"""The public inference pairs the entailment head learns from, in compact form, and their splits.

`eval/training/nli.jsonl.gz` holds one line per source pair, built once from `../shared/data`
(`kakehashi train --features`): JSICK (every pair in English and Japanese; CC BY-SA 4.0,
verypluming/JSICK, Yanaka and Mineshima 2022) and JNLI valid and test (CC BY-SA 4.0,
yahoojapan/JGLUE, Kurihara et al. 2022). Derived files carry the same licence (README).

From a JSICK line come four pairs: English premise and hypothesis, Japanese ones, and the two
mixes (an English premise with a Japanese hypothesis and the reverse) where the two labels agree.
Splits are fixed by a hash of the pair id, so they never change between runs:
- JSICK: 70% `train`, 10% `tune` (thresholds), 20% `test` (reported);
- JNLI valid: 85% `train`, 15% `tune`; JNLI test: `test` (reported), never trained on.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from eval.compact import read_rows, write_rows

LABELS: tuple[str, ...] = ("entailment", "contradiction", "neutral")
PAIRS_FILE = Path(__file__).resolve().parent / "training" / "nli.jsonl.gz"


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: int  # index into LABELS
    langs: str  # "en-en", "ja-ja", "en-ja" (English premise, Japanese hypothesis), "ja-en"
    source: str  # "jsick" | "jnli"
    split: str  # "train" | "tune" | "test"


def _bucket(key: str) -> float:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def _split(source: str, key: str, original: str) -> str:
    if source == "jnli":
        if original == "test":
            return "test"
        return "train" if _bucket(f"jnli:{key}") < 0.85 else "tune"
    b = _bucket(f"jsick:{key}")
    return "train" if b < 0.7 else "tune" if b < 0.8 else "test"


def build_pairs_file(data_dir: Path, path: Path = PAIRS_FILE) -> int:
    """Writes the compact pairs file from the public data; returns its line count."""
    rows: list[dict] = []
    with open(data_dir / "jsick" / "train.tsv", encoding="utf-8", newline="") as tsv:
        for r in csv.DictReader(tsv, delimiter="\t"):
            rows.append({"src": "jsick", "id": r["pair_ID"],
                         "en": [r["sentence_A_En"], r["sentence_B_En"], r["entailment_label_En"]],
                         "ja": [r["sentence_A_Ja"], r["sentence_B_Ja"], r["entailment_label_Ja"]]})
    for original in ("valid", "test"):
        with open(data_dir / "jnli" / f"{original}.jsonl", encoding="utf-8") as lines:
            for line in lines:
                r = json.loads(line)
                rows.append({"src": "jnli", "id": f"{original}:{r['sentence_pair_id']}",
                             "ja": [r["sentence1"], r["sentence2"], r["label"]]})
    return write_rows(path, rows)


def load_pairs(path: Path = PAIRS_FILE) -> list[Pair]:
    pairs: list[Pair] = []
    for row in read_rows(path):
        src = row["src"]
        split = _split(src, row["id"].split(":")[-1] if src == "jsick" else row["id"],
                       row["id"].split(":")[0])
        ja = row["ja"]
        pairs.append(Pair(ja[0], ja[1], LABELS.index(ja[2]), "ja-ja", src, split))
        if src != "jsick":
            continue
        en = row["en"]
        pairs.append(Pair(en[0], en[1], LABELS.index(en[2]), "en-en", src, split))
        if en[2] == ja[2]:  # a translation that changed the label is no label across languages
            pairs.append(Pair(en[0], ja[1], LABELS.index(en[2]), "en-ja", src, split))
            pairs.append(Pair(ja[0], en[1], LABELS.index(en[2]), "ja-en", src, split))
    return pairs
