"""The learned answer layer on public data it was neither trained nor tuned on (the dev split of
eval/public.py: JaQuAD dev articles, SQuAD 2.0 articles, and our hand-written cross-lingual
questions), with the real model and weights. A fixed subset keeps `make test` quick;
`kakehashi eval --sets public` runs the whole split."""

import pytest

from eval.public import CORPORA, HANDWRITTEN_DIR, build_corpus
from eval.public_eval import run_public_eval

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def report(settings):
    return run_public_eval(settings, mini=True, log=lambda message: None)


def test_every_group_is_measured(report):
    assert set(report.groups) == {"ja→ja", "en→en", "en→ja", "ja→en", "en unanswerable"}
    assert report.groups["en→ja"].n >= 60 and report.groups["ja→en"].n >= 60


# Floors a little under what the learned layer reaches on this subset (one run with the passage
# ranker, the selector ensemble, the reranker, the answer locator and chunks that end with their
# paragraph: ja→ja 83.3%, en→en 70.0%, en→ja 63.6%, ja→en 68.8%; with chunks packed across
# paragraphs: 81.8%, 73.6%, 64.9%, 68.8%; before the ranker and the locator: 81.8%, 73.6%,
# 64.9%, 75.0%).
# ja→en is 64 questions, and fell by four of them while the tuning split's Japanese questions
# over English rose from 55% to 64%. The cross-lingual target is 0.65.


def test_same_language_answers(report):
    ja, en = report.groups["ja→ja"], report.groups["en→en"]
    assert ja.answer_correct >= 0.78
    assert en.answer_correct >= 0.68  # 70.0% with paragraph-ending chunks, 73.6% before: 4 of 110
    for group in (ja, en):
        assert group.median_answer_chars <= 190
        assert group.false_abstention <= 0.06


def test_the_learned_passage_ranker_beats_rank_fusion(report):
    """The ranker replaced reciprocal rank fusion: in either language its first passage is the
    gold one more often (this subset: ja 79.5% against 75.8%, en 60.9% against 55.5%), and so is
    the passage of the answer the selector and reranker choose from its passages. Across
    languages, over chunks that end with their paragraph, the two tie (tuning split: 0.851 and
    0.605 both; this subset: en→ja 58.4% against 61.0%, ja→en 82.8% against 85.9%, two
    questions each): neither may fall further behind than three questions."""
    for name in ("ja→ja", "en→en"):
        group = report.groups[name]
        assert group.hit_at_1 > group.fusion_hit_at_1, name
        assert group.reranked_hit_at_1 >= group.fusion_hit_at_1, name
    for name in ("en→ja", "ja→en"):
        group = report.groups[name]
        fusion = round(group.fusion_hit_at_1 * group.n)  # counted in questions, not shares
        assert fusion - round(group.hit_at_1 * group.n) <= 3, name
        assert fusion - round(group.reranked_hit_at_1 * group.n) <= 3, name


def test_cross_lingual_questions_are_answered_not_refused(report):
    # Above what the selector alone reached (51.9% en→ja): the reranker reads across languages.
    for name, floor in (("en→ja", 0.62), ("ja→en", 0.65)):
        group = report.groups[name]
        assert group.answer_correct >= floor, name
        assert group.false_abstention <= 0.06, name
        # Short quotes that hold the answer as often as the tutorial pipeline's 1000-character chunk.
        assert group.answer_correct >= group.tutorial_correct, name
        assert group.median_answer_chars <= 200, name


def test_public_corpora_keep_offsets_and_split_by_article(tmp_path):
    questions = build_corpus(CORPORA["en-dev"], tmp_path / "en-dev")
    texts = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "en-dev" / "docs").glob("*.md")}
    assert len(texts) == 4
    for q in questions:
        paragraph = texts[q.doc][q.start:q.end]
        assert paragraph and "\n\n" not in paragraph
        if q.answerable:
            assert any(a in paragraph for a in q.answers), q.id
    assert sum(q.handwritten for q in questions) >= 60
    titles = {name: set(spec.titles) for name, spec in CORPORA.items() if spec.titles}
    assert not titles["en-train"] & titles["en-dev"] and not titles["en-tune"] & titles["en-dev"]
    assert (HANDWRITTEN_DIR / "xling_en_over_ja.jsonl").is_file()
