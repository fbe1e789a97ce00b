"""Checking a statement against the sources: supported, unsupported or contradicted.

Each candidate evidence sentence (the best sentences of the retrieved passages) is judged three
ways, and the verdict combines them:

- Words and meaning: in the same language, most of the statement's words (weighted by rarity)
  are in the sentence, its neighbour before it or its continuation past a column break, or in
  its translation; across languages, the language-centred similarity is high and its Latin-script
  names are there.
- The learned entailment judgement (app/verify/entailment.py): the probability that the sentence (or its
  translation) entails or contradicts the statement, in any pair of languages.
- Exact rules: every number the statement gives (any script) and every place or country it names
  (any language, app/answer/names.py) must be in the evidence; a statement that says "not" where the
  evidence does not (or the reverse), that gives another number or another name of the same kind
  on the same subject, or says "only" where the evidence names more, is contradicted.

Supported needs words or meaning, or a confident entailment, and every rule passing. The reason
names the deciding sentence and what differs, in the statement's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from app.answer.composer import Composer
from app.answer.evidence import Candidate, Scored
from app.answer.names import names_in, spelled
from app.answer.numbers import Number, extract_numbers, missing_numbers, numbers_not_in
from app.answer.question import Question
from app.records import Citation, Support, Verdict
from app.verify.entailment import EntailmentModel, combined, negations
from app.verify.pair_judge import PairJudge
from app.verify.params import CheckerSettings
from app.wording import reason
from index.embedder import TokenStates
from ingest.lang import detect_lang

Thresholds = tuple[float, float]  # probabilities that count as confident: (entails, contradicts)

# Names: capitalised or upper-case Latin words (not the first word), and katakana words.
_NAME_EN = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-Z][A-Za-z]{2,}|[A-Z]{2,}[0-9]*)\b")
_NAME_JA = re.compile(r"[ァ-ヶー]{2,}")
# The noun a preposition governs, past an article or one more word: "on (the) television".
_PREPOSITION_OBJECT = re.compile(
    r"\b(?:on|in|at|by|from|via|through|into|onto)\s+(?:(?:the|a|an)\s+)?(?:[a-z]+\s+)?([A-Za-z]{3,})\b")
# "Only Japan", 「日本だけ」: the evidence must not name more of the same kind.
_ONLY = re.compile(r"\b(?:only|alone|solely|exclusively)\b|だけ|のみ|単独", re.IGNORECASE)
# "All", "every", 「すべて」: the evidence must say as much.
_ALL = re.compile(r"\b(?:all|every|each|always)\b|すべて|全て|全部|全員|あらゆる|いずれも|必ず",
                  re.IGNORECASE)
# Latin-script names in a statement of either language: acronyms anywhere (unlike _NAME_EN, a
# leading one counts: "LHC was …"), capitalised words past the first ("ATLAS", "Japan"); in
# Japanese every Latin word is one.
_LATIN_NAME = re.compile(r"\b[A-Z][A-Z0-9]+\b|(?<!^)\b[A-Z][a-z]{2,}\b")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&+-]*")
# "4) ", "(2) ", "1. ", "第3章 ": a heading's numbering.
_SECTION_NUMBER = re.compile(r"^\s*(?:\(?[0-9０-９]+[).．.]|第[0-9０-９一二三四五六七八九十]+[章節項])\s*")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _join(names: list[str], lang: str) -> str:
    return "、".join(names) if lang == "ja" else ", ".join(names)


@dataclass(frozen=True)
class Judgement:
    verdict: Support
    reason: str
    sentence: Scored
    strength: float  # how closely the deciding sentence itself matches the statement
    rule: str = ""  # what decided a contradiction: negation, name, only, number, model
    entail: float = 0.0  # the learned probabilities, for the record
    contradict: float = 0.0
    # The sentence itself (with its continuation or translation) gives every number the
    # statement gives, not only its neighbour before it.
    stated: bool = True


@dataclass(frozen=True)
class Reading:
    """What words and meaning say of one candidate, before rules and the model."""

    text: str  # the sentence with its neighbour before and its continuation
    own: str  # the sentence (and its continuation) alone: what a reason quotes
    translation: str  # the sentence in the other language, when aligned ("" if not)
    close: bool
    on_topic: bool
    strength: float
    # Places named in the passage, its title and the evidence: where the statement's are looked for.
    context_names: frozenset[str]
    overlap: float = 0.0  # share of the statement's words in the evidence and its title
    # Across languages: the statement's names and numbers (at least one) are all in the
    # evidence, so the learned judgement's agreement is enough to support it.
    anchored: bool = False
    before: str = ""  # the neighbour before the sentence, when it is read with it
    heading: str = ""  # the passage's own section heading, without its numbering


class ClaimChecker:
    def __init__(self, composer: Composer, settings: CheckerSettings,
                 entailment: EntailmentModel | None = None,
                 read: Callable[[list[str]], list[TokenStates]] | None = None) -> None:
        self.composer = composer
        self.settings = settings
        self.entailment = entailment
        self.read = read  # texts -> token states, as the entailment head was trained on them
        self.pair_judge: PairJudge | None = None
        self._folded_sources: list[str] = []
        self._countries: dict[str, str] = {}  # per document: the country it names most

    def use_entailment(self, model: EntailmentModel, read: Callable[[list[str]], list[TokenStates]],
                       pair_judge: PairJudge | None = None) -> None:
        """Judge with the learned heads; `read` gives texts the token states they were trained on.
        With `pair_judge`, its probabilities are averaged with theirs (on the strongest candidates)."""
        self.entailment, self.read, self.pair_judge = model, read, pair_judge

    def unknown_names(self, claim: str) -> list[str]:
        """Latin-script names in the statement that no source document contains anywhere, and
        the words after its prepositions that no source uses ("on television", "by private
        donations"): where, how or by whom, a fact of its own, not a paraphrase."""
        if not self._folded_sources:
            self._folded_sources = [_fold(text) for text in self.composer.sources.values()]
        names = [name for name in _NAME_EN.findall(claim)
                 if not any(_fold(name) in text for text in self._folded_sources)]
        keywords, tokenize = self.composer.scorer.keywords, self.composer.tokenizer.tokenize
        objects = [m.group(1) for m in _PREPOSITION_OBJECT.finditer(claim)
                   if (tokens := tokenize(m.group(1)))  # a stop word ("other") is no fact
                   and all(keywords.idf(t) <= 0 for t in tokens)]
        return names + [o for o in objects if o not in names]

    def _main_country(self, doc: str) -> str:
        if doc not in self._countries:
            counts = Counter(n.canonical for n in names_in(self.composer.sources[doc]) if n.kind == "country")
            self._countries[doc] = counts.most_common(1)[0][0] if counts else ""
        return self._countries[doc]

    # ------------------------------------------------------------------ words and meaning

    def _read(self, claim: str, lang: str, terms: list[str], sentence: Scored) -> Reading:
        s = self.settings
        scorer, tokenizer = self.composer.scorer, self.composer.tokenizer
        chunk = sentence.chunk
        own = sentence.text
        continuation = self.composer.continuation(sentence)
        if continuation is not None:  # the two halves of a sentence broken across a column
            own = f"{own} {continuation.text}"
        text, before = own, ""
        index = chunk.sentences.index((sentence.start, sentence.end))
        if index > 0:  # the neighbour before: what "it" and "the program" refer to
            a, b = chunk.sentences[index - 1]
            before = self.composer.sources[chunk.doc][a:b]
            text = f"{before} {own}"
        translated = self.composer.parallel_sentence(sentence)
        translation = self.composer.sources[translated[0].doc][translated[1]:translated[2]] \
            if translated is not None else ""
        same_language = sentence.lang == lang or bool(translation)
        if translation:
            text = f"{text} {translation}"
        # Words the sources never use are paraphrases ("founded" for "establishment") and weigh
        # nothing here; names the sources never use are caught by `unknown_names`.
        words = [t for t in terms if not any(ch.isdigit() for ch in t) and scorer.keywords.idf(t) > 0]
        evidence_tokens = set(tokenizer.tokenize(text)) | set(tokenizer.tokenize(chunk.title))
        overlap = scorer.overlap(words, evidence_tokens) if words else 1.0
        # The document's own country ("Japan" in a report on Japan) goes without saying.
        main = self._main_country(chunk.doc)
        folded = _fold(" ".join((text, chunk.title, chunk.text, main)))
        anchored = False
        if same_language:
            on_topic = overlap >= s.topic_overlap or sentence.dense >= s.topic_dense_same
            close = overlap >= s.support_overlap
            # Its own figures found on the topic say as much as words: "founded in 1917" is
            # supported by "since its establishment in 1917".
            claimed_figures = extract_numbers(claim)
            if claimed_figures and on_topic and overlap >= s.figures_overlap \
                    and not missing_numbers(claimed_figures, extract_numbers(text)):
                close = True
            # A name the statement gives must be in the evidence: "India" is not "the U.S.".
            names = _NAME_EN.findall(claim) if lang == "en" else _NAME_JA.findall(claim)
            # Months are numbers ("March" = 3月), checked as such below.
            if any(_fold(name) not in folded for name in names
                   if not any(n.kind == "month" for n in extract_numbers(name))):
                close = False
            own_tokens = set(tokenizer.tokenize(f"{own} {translation}"))
            strength = scorer.overlap(words, own_tokens) if words else 1.0
        else:
            names = tokenizer.tokenize(" ".join(_NAME_EN.findall(claim))) if lang == "en" else \
                [t for t in words if re.fullmatch(r"[a-z][a-z0-9&.+'-]*", t)]
            named = scorer.overlap(names, evidence_tokens) >= 0.5 if names else True
            claimed_figures, places = extract_numbers(claim), names_in(claim)
            # Places need not be here: one the evidence lacks blocks support later, or names
            # what it says instead.
            anchored = bool(names or claimed_figures or places) \
                and (not names or scorer.overlap(names, evidence_tokens) == 1.0) \
                and not missing_numbers(claimed_figures, extract_numbers(text))
            topic_dense = s.topic_dense_anchored if anchored else s.topic_dense
            on_topic = sentence.dense >= topic_dense and named
            close = on_topic and sentence.dense >= s.support_dense
            strength = sentence.dense / s.support_dense * s.support_overlap
        # Each part on its own: a passage's names are found once for all the checks that read it.
        context_names = frozenset(n.canonical for part in (text, chunk.title, chunk.text, main)
                                  for n in names_in(part))
        heading = _SECTION_NUMBER.sub("", chunk.title.rsplit("›", 1)[-1]).strip()
        return Reading(text, own, translation, close, on_topic, strength, context_names, overlap,
                       anchored, before, heading)

    # ------------------------------------------------------------------ the learned judgement

    def statement_vectors(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """The statements' query vectors. With the entailment head, from the same pass of the
        encoder that reads them token by token for it (kept), so a statement is encoded once."""
        if self.read is None:
            return encode(texts)
        return np.stack([s.vector for s in self.read(texts)])

    def _probabilities(self, claim: str, lang: str,
                       readings: list[Reading]) -> list[tuple[float, float, bool, Thresholds | None]]:
        """Per reading: the probability every judge gives that it entails, that it contradicts,
        whether "entails" is their most likely label on average, and the thresholds of
        confidence for what judged it (None without a model)."""
        if self.entailment is None or self.read is None or not readings:
            return [(0.0, 0.0, False, None)] * len(readings)
        # One premise a candidate, in the claim's language when there is a translation, and
        # only for candidates on the topic: the model is not asked about the others.
        premises = [(i, premise(lang, r)) for i, r in enumerate(readings) if r.on_topic]
        heads_only = (self.entailment.entail_at, self.entailment.contradict_at)
        if not premises:
            return [(0.0, 0.0, False, heads_only)] * len(readings)
        texts = [t for _, t in premises]
        *evidence, claimed = self.read([*texts, claim])
        per_head = self.entailment.head_probabilities(evidence, texts, claimed, claim)
        heads_mean, heads_min = per_head.mean(axis=0), per_head.min(axis=0)
        # The pair judge reads evidence and statement together, a full pass of the encoder per
        # candidate: only the strongest few are asked (`pair_candidates`; README, "Speed").
        judge = self.pair_judge
        pair: dict[int, np.ndarray] = {}
        if judge is not None:
            asked = sorted(range(len(premises)), key=lambda k: -readings[premises[k][0]].strength)
            asked = asked[:self.settings.pair_candidates]
            pair = dict(zip(asked, judge.probabilities(
                [with_context(claim, lang, readings[premises[k][0]]) for k in asked], claim)))
        out = [(0.0, 0.0, False, heads_only)] * len(readings)
        for k, (i, _) in enumerate(premises):
            mean, agreed, thresholds = heads_mean[k], heads_min[k], heads_only
            if judge is not None and k in pair:
                mean, agreed = combined(mean, agreed, pair[k])
                thresholds = (judge.entail_at, judge.contradict_at)
            out[i] = (float(agreed[0]), float(agreed[1]), bool(mean.argmax() == 0), thresholds)
        return out

    # ------------------------------------------------------------------ rules and verdicts

    def judge_all(self, claim: str, lang: str, vector: np.ndarray, scored: list[Scored]) -> list[Judgement]:
        terms = self.composer.tokenizer.tokenize(claim)
        readings = [self._read(claim, lang, terms, s) for s in scored]
        probabilities = self._probabilities(claim, lang, readings)
        return [combine(claim, lang, s, r, e, c, self.settings, thresholds, likely)
                for s, r, (e, c, likely, thresholds) in zip(scored, readings, probabilities)]

    def decide(self, judgements: list[Judgement]) -> Judgement:
        """The deciding judgement: a support; but a contradiction by a rule (another name, a
        "not", an "only") on a sentence that matches as closely wins over a looser support."""
        supported = [j for j in judgements if j.verdict == "supported"]
        ruled = [j for j in judgements
                 if j.verdict == "contradicted" and j.rule in ("negation", "name", "only")]
        # The support to cite states the statement's numbers itself, not in the neighbour read with it.
        best_support = max(supported, key=lambda j: (j.stated, j.strength), default=None)
        best_ruled = max(ruled, key=lambda j: j.strength, default=None)
        if best_ruled is not None and (best_support is None or best_ruled.strength
                                       >= best_support.strength - self.settings.contradiction_margin):
            return best_ruled
        if best_support is not None:
            return best_support
        contradicted = [j for j in judgements if j.verdict == "contradicted"]
        if contradicted:
            return max(contradicted, key=lambda j: j.strength)
        return max(judgements, key=lambda j: j.strength)

    def overrule(self, claim: str, lang: str, verdict: Support, why: str,
                 evidence: Sequence[str] | None = None) -> tuple[Support, str]:
        """The statement-wide rules after the deciding sentence: a support stands only when every
        number the statement gives is in `evidence` (when given: the texts it may come from) and
        every name it gives is in some source. The verdict and its reason."""
        if verdict != "supported":
            return verdict, why
        missing = numbers_not_in(claim, evidence) if evidence is not None else []
        if missing:
            return "unsupported", reason("numbers_not_cited", lang,
                                         claimed=_join([n.text for n in missing], lang))
        unknown = self.unknown_names(claim)
        if unknown:
            return "unsupported", reason("unknown", lang, claimed=_join(unknown, lang))
        return verdict, why

    def check(self, claim: str, vector: np.ndarray, hits: list[Candidate]) -> Verdict:
        lang = detect_lang(claim)
        question = Question(claim, lang)
        terms = self.composer.tokenizer.tokenize(claim)
        scored = self.composer.evidence(question, vector, hits, rerank=False)[: self.settings.candidates]
        if not scored:
            return Verdict(claim, lang, "unsupported", reason("none", lang), [])
        judgements = self.judge_all(claim, lang, vector, scored)
        best = self.decide(judgements)
        verdict, why = self.overrule(claim, lang, best.verdict, best.reason)
        # A second piece of evidence only from another passage: one passage is shown once.
        more = [j.sentence for j in judgements if j is not best and j.verdict == best.verdict
                and j.sentence.chunk.id != best.sentence.chunk.id][:1]
        evidence: list[Citation] = [self.composer.cite(n, sentence, question, vector, terms)
                                    for n, sentence in enumerate([best.sentence, *more], start=1)]
        return Verdict(claim, lang, verdict, why, evidence)


def combine(claim: str, lang: str, sentence: Scored, r: Reading, entail: float, contradict: float,
            settings: CheckerSettings, thresholds: Thresholds | None,
            likely_entails: bool = False) -> Judgement:
    """One candidate's judgement from its reading, the learned probabilities that every head
    agrees on (with their confidence thresholds, or None without a model) and the exact rules."""
    quote = _short(r.translation if r.translation and sentence.lang != lang else r.own)

    claimed = extract_numbers(claim)
    # The sentence itself states the statement's figures (not only its neighbour before it): a
    # "not" or an "only" is judged only against such a sentence, and such a support is cited first.
    stated = not missing_numbers(claimed, extract_numbers(f"{r.own} {r.translation}"))

    def judged(verdict: Support, key: str, rule: str = "", **values: str) -> Judgement:
        return Judgement(verdict, reason(key, lang, quote=quote, **values), sentence, r.strength,
                         rule, entail, contradict, stated)

    entailed = thresholds is not None and entail >= thresholds[0] and r.on_topic
    # Across languages, names and numbers all found plus the model's most likely label being
    # "entails" is as good as shared words.
    agrees = thresholds is not None and r.anchored and r.on_topic and likely_entails
    close = r.close or entailed or agrees
    # Names of places and countries, in either language. One the sentence lacks is a swap when
    # the sentence names another of its kind; otherwise it may be the passage's ("Japan" in a
    # report on Japan), so it only blocks support when the passage lacks it too.
    claim_names = names_in(claim)
    claimed_names = {n.canonical for n in claim_names}
    here = {n.canonical for n in names_in(f"{r.text} {sentence.chunk.title}")}
    extra = [n for n in names_in(f"{r.own} {r.translation}") if n.canonical not in claimed_names]
    absent_here = [n for n in claim_names if n.canonical not in here]
    swapped = [n for n in extra if n.kind in {a.kind for a in absent_here}]
    elsewhere = r.context_names
    absent = [n for n in absent_here
              if n.canonical not in elsewhere or any(x.kind == n.kind for x in swapped)]
    # Numbers: every one of the statement's must be in the evidence; another of the same kind
    # on the same subject contradicts it.
    found = extract_numbers(r.text)
    missing = missing_numbers(claimed, found)
    # ... on the same subject: not when the statement names a place the evidence lacks, nor when
    # it gives several figures and the evidence shares none of them ("373 researchers in FY2021"
    # against a sentence on FY2000: another occasion, not another figure for this one).
    shares_a_figure = len(claimed) < 2 or len(missing) < len(claimed)
    if missing and r.on_topic and not absent and shares_a_figure:
        other = _other_numbers(found, missing, claimed)
        if other:
            if r.before and not _other_numbers(extract_numbers(f"{r.own} {r.translation}"), missing, claimed):
                quote = _short(f"{r.before} {r.own}")  # the other figure is in the neighbour: quote both
            return judged("contradicted", "number", "number",
                          found=_join([f.text for f in other[:3]], lang),
                          claimed=_join([n.text for n in missing], lang))
    # Related enough that a "not" or an "only" decides: its words, or across languages its
    # names and numbers and meaning.
    related = close or (r.anchored and r.on_topic) or r.overlap >= settings.topic_overlap
    # Negation: judged on the deciding sentence (and its translation), not its neighbour.
    flipped = (negations(claim) > 0) != (negations(r.own) + negations(r.translation) > 0)
    if r.on_topic and flipped and not absent and stated \
            and (related or r.strength >= settings.topic_overlap):
        return judged("contradicted", "negation", "negation")
    if swapped and absent and r.on_topic and r.strength >= settings.topic_overlap:
        return judged("contradicted", "name", "name",
                      found=_join([spelled(n, lang) for n in swapped[:2]], lang),
                      claimed=_join([spelled(n, lang) for n in absent], lang))
    if _ONLY.search(claim) and related and not absent and stated:
        kinds = {n.kind for n in claim_names}
        more = [n for n in extra if n.kind in kinds]
        if more:
            return judged("contradicted", "only", "only",
                          found=_join([spelled(n, lang) for n in more[:3]], lang))
    if thresholds is not None and contradict >= thresholds[1] and r.on_topic:
        return judged("contradicted", "model", "model")
    if close and not missing and absent:
        return judged("unsupported", "missing_names", "",
                      claimed=_join([spelled(n, lang) for n in absent], lang))
    universal_unmatched = bool(_ALL.search(claim)) and not _ALL.search(f"{r.own} {r.translation}")
    if close and not missing and not universal_unmatched and not flipped:
        # A list says less of each of its members: "14 countries, ..., Germany, ..." supports
        # "Germany proposed HFSP" less than "proposed by Japan" contradicts it.
        listed = sum(1 for n in extra if n.kind in {c.kind for c in claim_names})
        return replace(judged("supported", "supported"),
                       strength=r.strength - settings.list_penalty * listed)
    return judged("unsupported", "unsupported")


def premise(lang: str, r: Reading) -> str:
    """What the learned judges read as evidence: the sentence, in the statement's language when it
    has a translation."""
    return r.translation if r.translation and detect_lang(r.own) != lang else r.own


def with_context(claim: str, lang: str, r: Reading) -> str:
    """The premise for the pair judge, which reads evidence and statement together: a name the
    statement gives that the sentence leaves to its context ("the accelerator" in a section on the
    LHC) is read with the neighbour before or the section heading that names it, so that the judge
    does not take the missing name for a new fact. (The heads read the sentence's token states
    kept in the index: context would cost them an encoder pass.)"""
    text = premise(lang, r)
    if text != r.own:  # a translation: its context is in the other language
        return text
    names = _LATIN_WORD.findall(claim) if lang == "ja" else _LATIN_NAME.findall(claim)
    folded = _fold(text)
    unnamed = [_fold(n) for n in names if _fold(n) not in folded]
    if not unnamed:
        return text
    for context, joined in ((r.before, f"{r.before} {text}"), (r.heading, f"{r.heading}: {text}")):
        if context and all(n in _fold(context) for n in unnamed):
            return joined
    return text


def _other_numbers(found: list[Number], missing: list[Number], claimed: list[Number]) -> list[Number]:
    """The evidence's numbers of the kinds the statement got wrong, that it does not state itself."""
    return [f for f in found if any(f.comparable(n) and f.kind == n.kind for n in missing)
            and not any(f.matches(c) for c in claimed)]

