"""The evidence scorer's features on a hand-made corpus (tests/components.py): what each one
says of a sentence, for the learned selector to weigh."""

from __future__ import annotations

import numpy as np
from components import CHUNKS, QUESTION, composer, hits

from app.answer.evidence import FEATURES, Candidate, candidates_of, is_label
from index.retriever import Retrieved


def feature(scored, name: str) -> float:
    return float(scored.features[FEATURES.index(name)])


def described(question: str, lang: str = "en", *chunk_ids: str):
    scorer = composer().scorer
    return {s.text: s for s in scorer.describe(QUESTION, question, lang, hits(*(chunk_ids or ("c1",))))}


def test_every_sentence_of_the_candidates_once_with_every_feature() -> None:
    # c1 twice (as a hit and again): its sentences are described once.
    scorer = composer().scorer
    candidates = [*hits("c1", "c2"), Candidate(CHUNKS[0], 2)]
    out = scorer.describe(QUESTION, "ITER members", "en", candidates)
    assert len(out) == 5 == len({(s.chunk.doc, s.start, s.end) for s in out})
    assert all(s.features.shape == (len(FEATURES),) and s.features.dtype == np.float32 for s in out)


def test_word_overlap_is_weighed_in_the_same_language_only() -> None:
    en = described("Where is the reactor being built?")
    assert feature(en["The reactor is being built in Cadarache, France."], "overlap") \
        > feature(en["ITER is an international project to demonstrate the feasibility of fusion energy."],
                  "overlap")
    assert feature(en["The reactor is being built in Cadarache, France."], "same_lang") == 1.0
    ja = described("原子炉はどこに建設されていますか？", "ja")
    assert all(feature(s, "overlap") == 0.0 and feature(s, "same_lang") == 0.0 for s in ja.values())


def test_the_closest_sentence_in_meaning_ranks_first_on_dense() -> None:
    out = described("What is ITER?")
    best = max(out.values(), key=lambda s: s.dense)
    assert best.text.startswith("ITER is an international project")
    assert feature(best, "dense_rank") == 1.0 and feature(best, "dense_gap") == 0.0
    assert all(feature(s, "dense_gap") < 0 for s in out.values() if s is not best)


def test_numbers_asked_and_numbers_added() -> None:
    out = described("Was the ITER Organization established in 2007?", "en", "c2")
    established = out["The ITER Organization was established in 2007."]
    assert feature(established, "asks_numbers") == 1.0 and feature(established, "numbers") == 1.0
    assert feature(established, "new_year") == 0.0  # the question gives the year already
    added = described("When was the ITER Organization established?", "en", "c2")
    assert feature(added["The ITER Organization was established in 2007."], "new_year") == 1.0


def test_a_heading_is_a_label_and_the_first_sentence_is_marked() -> None:
    out = described("ITER")
    assert feature(out["ITER"], "label") == 1.0 and feature(out["ITER"], "first") == 1.0
    assert feature(out["The reactor is being built in Cadarache, France."], "label") == 0.0
    assert is_label("Figure 3: ITER members") and is_label("# ITER")
    assert not is_label("The ITER Organization was established in 2007.")


def test_a_table_row_states_what_its_cells_pair_and_is_no_label() -> None:
    assert not is_label("Jun 2015\tNepal Earthquake in Nepal")  # a text file's table
    assert not is_label("Apr 2016 | Kumamoto Earthquake in Japan")  # Word and HTML tables
    assert not is_label("| CDISC | Clinical Data Interchange Standards Consortium |")  # Markdown
    assert is_label("Table 2\tJ-RAPID calls") and is_label("Kumamoto Earthquake")


def test_a_name_in_brackets_or_quotes_is_a_label_and_a_quoted_statement_is_not() -> None:
    assert is_label("Urgent Response to Emergency Events “J-RAPID”")
    assert is_label("国立研究開発法人 日本医療研究開発機構（AMED）")
    assert not is_label("They said, “Yes.”") and not is_label("The project began in 2007 (in Paris).")
    assert not is_label("とても気に入ったので、実のところ3夜も観に行ったんだ」")


def test_retrieval_hits_become_ranked_candidates() -> None:
    retrieved = [Retrieved(CHUNKS[1], 0.9, dense=0.5, keyword=3.0), Retrieved(CHUNKS[0], 0.4)]
    assert candidates_of(retrieved) == [Candidate(CHUNKS[1], 0, 0.9, 3.0), Candidate(CHUNKS[0], 1, 0.4, 0.0)]
