"""Public benchmark corpora, built the way a user's documents arrive: one Markdown file per article.

From `../shared/data` (JaQuAD, a SQuAD 2.0 slice; CC BY-SA, see README "Data and licences") each
corpus is a folder of `.md` files (the title as a heading, blank lines between paragraphs) and a
`questions.jsonl` whose every question carries its gold answer strings and the character span of
its gold paragraph in its article's file.

Splits are by article, so that what the learned parts train or are tuned on is never what is
reported: `train` fits the weights, `tune` chooses thresholds and fusion weights, `dev` is reported.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
HANDWRITTEN_DIR = EVAL_DIR / "public"
DEFAULT_DATA_DIR = EVAL_DIR.parent.parent / "shared" / "data"

_EN_TRAIN = ("Beyoncé", "Frédéric_Chopin", "Sino-Tibetan_relations_during_the_Ming_dynasty",
             "2008_Sichuan_earthquake", "The_Legend_of_Zelda:_Twilight_Princess")
_EN_TUNE = ("New_York_City",)
_EN_DEV = ("Spectre_(2015_film)", "IPod", "Solar_energy", "To_Kill_a_Mockingbird")


@dataclass(frozen=True)
class CorpusSpec:
    """Which articles of which file make a corpus, and which questions come with it."""

    name: str
    lang: str  # of the articles
    source: str  # the file under the data folder
    split: str  # train | tune | dev
    titles: tuple[str, ...] = ()  # these articles; empty: chosen by `every`/`offset`/`limit`
    every: int = 1
    offset: int = 0
    limit: int | None = None
    max_questions: int | None = None  # per article, to keep a corpus quick to evaluate
    handwritten: str = ""  # a file in eval/public of questions in the other language


CORPORA: dict[str, CorpusSpec] = {spec.name: spec for spec in (
    # JaQuAD's training articles: every 10th for training (69), every 10th from the 5th for
    # tuning; those from the 8th are questions about articles in neither corpus.
    CorpusSpec("ja-train", "ja", "jaquad/train.json", "train", every=10, max_questions=20,
               handwritten="xling_train_en_over_ja.jsonl"),
    CorpusSpec("ja-tune", "ja", "jaquad/train.json", "tune", every=10, offset=5, limit=30,
               max_questions=12, handwritten="xling_tune_en_over_ja.jsonl"),
    CorpusSpec("ja-elsewhere", "ja", "jaquad/train.json", "elsewhere", every=10, offset=8, limit=40,
               max_questions=8),
    CorpusSpec("ja-dev", "ja", "jaquad/dev.json", "dev", handwritten="xling_en_over_ja.jsonl"),
    CorpusSpec("en-train", "en", "squad2/train_slice.json", "train", titles=_EN_TRAIN,
               max_questions=120, handwritten="xling_train_ja_over_en.jsonl"),
    CorpusSpec("en-tune", "en", "squad2/train_slice.json", "tune", titles=_EN_TUNE,
               handwritten="xling_tune_ja_over_en.jsonl"),
    CorpusSpec("en-dev", "en", "squad2/train_slice.json", "dev", titles=_EN_DEV,
               handwritten="xling_ja_over_en.jsonl"),
)}


# A user's folder often holds both languages (the seeds do): each of these corpora is two of the
# above in one folder, so that a question meets passages in its own language beside the other
# language's evidence, as it does there. (The dev articles are mixed the same way by
# eval/public_eval.py, from the dev corpora it reads, the quick subset's included.)
MIXED_CORPORA: dict[str, tuple[str, str]] = {
    "mixed-train": ("ja-train", "en-train"),
    "mixed-tune": ("ja-tune", "en-tune"),
}


@dataclass(frozen=True)
class PublicQuestion:
    id: str
    lang: str  # of the question
    question: str
    answers: list[str]  # gold answer strings (empty for an unanswerable question)
    doc: str  # the article's file
    start: int  # the gold paragraph's span in that file
    end: int
    answerable: bool = True
    handwritten: bool = False  # written by us, in the other language than the article

    @property
    def cross_lingual(self) -> bool:
        return self.handwritten

    @property
    def article_lang(self) -> str:
        """The language of the article asked about: the other one for a hand-written question."""
        return ({"ja": "en", "en": "ja"}[self.lang] if self.handwritten else self.lang)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def file_name(title: str) -> str:
    """A safe, readable file name for an article title."""
    slug = re.sub(r"[^\w\-]+", "_", unicodedata.normalize("NFKC", title)).strip("_")
    return f"{slug[:80] or 'article'}.md"


def article_markdown(title: str, paragraphs: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The article as Markdown, and the span of each paragraph in it."""
    text = f"# {title.replace('_', ' ')}\n\n"
    spans = []
    for paragraph in paragraphs:
        paragraph = paragraph.strip()
        spans.append((len(text), len(text) + len(paragraph)))
        text += paragraph + "\n\n"
    return text, spans


