"""The claim checker's combination of words, the learned entailment judgement and the exact rules,
on hand-made evidence readings (no model, no index); and the entailment head's file format."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from components import CHUNKS, QUESTION, composer, hits
from safetensors.numpy import save_file

from app.answer.alignment import AlignmentHead
from app.answer.evidence import Scored
from app.answer.names import names_in, spelled
from app.answer.question import Question
from app.answer.selector import WeightsError, write_manifest_entry
from app.verify.checker import (
    CheckerSettings,
    ClaimChecker,
    Judgement,
    Reading,
    combine,
    premise,
    with_context,
)
from app.verify.entailment import (
    ENTAILMENT_FILE,
    LABELS,
    EntailmentModel,
    combined,
    lexical_features,
    negations,
    pair_features,
)
from eval.entailment_training import threshold
from index.embedder import TokenStates
from ingest.records import Chunk

SETTINGS = CheckerSettings()
HFSP = ("HFSP is an international joint research fund, which was proposed by Japan at the Venice "
        "Summit in June 1987.")
IODP = "The IODP, launched in 2003, is an international program led by Japan and the U.S."


def scored(text: str, lang: str = "en") -> Scored:
    chunk = Chunk("doc.txt", 0, len(text), 1, 1, lang, "c1", "Title", text, sentences=[(0, len(text))])
    return Scored(chunk, 0, 0, len(text), 0.2, np.zeros(1, np.float32))


def reading(text: str, close: bool = True, on_topic: bool = True, strength: float = 0.8,
            translation: str = "", before: str = "") -> Reading:
    full = " ".join(t for t in (before, text, translation) if t)
    return Reading(full, text, translation, close, on_topic, strength,
                   frozenset(n.canonical for n in names_in(full)))


def judge(claim: str, text: str, lang: str = "en", entail: float = 0.0, contradict: float = 0.0,
          thresholds: tuple[float, float] | None = (0.7, 0.8), **kwargs) -> Judgement:
    return combine(claim, lang, scored(text), reading(text, **kwargs), entail, contradict, SETTINGS,
                   thresholds)


def test_a_close_sentence_with_every_number_and_name_supports():
    j = judge("HFSP was proposed by Japan at the Venice Summit in June 1987.", HFSP)
    assert j.verdict == "supported"
    assert j.reason.startswith("The sources state this: “HFSP is an international")


def test_the_pair_judge_reads_the_context_that_names_what_the_sentence_leaves_out():
    own = "The construction of the accelerator was completed in 2008."
    before = "The Large Hadron Collider (LHC) project is implemented at CERN."
    plain = reading(own, before="It is large.")
    claim = "LHCの加速器は2008年に完成した。"
    assert with_context("The LHC was completed in 2008.", "en", plain) == own
    assert with_context(claim, "ja", replace(plain, before=before)) == f"{before} {own}"
    headed = replace(plain, heading="Large Hadron Collider (LHC)")
    assert with_context(claim, "ja", headed) == f"Large Hadron Collider (LHC): {own}"
    # A name no context gives, or none at all: the sentence alone.
    assert with_context("The ISS accelerator was completed in 2008.", "en", headed) == own
    assert with_context("The accelerator was completed in 2008.", "en", headed) == own
    # With a translation in the statement's language, the judges read the translation alone.
    translated = reading(own, translation="加速器は2008年に完成した。", before=before)
    assert premise("ja", translated) == "加速器は2008年に完成した。"
    assert with_context(claim, "ja", translated) == "加速器は2008年に完成した。"


def test_a_negated_claim_is_contradicted_by_the_affirmative_sentence():
    j = judge("IODP was not launched in 2003.", IODP)
    assert (j.verdict, j.rule) == ("contradicted", "negation")
    assert j.reason.startswith("The sources say the opposite: “The IODP")
    ja = combine("日本はIODPに参加していない。", "ja", scored(IODP), reading(IODP), 0.0, 0.0, SETTINGS, None)
    assert (ja.verdict, ja.rule) == ("contradicted", "negation")
    assert ja.reason.startswith("資料には逆のことが書かれています：「The IODP")


def test_both_sides_negated_is_no_contradiction():
    text = "Japan has not yet concluded agreements with these countries."
    assert judge("Japan has not concluded agreements with these countries.", text).verdict == "supported"


def test_a_swapped_name_is_contradicted_and_the_reason_says_what_the_sources_say():
    j = judge("HFSP was proposed by Germany at the Venice Summit in June 1987.", HFSP, close=False)
    assert (j.verdict, j.rule) == ("contradicted", "name")
    assert j.reason.startswith("The sources say Japan, not Germany: “HFSP")
    ja = combine("HFSPはドイツが提案した。", "ja", scored(HFSP), reading(HFSP, close=False), 0.0, 0.0,
                 SETTINGS, None)
    assert ja.reason.startswith("資料ではドイツではなく日本です：「HFSP")


def test_a_name_the_evidence_lacks_blocks_support_even_when_the_words_match():
    j = judge("HFSP was proposed at the Venice Summit in June 1987 with Brazil's help.", HFSP, strength=0.3)
    assert j.verdict == "unsupported"
    assert "Brazil" in j.reason


def test_only_is_contradicted_when_the_evidence_names_more():
    j = judge("Only Japan leads the IODP.", IODP)
    assert (j.verdict, j.rule) == ("contradicted", "only")
    assert j.reason.startswith("The sources also name the U.S.")
    ja = combine("IODPは日本だけが主導している。", "ja", scored(IODP), reading(IODP), 0.0, 0.0,
                 SETTINGS, None)
    assert ja.reason.startswith("資料では米国も挙げられています")


def test_all_needs_the_evidence_to_say_all():
    text = "Several participating countries welcomed the proposal."
    assert judge("All participating countries welcomed the proposal.", text).verdict == "unsupported"
    assert judge("Several participating countries welcomed the proposal.", text).verdict == "supported"


def test_another_number_of_the_same_kind_contradicts_and_a_missing_one_blocks_support():
    text = "HFSP is now supported by a total of 14 countries."
    j = judge("HFSP is now supported by a total of 12 countries.", text)
    assert (j.verdict, j.rule) == ("contradicted", "number")
    assert j.reason.startswith("The sources give 14, not 12")
    off_topic = judge("HFSP is now supported by a total of 12 countries.", text, on_topic=False)
    assert off_topic.verdict == "unsupported"


def test_a_number_contradiction_needs_a_shared_figure_when_the_statement_gives_several():
    text = "In FY2000, 30 researchers came to the institute for one year."
    other_occasion = judge("In FY2021, 373 researchers came to the institute.", text)
    assert other_occasion.verdict == "unsupported"
    one_differs = judge("In FY2000, 373 researchers came to the institute for one year.", text)
    assert (one_differs.verdict, one_differs.rule) == ("contradicted", "number")
    assert one_differs.reason.startswith("The sources give 30, not 373")


def test_the_learned_judgement_supports_and_contradicts_only_when_confident_and_on_topic():
    text = "The construction of the accelerator was completed in 2008."
    claim = "LHCの加速器の建設は2008年に完了した。"

    def ja(entail: float, contradict: float, thresholds=(0.7, 0.8), on_topic: bool = True) -> str:
        return combine(claim, "ja", scored(text), reading(text, close=False, on_topic=on_topic),
                       entail, contradict, SETTINGS, thresholds).verdict

    assert ja(0.9, 0.0) == "supported"
    assert ja(0.6, 0.0) == "unsupported"
    assert ja(0.9, 0.0, thresholds=None) == "unsupported"  # no model: words and meaning only
    assert ja(0.9, 0.0, on_topic=False) == "unsupported"
    assert ja(0.0, 0.85) == "contradicted"
    assert ja(0.0, 0.85, on_topic=False) == "unsupported"


def test_decide_prefers_a_close_rule_contradiction_to_a_looser_support():
    checker = ClaimChecker(None, SETTINGS)  # type: ignore[arg-type]
    s = scored(HFSP)

    def j(verdict: str, strength: float, rule: str = "") -> Judgement:
        return Judgement(verdict, verdict, s, strength, rule)  # type: ignore[arg-type]

    assert checker.decide([j("supported", 0.7), j("contradicted", 0.9, "name")]).verdict == "contradicted"
    assert checker.decide([j("supported", 0.95), j("contradicted", 0.5, "name")]).verdict == "supported"
    # Another year elsewhere in the passage never outweighs a support ("founded in 1917").
    assert checker.decide([j("supported", 0.6), j("contradicted", 0.9, "number")]).verdict == "supported"
    assert checker.decide([j("unsupported", 0.9), j("contradicted", 0.4, "model")]).verdict == "contradicted"
    assert checker.decide([j("unsupported", 0.2), j("unsupported", 0.4)]).strength == 0.4


def test_names_are_the_same_in_both_languages():
    assert [n.canonical for n in names_in("HFSPはドイツと米国が提案した")] == ["Germany", "United States"]
    assert [n.canonical for n in names_in("the U.S., Europe, Canada and Russia")] == \
        ["United States", "Europe", "Canada", "Russia"]
    assert names_in("タイムズ") == []  # タイ is Thailand only as a word of its own
    assert [n.canonical for n in names_in("インドネシアとインド")] == ["Indonesia", "India"]
    canada = names_in("Canada")[0]
    assert (spelled(canada, "ja"), spelled(canada, "en")) == ("カナダ", "Canada")


@pytest.mark.parametrize(("text", "count"), [
    ("The ISS project does not involve Canada.", 1), ("No Japanese researchers take part.", 1),
    ("HFSPは14か国によって支えられていない。", 1), ("犬がいません", 1), ("許可せずに入った", 1),
    ("not only Japan but also the U.S.", 0), ("日本だけでなく米国も", 0), ("参加者は少ない", 0),
    ("まず、必ず確認する", 0),
])
def test_negations(text, count):
    assert negations(text) == count


HIDDEN = 4  # the width of the stand-in encoder's states
WIDTH = 1 + 3 + 4  # the vectors' cosine, three negation and four lexical features


def tiny_model(entail_at: float = 0.6, contradict_at: float = 0.7) -> EntailmentModel:
    torch.manual_seed(0)
    return EntailmentModel(AlignmentHead(HIDDEN, 6, WIDTH, len(LABELS)).eval(), np.zeros(WIDTH, np.float32),
                           np.ones(WIDTH, np.float32), entail_at, contradict_at)


def states(*rows: list[float]) -> TokenStates:
    tokens = np.array(rows, np.float32)
    vector = tokens.mean(axis=0)
    return TokenStates(tokens, vector / np.linalg.norm(vector))


CANADA = states([0.5, 0.2, 0.1, 0.0], [0.0, 0.3, 0.9, 0.1])
NOT = states([0.5, 0.2, 0.1, 0.0], [0.9, -0.4, 0.0, 0.2], [0.0, 0.3, 0.9, 0.1])


def test_the_entailment_head_reads_the_tokens_of_both_sides_negations_and_shared_words():
    model = tiny_model()
    p = model.probabilities([CANADA], ["Canada takes part."], CANADA, "Canada takes part.")
    assert p.shape == (1, 3) and p.sum() == pytest.approx(1.0)
    # The same sentence vectors and words, one more token on the claim's side: another judgement.
    other_tokens = TokenStates(NOT.tokens, CANADA.vector)
    assert not np.allclose(p, model.probabilities([CANADA], ["Canada takes part."], other_tokens,
                                                  "Canada takes part."))
    negated = model.probabilities([CANADA], ["Canada takes part."], CANADA, "Canada does not take part.")
    assert not np.allclose(p, negated)
    # Premises of different lengths are judged together, each as if alone.
    both = model.probabilities([CANADA, NOT], ["Canada takes part.", "Canada, not Japan."], CANADA, "x")
    alone = model.probabilities([NOT], ["Canada, not Japan."], CANADA, "x")
    assert np.allclose(both[1], alone[0], atol=1e-6)
    u = CANADA.vector[None, :]
    features = pair_features(u, u, np.array([0]), np.array([2]),
                             np.array([lexical_features("Canada takes part.", "カナダが参加")]))
    assert features.shape == (1, WIDTH) and features[0, 3] == 1.0  # one side negated
    assert features[0, -1] == 0.0  # not one language: shared characters say little
    assert lexical_features("Japan and the U.S.", "Japan and the U.S.")[:2] == [1.0, 1.0]


def sure_head(label: int) -> AlignmentHead:
    """A head that gives `label` whatever it reads."""
    head = AlignmentHead(HIDDEN, 6, WIDTH, len(LABELS)).eval()
    with torch.no_grad():
        head.classify[3].weight.zero_()
        head.classify[3].bias.copy_(torch.eye(len(LABELS))[label] * 20)
    return head


def heads_saying(*labels: int) -> EntailmentModel:
    return EntailmentModel(sure_head(labels[0]), np.zeros(WIDTH, np.float32), np.ones(WIDTH, np.float32),
                           0.45, 0.45, tuple(sure_head(label) for label in labels[1:]))


def test_the_heads_probabilities_are_averaged_and_the_checker_is_sure_only_where_every_head_is():
    claim = "The ITER Organization was established in 2007."
    assert np.allclose(heads_saying(0, 1).probabilities([CANADA], ["a"], CANADA, "b"), [[0.5, 0.5, 0.0]])

    def verdicts(model: EntailmentModel) -> set[tuple[str, str]]:
        check = checker()
        check.use_entailment(model, lambda texts: [CANADA for _ in texts])
        scored = check.composer.evidence(Question(claim, "en"), QUESTION, hits("c2"), rerank=False)
        return {(j.verdict, j.rule) for j in check.judge_all(claim, "en", QUESTION, scored)}

    assert ("contradicted", "model") in verdicts(heads_saying(1, 1))
    # One head sure of a contradiction and one of the opposite: no confident contradiction, and
    # the sentence's own words decide.
    assert ("contradicted", "model") not in verdicts(heads_saying(1, 0))
    assert ("supported", "") in verdicts(heads_saying(1, 0))


class SurePairJudge:
    """Stands in for app.verify.pair_judge.PairJudge: gives `label` for every pair it is asked."""

    def __init__(self, label: int, entail_at: float = 0.45, contradict_at: float = 0.45) -> None:
        self.label, self.entail_at, self.contradict_at = label, entail_at, contradict_at
        self.asked: list[list[str]] = []

    def probabilities(self, evidence: list[str], statement: str) -> np.ndarray:
        self.asked.append(evidence)
        return np.tile(np.eye(len(LABELS))[self.label], (len(evidence), 1)).astype(np.float32)


def test_combined_judgement_averages_the_pair_judge_with_the_heads_and_is_sure_where_both_are():
    mean, least = np.array([0.8, 0.1, 0.1]), np.array([0.7, 0.0, 0.0])
    assert combined(mean, least, None) == (mean, least)
    both, sure = combined(mean, least, np.array([0.2, 0.7, 0.1]))
    assert np.allclose(both, [0.5, 0.4, 0.1]) and np.allclose(sure, [0.2, 0.0, 0.0])


def test_the_pair_judge_reads_only_the_strongest_candidates_and_can_overrule_the_heads():
    claim = "The ITER Organization was established in 2007."

    def judged(pair: SurePairJudge | None, candidates: int = 2) -> list[Judgement]:
        check = checker()
        check.settings = replace(SETTINGS, pair_candidates=candidates)
        check.use_entailment(heads_saying(1, 1), lambda texts: [CANADA for _ in texts],
                             pair)  # type: ignore[arg-type]
        scored = check.composer.evidence(Question(claim, "en"), QUESTION, hits("c2", "c1", "c3"),
                                         rerank=False)
        return check.judge_all(claim, "en", QUESTION, scored)

    alone = judged(None)
    assert any(j.rule == "model" and j.verdict == "contradicted" for j in alone)
    disagreeing = SurePairJudge(0)
    with_pair = judged(disagreeing, candidates=1)
    assert [len(e) for e in disagreeing.asked] == [1]  # one call, the one strongest candidate
    asked = [j for j in with_pair if j.sentence.text == disagreeing.asked[0][0]
             or disagreeing.asked[0][0] in j.sentence.text]
    # Where the pair judge says "entails" and the heads "contradicts", neither is sure.
    assert asked and all(j.contradict == 0.0 for j in asked)
    agreeing = SurePairJudge(1)
    assert any(j.rule == "model" and j.verdict == "contradicted" for j in judged(agreeing))
    assert all(len(e) <= 2 for e in agreeing.asked)


def test_entailment_weights_round_trip_and_a_damaged_file_names_the_fix(tmp_path):
    model = replace(tiny_model(0.55, 0.75), others=(sure_head(2),))
    model.save(tmp_path / ENTAILMENT_FILE)
    write_manifest_entry(ENTAILMENT_FILE, {"entail_at": 0.55, "contradict_at": 0.75}, tmp_path)
    loaded = EntailmentModel.load(tmp_path)
    args = ([CANADA, NOT], ["a", "b"], CANADA, "a")
    assert np.allclose(loaded.probabilities(*args), model.probabilities(*args))
    assert len(loaded.heads) == 2 and np.allclose(loaded.head_probabilities(*args)[1], [[0, 0, 1]] * 2)
    assert (loaded.entail_at, loaded.contradict_at) == (0.55, 0.75)
    (tmp_path / ENTAILMENT_FILE).write_bytes(b"damaged")
    with pytest.raises(WeightsError, match="make train"):
        EntailmentModel.load(tmp_path)
    (tmp_path / ENTAILMENT_FILE).unlink()
    with pytest.raises(WeightsError, match="missing"):
        EntailmentModel.load(tmp_path)


def test_an_entailment_file_of_another_shape_is_refused_with_the_fix(tmp_path):
    model = tiny_model()
    tensors = model.tensors()
    del tensors["head.compare.0.weight"]
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(tmp_path / ENTAILMENT_FILE))
    write_manifest_entry(ENTAILMENT_FILE, {}, tmp_path)
    with pytest.raises(WeightsError, match="make train"):
        EntailmentModel.load(tmp_path)


def test_thresholds_keep_false_alarms_within_the_budget():
    p = np.array([0.95, 0.9, 0.85, 0.5, 0.4, 0.86])
    is_label = np.array([True, True, True, False, False, False])
    assert threshold(p, is_label, max_wrong=0.0) == 0.87
    assert threshold(p, is_label, max_wrong=0.34) == 0.51


def test_claim_scores_per_category_and_language_pair():
    from types import SimpleNamespace

    from eval.claims_eval import score_claims
    from eval.datasets import ClaimCase, GoldQuote

    en_quote = [GoldQuote("doc.txt", "proposed by Japan at the Venice Summit")]
    cases = [ClaimCase("a", "ja", "HFSPは日本が提案した。", "supported", en_quote, "cross-lingual"),
             ClaimCase("b", "en", "HFSP was not proposed by Japan.", "contradicted", en_quote, "negation"),
             ClaimCase("c", "en", "HFSP has its seat in Tokyo.", "unsupported", [], "absent"),
             ClaimCase("d", "en", "HFSP was proposed by Germany.", "contradicted", en_quote, "swap")]
    said = {"a": "supported", "b": "contradicted", "c": "contradicted", "d": "supported"}
    by_claim = {c.claim: said[c.id] for c in cases}
    report = score_claims(lambda claim: SimpleNamespace(verdict=by_claim[claim]), cases)
    assert report.accuracy == 0.75 and report.accuracy_strict == 0.5
    assert report.false_support == pytest.approx(1 / 3)
    assert report.balanced_accuracy == pytest.approx((1 + 1 + 0.5) / 3)
    assert report.cross_supported_found == 1.0
    assert report.negated_or_swapped_supported == ["d"]
    assert report.by_pair["ja->en"]["accuracy"] == 1.0 and report.by_pair["en->none"]["n"] == 1
    assert report.wrong == ["d: contradicted -> supported"]


def test_inference_pairs_come_in_four_language_pairs_with_fixed_splits(tmp_path):
    import json

    from eval.entailment_data import build_pairs_file, load_pairs

    (tmp_path / "jsick").mkdir()
    (tmp_path / "jnli").mkdir()
    header = "pair_ID\tdata\tsentence_A_En\tsentence_B_En\tentailment_label_En\tsentence_A_Ja\t" \
             "sentence_B_Ja\tentailment_label_Ja\tsemtag_short\n"
    rows = ["1\ttrain\tA man runs\tA man moves\tentailment\t男が走る\t男が動く\tentailment\t\n",
            "2\ttrain\tA dog sleeps\tNo dog sleeps\tcontradiction\t犬が寝ている\t犬は寝ていない\tneutral\t\n"]
    (tmp_path / "jsick" / "train.tsv").write_text(header + "".join(rows), encoding="utf-8")
    for split in ("valid", "test"):
        (tmp_path / "jnli" / f"{split}.jsonl").write_text(json.dumps(
            {"sentence_pair_id": "0", "sentence1": "猫がいる", "sentence2": "動物がいる",
             "label": "entailment"}, ensure_ascii=False) + "\n", encoding="utf-8")
    path = tmp_path / "nli.jsonl.gz"
    assert build_pairs_file(tmp_path, path) == 4
    first = path.read_bytes()
    assert build_pairs_file(tmp_path, path) == 4 and path.read_bytes() == first  # reproducible
    pairs = load_pairs(path)
    # Pair 1 in all four language pairs; pair 2 only within each language (its labels differ).
    assert sorted(p.langs for p in pairs if p.source == "jsick") == \
        ["en-en", "en-en", "en-ja", "ja-en", "ja-ja", "ja-ja"]
    mixed = next(p for p in pairs if p.langs == "en-ja")
    assert (mixed.premise, mixed.hypothesis) == ("A man runs", "男が動く")
    assert [p.split for p in pairs if p.source == "jnli"][1] == "test"
    assert {p.split for p in pairs} <= {"train", "tune", "test"}


def test_names_and_preposition_objects_the_sources_never_use_are_unknown():
    from types import SimpleNamespace

    known = {"chinese", "researchers", "released", "genome", "internet", "japan", "riken", "founded"}
    composer = SimpleNamespace(
        sources={"doc.txt": "Chinese researchers released the genome on the Internet. RIKEN, Japan."},
        scorer=SimpleNamespace(keywords=SimpleNamespace(idf=lambda t: 1.0 if t in known else 0.0)),
        tokenizer=SimpleNamespace(tokenize=lambda text: [w for w in text.lower().split() if w != "other"]))
    checker = ClaimChecker(composer, SETTINGS)  # type: ignore[arg-type]
    assert checker.unknown_names("Chinese researchers released the genome on television.") == ["television"]
    assert checker.unknown_names("Chinese researchers released the genome on the Internet.") == []
    assert checker.unknown_names("RIKEN was founded in 1917 by private donors in Madrid.") == \
        ["Madrid", "donors"]
    assert checker.unknown_names("RIKEN was founded in 1917.") == []  # a paraphrase, not a fact
    assert checker.unknown_names("RIKEN researchers came from the other.") == []  # a stop word


# ---------------------------------------------------------------- the checker over a composer
# A hand-made corpus and a stand-in selector (tests/components.py), no entailment head: how the
# judgements become one verdict, not how well it checks.


def checker() -> ClaimChecker:
    return ClaimChecker(composer(), SETTINGS)


def judgement(verdict: str, strength: float, rule: str = "") -> Judgement:
    return Judgement(verdict, verdict, scored("x"), strength, rule)  # type: ignore[arg-type]


def test_a_support_decides_unless_a_ruled_contradiction_matches_as_closely():
    decide = checker().decide
    support = judgement("supported", 0.7)
    assert decide([support, judgement("contradicted", 0.6, "negation")]) is support
    closer = judgement("contradicted", 0.7, "name")
    assert decide([support, closer]) is closer
    model = judgement("contradicted", 0.9, "model")  # the model's contradiction is no rule
    assert decide([support, model]) is support
    assert decide([judgement("unsupported", 0.95), model]) is model
    unsupported = [judgement("unsupported", 0.2), judgement("unsupported", 0.5)]
    assert decide(unsupported) is unsupported[1]
    # The support cited states the statement's numbers itself, not only in the neighbour read with it.
    stated = replace(judgement("supported", 0.5), stated=True)
    assert decide([replace(judgement("supported", 0.9), stated=False), stated]) is stated


def test_a_support_is_overruled_by_a_number_not_in_the_evidence_or_an_unknown_name():
    overrule = checker().overrule
    established = [CHUNKS[1].text]
    assert overrule("The ITER Organization was established in 2007.", "en", "supported", "ok",
                    established) == ("supported", "ok")
    verdict, why = overrule("The ITER Organization was established in 2008.", "en", "supported", "ok",
                            established)
    assert (verdict, why) == ("unsupported", "The cited passages never give 2008.")
    verdict, why = overrule("ITER is being built with Brazil.", "en", "supported", "ok")
    assert (verdict, why) == ("unsupported", "The sources never mention Brazil.")
    assert why.in_lang("ja") == "資料にはBrazilについての記述がありません。"
    assert overrule("ITER is being built with Brazil.", "en", "contradicted", "no") == ("contradicted", "no")


def test_check_quotes_the_deciding_sentence():
    check = checker().check
    verdict = check("The ITER reactor is being built in Cadarache, France.", QUESTION, hits("c1"))
    assert verdict.verdict == "supported"
    assert verdict.evidence[0].quote.text == "The reactor is being built in Cadarache, France."
    negated = check("The ITER Organization was not established in 2007.", QUESTION, hits("c2"))
    assert negated.verdict == "contradicted" and negated.reason.startswith("The sources say the opposite")
    year = check("The ITER Organization was established in 2009.", QUESTION, hits("c2"))
    assert year.verdict == "contradicted" and year.reason.startswith("The sources give 2007, not 2009")
    nothing = check("The ITER reactor is being built in France.", QUESTION, [])
    assert (nothing.verdict, nothing.evidence) == ("unsupported", [])
    assert nothing.reason == "No passage of the sources is related."


def test_training_pairs_with_longer_premises_keep_their_label_and_language():
    from eval.entailment_data import Pair
    from eval.entailment_training import with_longer_premises

    pairs = [Pair("A man runs", "A man moves", 0, "en-en", "jsick", "train"),
             Pair("A dog sleeps", "犬が寝ていない", 1, "en-ja", "jsick", "train"),
             Pair("犬が走る", "犬が動く", 0, "ja-ja", "jsick", "train"),
             Pair("猫が座っている", "A cat sits", 0, "ja-en", "jsick", "train")]
    longer = with_longer_premises(pairs)
    assert longer == with_longer_premises(pairs)  # fixed seed: the same pairs on every run
    for before, after in zip(pairs, longer):
        assert (after.label, after.hypothesis, after.langs) == (before.label, before.hypothesis, before.langs)
        assert before.premise in after.premise and len(after.premise) > len(before.premise)
    assert " " in longer[0].premise  # English sentences joined by a space
    assert all(ord(c) > 0x3000 for c in longer[2].premise)  # a Japanese premise joins a Japanese one


def test_the_pair_judge_reads_jnli_pairs_more_often_and_never_a_tuning_or_test_pair():
    from eval.entailment_data import Pair
    from eval.pair_training import JNLI_REPEAT, training_pairs

    jnli = Pair("男性が走っている。", "男性が動いている。", 0, "ja-ja", "jnli", "train")
    jsick = Pair("A man runs", "A man moves", 0, "en-en", "jsick", "train")
    held = [Pair("a", "b", 2, "ja-ja", "jnli", "tune"), Pair("c", "d", 2, "ja-ja", "jnli", "test")]
    trained = training_pairs([jnli, jsick, *held])
    assert JNLI_REPEAT > 1 and trained.count(jnli) == JNLI_REPEAT and trained.count(jsick) == 1
    assert not set(held) & set(trained)


def test_training_sentences_are_read_in_one_call_and_cached_whole(tmp_path):
    from eval.entailment_training import read_sentences

    calls: list[list[str]] = []

    def encode(texts: list[str]) -> list[TokenStates]:
        calls.append(texts)
        return [states(*([[len(t) / 10, 1.0, 0.0, 0.5]] * len(t))) for t in texts]

    cache = tmp_path / "states.npz"
    first = read_sentences(["b c", "a", "b c"], cache, encode, "model", log=lambda message: None)
    again = read_sentences(["a", "b c"], cache, encode, "model", log=lambda message: None)
    assert calls == [["a", "b c"]]  # sorted, once; the second time from the cache
    for text in ("a", "b c"):
        assert np.array_equal(first[text].tokens, again[text].tokens)
        assert first[text].tokens.shape == (len(text), 4)
    read_sentences(["a", "b c", "d"], cache, encode, "model", log=lambda message: None)
    read_sentences(["a", "b c", "d"], cache, encode, "other model", log=lambda message: None)
    assert calls[1:] == [["a", "b c", "d"]] * 2  # another set or model: all read again, in one call
