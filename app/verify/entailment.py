"""The learned entailment judgement: does a premise entail, contradict or say nothing of a claim.

A small network over what the FROZEN bundled encoder makes of premise and claim (the `query: `
prompt for both): their contextual token states, aligned word by word in both directions by
attention and compared (decomposable attention, Parikh et al. 2016), so that a "not", another
name or a changed quantifier is seen where it stands; beside that the cosine of their sentence
embeddings, counts of negation words and what the characters they share say. The
encoder's states are multilingual, so an English premise aligns with a Japanese claim too.
Trained by `make train` on public Japanese and English inference data in all four language
pairs (eval/entailment_training.py); measured against the sentence-embedding head it replaced:
README, "Claim checks". Three such heads from three seeds are averaged; the checker's confidence
is what every head is sure of (their minimum), since they disagree most on what none was trained
on. The weights are a safetensors file checked against the sha256 manifest
at load, like the answer selector's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

from app.answer.alignment import AlignmentHead, lexical_features, padded
from app.answer.selector import WEIGHTS_DIR, WeightsError, load_verified, member_prefixes
from index.embedder import TokenStates

ENTAILMENT_FILE = "entailment.safetensors"
LABELS: tuple[str, ...] = ("entailment", "contradiction", "neutral")

# Words that turn a statement around. Japanese negation is an ending (〜ない, 〜ず, 〜ません);
# 少ない ("few"), 違いない ("surely") and 比類のない ("unmatched") only look like one.
_NEG_EN = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n't\b",
                     re.IGNORECASE)
_NEG_JA = re.compile(r"(?<![少危幼の])(?<!違い)ない|(?<![まわ必])ず(?=[、。にとも]|$)|ません|なかっ|"
                     r"無い|ぬ[。、]|一人も|一つも|どれも|決して|非[^常]")
# "Not only ... but also" and 「だけでなく」 add, they do not deny; 「2000人に届かず」 and
# 「半数に満たない」 compare ("fewer than"), as "does not exceed" does.
_NOT_NEGATION = re.compile(r"\bnot (?:only|just|merely)\b|(?:だけ|のみ|ばかり)で(?:は)?なく|のみならず"
                           r"|に(?:届か|満た|達し|及ば)(?:ず|ない|なかっ)|\b(?:do|does|did)(?:n't| not) "
                           r"(?:exceed|reach)\b",
                           re.IGNORECASE)


def negations(text: str) -> int:
    """How many negations a text has, in English or Japanese."""
    text = _NOT_NEGATION.sub(" ", text)
    return len(_NEG_EN.findall(text)) + len(_NEG_JA.findall(text))


def pair_features(premises: np.ndarray, claims: np.ndarray, neg_premise: np.ndarray,
                  neg_claim: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """[cosine of u and v, negation counts, lexical features] for premise vectors u and claim
    vectors v. (The vectors themselves, [u, v, |u-v|, u*v], were measured as inputs too: beside
    the token alignment they lost 1-6 points on every tuning slice.)"""
    neg_p = np.minimum(neg_premise, 3).astype(np.float32)[:, None]
    neg_c = np.minimum(neg_claim, 3).astype(np.float32)[:, None]
    flipped = ((neg_p > 0) != (neg_c > 0)).astype(np.float32)
    cosine = np.sum(np.asarray(premises, np.float32) * np.asarray(claims, np.float32), axis=1, keepdims=True)
    lexical = np.asarray(lexical, np.float32).reshape(len(premises), -1)
    return np.concatenate([cosine, neg_p, neg_c, flipped, lexical], axis=1).astype(np.float32)


def pair_inputs(premises: list[TokenStates], premise_texts: list[str], claims: list[TokenStates],
                claim_texts: list[str]) -> np.ndarray:
    """`pair_features` of premise/claim pairs read by the encoder."""
    return pair_features(np.stack([p.vector for p in premises]), np.stack([c.vector for c in claims]),
                         np.array([negations(t) for t in premise_texts]),
                         np.array([negations(t) for t in claim_texts]),
                         np.array([lexical_features(p, c) for p, c in zip(premise_texts, claim_texts)],
                                  np.float32))


def combined(heads_mean: np.ndarray, heads_min: np.ndarray,
             pair: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The judgement ([n, 3], LABELS order) and what every judge is sure of, from the heads' mean
    and minimum and, where it runs, the pair judge's probabilities (app/verify/pair_judge.py):
    the pair judge weighs as much as the heads together (on the tuning pairs their mean beat the
    heads alone in four groups of five, and the pair judge alone in the three weakest: README,
    "Claim checks")."""
    if pair is None:
        return heads_mean, heads_min
    return (heads_mean + pair) / 2, np.minimum(heads_min, pair)