def _articles(spec: CorpusSpec, data_dir: Path) -> list[dict]:
    path = data_dir / spec.source
    if not path.is_file():
        raise FileNotFoundError(f"{path}: public data not found (expected ../shared/data beside the "
                                "project, or --data DIR)")
    articles = json.loads(path.read_text(encoding="utf-8"))["data"]
    if spec.titles:
        chosen = [a for a in articles if a["title"] in spec.titles]
        if len(chosen) != len(spec.titles):
            raise ValueError(f"{spec.name}: articles missing from {spec.source}")
        return chosen
    chosen = articles[spec.offset::spec.every]
    return chosen[:spec.limit] if spec.limit else chosen


def _questions(spec: CorpusSpec, article: dict, doc: str,
               spans: list[tuple[int, int]]) -> Iterator[PublicQuestion]:
    count = 0
    for paragraph, (start, end) in zip(article["paragraphs"], spans):
        for qa in paragraph["qas"]:
            if spec.max_questions is not None and count >= spec.max_questions:
                return
            impossible = bool(qa.get("is_impossible"))
            answers = list(dict.fromkeys(a["text"] for a in qa.get("answers", []) if a["text"].strip()))
            if not impossible and not answers:
                continue
            count += 1
            yield PublicQuestion(qa["id"], spec.lang, qa["question"].strip(), answers, doc, start, end,
                                 answerable=not impossible)


def _handwritten(spec: CorpusSpec, by_title: dict[str, tuple[str, list[tuple[int, int]]]],
                 texts: dict[str, str]) -> list[PublicQuestion]:
    path = HANDWRITTEN_DIR / spec.handwritten
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        doc, spans = by_title[raw["article"]]
        start, end = spans[raw["paragraph"]]
        for answer in raw["answers"]:
            if answer not in texts[doc][start:end]:
                raise ValueError(f"{path.name} {raw['id']}: {answer!r} is not in its paragraph")
        out.append(PublicQuestion(raw["id"], raw["lang"], raw["question"], raw["answers"], doc,
                                  start, end, handwritten=True))
    return out


def build_corpus(spec: CorpusSpec, folder: Path, data_dir: Path = DEFAULT_DATA_DIR) -> list[PublicQuestion]:
    """Writes the corpus's documents into `folder/docs` (only files whose text changed, so the
    index stays fresh) and its questions into `folder/questions.jsonl`; returns the questions."""
    docs_dir = folder / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    questions: list[PublicQuestion] = []
    by_title: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    texts: dict[str, str] = {}
    for article in _articles(spec, data_dir):
        doc = file_name(article["title"])
        text, spans = article_markdown(article["title"], [p["context"] for p in article["paragraphs"]])
        by_title[article["title"]] = (doc, spans)
        texts[doc] = text
        questions.extend(_questions(spec, article, doc, spans))
    _write_docs(docs_dir, texts)
    if spec.handwritten:
        questions.extend(_handwritten(spec, by_title, texts))
    _write_questions(folder, questions)
    return questions


def _write_docs(docs_dir: Path, texts: dict[str, str]) -> None:
    """Writes only the files whose text changed (so the index stays fresh) and removes the rest."""
    for doc, text in texts.items():
        path = docs_dir / doc
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for stale in set(p.name for p in docs_dir.glob("*.md")) - set(texts):
        (docs_dir / stale).unlink()  # our own generated folder, never a user's


def _write_questions(folder: Path, questions: list[PublicQuestion]) -> None:
    with open(folder / "questions.jsonl", "w", encoding="utf-8") as out:
        for q in questions:
            out.write(json.dumps(q.to_json(), ensure_ascii=False) + "\n")


def load_questions(folder: Path) -> list[PublicQuestion]:
    with open(folder / "questions.jsonl", encoding="utf-8") as lines:
        return [PublicQuestion(**json.loads(line)) for line in lines if line.strip()]


def build_mixed_corpus(parts: list[CorpusSpec], folder: Path,
                       data_dir: Path = DEFAULT_DATA_DIR) -> list[PublicQuestion]:
    """Several corpora in one folder (`folder/docs`), each built in a folder beside it first; the
    questions of all of them. The parts' embedding caches seed this one's, so only the index is
    built again."""
    from index.embedding_cache import EmbeddingCache

    docs_dir = folder / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    questions: list[PublicQuestion] = []
    texts: dict[str, str] = {}
    for spec in parts:
        part = folder.parent / spec.name
        questions.extend(build_corpus(spec, part, data_dir))
        for path in sorted((part / "docs").glob("*.md")):
            if path.name in texts:
                raise ValueError(f"{folder.name}: two articles named {path.name}")
            texts[path.name] = path.read_text(encoding="utf-8")
    _write_docs(docs_dir, texts)
    cache = EmbeddingCache(folder / "cache" / "embeddings.sqlite3")
    for spec in parts:
        cache.absorb(folder.parent / spec.name / "cache" / "embeddings.sqlite3")
    cache.close()
    _write_questions(folder, questions)
    return questions


def build_named_corpus(name: str, root: Path, data_dir: Path = DEFAULT_DATA_DIR) -> list[PublicQuestion]:
    """`root/name`, a corpus of CORPORA or of MIXED_CORPORA."""
    if name in MIXED_CORPORA:
        return build_mixed_corpus([CORPORA[part] for part in MIXED_CORPORA[name]], root / name, data_dir)
    return build_corpus(CORPORA[name], root / name, data_dir)
