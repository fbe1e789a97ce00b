"""A tiny Japanese/English corpus for tests that build real indexes in a temporary folder."""

from __future__ import annotations

from pathlib import Path

DOCS = {
    "a_fusion.md": """# International fusion research

## ITER

The ITER project aims to demonstrate the scientific and technological feasibility of fusion
energy. Japan, the European Union, the United States, Russia, China, Korea and India take part.

The ITER Organization was established in 2007 and the reactor is built in Cadarnache, France.
""",
    "b_riken.md": """# 理化学研究所の国際活動

## 海外拠点

理化学研究所は、研究者の交流を進めるため、海外に事務所を置いている。

シンガポール事務所と北京事務所は、アジアの研究機関との連携を支えている。

## 人材交流

若手研究者の派遣は、国際共同研究の基盤となる。
""",
    "c_space.md": """# Space cooperation

## The International Space Station

Japan operates the Japanese Experiment Module (JEM), also known as KIBO, on the station.

The H-II Transfer Vehicle (HTV), known as KONOTORI, carries cargo to the station.

## 宇宙協力

日本は国際宇宙ステーションで実験棟「きぼう」を運用している。
""",
}

QUESTIONS = [
    "What is the aim of the ITER project?",
    "理研の海外事務所はどこにありますか？",
    "What is Japan's cargo spacecraft called?",
]


def write_corpus(folder: Path, names: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or sorted(DOCS):
        (folder / name).write_text(DOCS[name], encoding="utf-8")
    return folder
