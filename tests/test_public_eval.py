"""The learned answer layer on public data it was neither trained nor tuned on (the dev split of
eval/public.py: JaQuAD dev articles, SQuAD 2.0 articles, and our hand-written cross-lingual
questions), with the real model and weights. A fixed subset keeps `make test` quick;
`kakehashi eval --sets public` runs the whole split."""

from dataclasses import replace

import pytest

from eval.public import CORPORA, HANDWRITTEN_DIR, build_corpus, build_mixed_corpus
from eval.public_eval import MIXED, group_of, run_public_eval

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def report(settings):
    return run_public_eval(settings, mini=True, log=lambda message: None)


GROUPS = {"ja→ja", "en→en", "en→ja", "ja→en", "en unanswerable"}


def test_every_group_is_measured(report):
    assert set(report.groups) == GROUPS | {name + MIXED for name in GROUPS}
    for name in ("en→ja", "ja→en", "en→ja" + MIXED, "ja→en" + MIXED):
        assert report.groups[name].n >= 60, name


# Floors a little under what the learned layer reaches on this subset (one run with the passage
# ranker fitted on both languages' articles in one folder, the selector ensemble, the reranker,
# the answer locator and chunks that end with their paragraph: ja→ja 83.3%, en→en 69.1%, en→ja
# 67.5%, ja→en 71.9%; with the ranker fitted on one language's articles at a time: 83.3%, 70.0%,
# 63.6%, 68.8%; with chunks packed across paragraphs: 81.8%, 73.6%, 64.9%, 68.8%; before the
# ranker and the locator: 81.8%, 73.6%, 64.9%, 75.0%).
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
    gold one more often (this subset: ja 83.3% against 75.8%, en 62.7% against 55.5%), and so is
    the passage of the answer the selector and reranker choose from its passages. Across
    languages, in a folder of one language, the two are close (this subset: en→ja 63.6% against
    61.0%, ja→en 84.4% against 85.9%): neither may fall further behind than three questions."""
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


def test_in_a_bilingual_folder_the_other_languages_evidence_is_found_and_quoted(report):
    """Both languages' articles in one folder: the evidence of a question in the other language
    competes with passages of the question's own language that share its words. Rank fusion lets
    those win (this subset: en→ja 15.6%, ja→en 48.4% hit@1); the ranker, fitted in such folders,
    finds the evidence first 51.9% and 82.8% of the time (fitted on one language's articles at a
    time it did 32.5% and 64.1% in the bilingual folder `kakehashi eval --sets public` asks) and
    the answers hold (61.0%, 70.3%)."""
    for name, floor in (("en→ja", 0.55), ("ja→en", 0.65)):
        group = report.groups[name + MIXED]
        assert group.hit_at_1 >= group.fusion_hit_at_1 + 0.2, name
        assert group.answer_correct >= floor, name
        assert group.answer_correct >= group.tutorial_correct, name
    for name in ("ja→ja", "en→en"):  # and a folder of both languages costs the others little
        alone, mixed = report.groups[name], report.groups[name + MIXED]
        assert mixed.answer_correct >= alone.answer_correct - 0.03, name
        assert mixed.false_abstention <= 0.06, name


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


def test_a_mixed_corpus_holds_both_languages_articles_with_their_offsets(tmp_path):
    ja = replace(CORPORA["ja-dev"], limit=2, handwritten="")
    questions = build_mixed_corpus([ja, CORPORA["en-dev"]], tmp_path / "mixed")
    docs = tmp_path / "mixed" / "docs"
    texts = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.md")}
    assert len(texts) == 6 and {q.article_lang for q in questions} == {"ja", "en"}
    for q in questions:
        assert q.doc in texts and q.start < q.end
        if q.answerable:
            assert any(a in texts[q.doc][q.start:q.end] for a in q.answers), q.id
    handwritten = next(q for q in questions if q.handwritten)
    assert (handwritten.lang, handwritten.article_lang) == ("ja", "en")
    assert group_of(handwritten, mixed=True) == "ja→en" + MIXED
    (docs / "stale.md").write_text("# old\n", encoding="utf-8")
    assert len(build_mixed_corpus([ja, CORPORA["en-dev"]], tmp_path / "mixed")) == len(questions)
    assert not (docs / "stale.md").exists()
