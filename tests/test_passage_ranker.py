"""The learned passage ranker: its features on a small hand-made corpus, its file format and checks,
and fitting it (the real weights on public dev data are tested in test_public_eval.py)."""

import json

import numpy as np
import pytest

from app.answer.passage_weights import PASSAGE_RANKER_FILE, load_passage_ranker, save_passage_ranker
from app.answer.selector import WeightsError
from eval.passage_training import PassageTable, fit_ranker, fused_scores, hit_at_1
from index.keyword_index import KeywordIndex
from index.passage_ranker import PASSAGE_FEATURES, PassageFeatures, PassageRanker, QuestionSide
from index.retriever import FusionParams, reciprocal_rank_fusion
from ingest.records import Chunk

COLUMN = {name: i for i, name in enumerate(PASSAGE_FEATURES)}


def _chunk(doc: str, start: int, text: str, lang: str = "en", title: str = "") -> Chunk:
    return Chunk(id=f"{doc}:{start}", doc=doc, start=start, end=start + len(text), line_start=1, line_end=1,
                 lang=lang, title=title, text=text)


def _ranker(**weights: float) -> PassageRanker:
    w = np.zeros(len(PASSAGE_FEATURES))
    for name, value in weights.items():
        w[COLUMN[name]] = value
    return PassageRanker(np.zeros(len(PASSAGE_FEATURES)), np.ones(len(PASSAGE_FEATURES)), w)


@pytest.fixture
def described():
    chunks = [_chunk("a.md", 0, "sakura science program india visitors", title="Sakura exchange"),
              _chunk("a.md", 100, "the program began in 2014"),
              _chunk("b.md", 0, "riken overseas offices"),
              _chunk("c.md", 0, "理研の海外事務所", lang="ja")]
    keywords = KeywordIndex([["sakura", "science", "program", "india", "visitor"],
                             ["program", "began", "2014"], ["riken", "overseas", "office"],
                             ["理研", "海外", "事務所"]])
    features = PassageFeatures(chunks, keywords, None, {"Sakura exchange": {"sakura", "exchange"}})
    terms = {t: keywords.idf(t) for t in ("sakura", "india", "visitor")}
    question = QuestionSide("en", np.zeros(4), {"en": 0.1, "ja": 0.3}, terms)
    rows = [0, 1, 2, 3]
    bm25 = keywords.scores(["sakura", "india", "visitor"])
    return features.describe(question, rows, {2: (0, 0.5), 3: (1, 0.4), 0: (2, 0.3)}, bm25, {0: 0})


def test_features_read_both_rankings_the_words_and_the_document(described):
    f = described
    assert f.shape == (4, len(PASSAGE_FEATURES))
    # Dense: the scores given, the best one first; a passage the dense side missed scores its floor.
    assert f[2, COLUMN["dense_gap"]] == 0 and f[1, COLUMN["dense"]] == pytest.approx(0.3)
    assert f[2, COLUMN["dense_rank"]] == 1 and f[1, COLUMN["dense_rank"]] == 0
    # Keywords: only the first passage holds the question's words, in full and in its title.
    assert f[0, COLUMN["keyword"]] == 1 and f[1:, COLUMN["keyword"]].max() == 0
    assert f[0, COLUMN["coverage"]] == pytest.approx(1) and f[0, COLUMN["keyword_rank"]] == 1
    assert 0 < f[0, COLUMN["title"]] < 1
    # Its document's other passage shares its keyword strength; half the candidates are from a.md.
    assert f[1, COLUMN["doc_keyword"]] == 1 and f[2, COLUMN["doc_keyword"]] == 0
    assert f[0, COLUMN["doc_share"]] == 0.5
    assert list(f[:, COLUMN["same_lang"]]) == [1, 1, 1, 0]
    # Without sentence vectors a passage's best sentence is the passage itself.
    assert np.allclose(f[:, COLUMN["sentence"]], f[:, COLUMN["dense"]])


def test_the_ranker_gives_a_distribution_that_follows_its_weights(described):
    p = _ranker(keyword=3.0).scores(described)
    assert p.sum() == pytest.approx(1) and int(np.argmax(p)) == 0
    assert int(np.argmax(_ranker(dense=5.0).scores(described))) == 2
    assert len(_ranker().scores(np.zeros((0, len(PASSAGE_FEATURES))))) == 0


def test_weights_round_trip_and_a_damaged_or_other_file_names_the_fix(tmp_path, described):
    ranker = _ranker(keyword=2.0, dense=-1.0)
    save_passage_ranker(ranker, {}, tmp_path)
    loaded = load_passage_ranker(tmp_path)
    assert np.allclose(loaded.scores(described), ranker.scores(described)) and loaded.fingerprint
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest[PASSAGE_RANKER_FILE]["features"] = ["dense"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(WeightsError, match="make train"):
        load_passage_ranker(tmp_path)
    save_passage_ranker(ranker, {}, tmp_path)
    (tmp_path / PASSAGE_RANKER_FILE).write_bytes(b"not safetensors")
    with pytest.raises(WeightsError, match="make train"):
        load_passage_ranker(tmp_path)
    (tmp_path / PASSAGE_RANKER_FILE).unlink()
    with pytest.raises(WeightsError, match="missing"):
        load_passage_ranker(tmp_path)


def _table(rng: np.random.Generator, questions: int = 60, per: int = 8) -> PassageTable:
    """Candidates where only the title feature tells the gold one; the rest is noise."""
    features = rng.normal(size=(questions * per, len(PASSAGE_FEATURES)))
    gold = np.zeros(questions * per, bool)
    for q in range(questions):
        chosen = q * per + int(rng.integers(per))
        gold[chosen] = True
        features[chosen, COLUMN["title"]] += 3.0
    offsets = np.arange(0, questions * per + 1, per)
    return PassageTable(features, gold, offsets, np.zeros(questions, bool), np.array(["en"] * questions))


def test_fitting_learns_which_feature_tells_the_gold_passage():
    rng = np.random.default_rng(0)
    ranker = fit_ranker(_table(rng), epochs=150)
    assert int(np.argmax(ranker.weights)) == COLUMN["title"]
    held_out = _table(rng)
    assert hit_at_1(held_out, ranker.scores, np.ones(60, bool)) > 0.8
    assert hit_at_1(held_out, fused_scores, np.ones(60, bool)) < 0.4


def test_fused_scores_from_the_rank_features_are_reciprocal_rank_fusion():
    fusion = FusionParams()
    dense, keyword = ["a", "b", "c"], ["c", "a"]
    expected = reciprocal_rank_fusion([(dense, fusion.dense_weight), (keyword, fusion.keyword_weight)],
                                      fusion.rrf_k)
    rows = ["a", "b", "c"]
    features = np.zeros((3, len(PASSAGE_FEATURES)))
    features[:, COLUMN["same_lang"]] = 1
    for i, key in enumerate(rows):
        features[i, COLUMN["dense_rank"]] = 1 / (1 + dense.index(key))
        features[i, COLUMN["keyword_rank"]] = 1 / (1 + keyword.index(key)) if key in keyword else 0
    assert np.allclose(fused_scores(features, fusion), [expected[k] for k in rows])