@dataclass(frozen=True)
class EntailmentModel:
    head: AlignmentHead
    mean: np.ndarray  # of the pair features, on the training pairs
    scale: np.ndarray
    entail_at: float = 0.5  # probabilities that count as confident (chosen on the tune split)
    contradict_at: float = 0.5
    # More heads of the same shape from other seeds; their probabilities are averaged (one seed
    # to the next moved held-out accuracy by 1-3 points in a language pair).
    others: tuple[AlignmentHead, ...] = ()

    @property
    def heads(self) -> tuple[AlignmentHead, ...]:
        return (self.head, *self.others)

    def logits_of(self, premises: list[TokenStates], claims: list[TokenStates],
                  pair_features: np.ndarray, head: AlignmentHead | None = None) -> torch.Tensor:
        """One head's logits (the first by default) for pairs whose `pair_inputs` are computed."""
        pairs = (pair_features - self.mean) / self.scale
        a, a_mask = padded([p.tokens for p in premises])
        b, b_mask = padded([c.tokens for c in claims])
        return (head or self.head)(a, a_mask, b, b_mask, torch.from_numpy(pairs.astype(np.float32)))

    def per_head(self, premises: list[TokenStates], claims: list[TokenStates],
                 pair_features: np.ndarray) -> np.ndarray:
        """[heads, n, 3] probabilities (LABELS order), a slice per head."""
        with torch.inference_mode():  # the heads are in eval mode from load (or training) on
            return np.stack([torch.softmax(self.logits_of(premises, claims, pair_features, head),
                                           dim=1).numpy() for head in self.heads])

    def head_probabilities(self, premises: list[TokenStates], premise_texts: list[str], claim: TokenStates,
                           claim_text: str) -> np.ndarray:
        """[heads, n, 3]: each head's probabilities that each premise entails/contradicts the claim.
        Their mean is the judgement; their minimum, what every head is sure of, is what the
        confidence thresholds are set on (the heads disagree most on what none was trained on)."""
        claims, claim_texts = [claim] * len(premises), [claim_text] * len(premises)
        return self.per_head(premises, claims, pair_inputs(premises, premise_texts, claims, claim_texts))

    def probabilities(self, premises: list[TokenStates], premise_texts: list[str], claim: TokenStates,
                      claim_text: str) -> np.ndarray:
        """[n, 3]: the heads' mean probabilities."""
        return self.head_probabilities(premises, premise_texts, claim, claim_text).mean(axis=0)

    def tensors(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k, head in enumerate(self.heads):
            out.update(head.named_tensors(f"net{k}." if k else "head."))
        return {**out, "mean": self.mean, "scale": self.scale}

    def save(self, path: Path) -> None:
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in self.tensors().items()},
                  str(path), metadata={"labels": ",".join(LABELS)})

    @classmethod
    def load(cls, folder: Path = WEIGHTS_DIR) -> EntailmentModel:
        tensors, entry = load_verified(ENTAILMENT_FILE, folder)
        fix = (f"{folder / ENTAILMENT_FILE}: not an entailment head this code can run; "
               "rebuild it with `make train`")
        try:
            heads = [AlignmentHead.of_tensors(tensors, prefix)
                     for prefix in member_prefixes(tensors, "head.")]
        except (KeyError, ValueError, RuntimeError):
            raise WeightsError(fix) from None
        if any(h.outputs != len(LABELS) or tensors["mean"].shape != (h.pair_width,) for h in heads):
            raise WeightsError(fix)
        return cls(heads[0], tensors["mean"], tensors["scale"], float(entry.get("entail_at", 0.5)),
                   float(entry.get("contradict_at", 0.5)), tuple(heads[1:]))
