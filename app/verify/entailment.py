"""The learned entailment judgement: does a premise entail, contradict or say nothing of a claim.

A small network over the FROZEN bundled encoder's sentence embeddings (the `query: ` prompt for
premise and claim alike): [u, v, |u-v|, u*v], a few counts of negation words and what the
characters they share say, then two dense layers. (Subtracting each language's centroid from
the vectors was measured too: it lost 1-4 points in most language pairs.) Trained by `make train`
on public Japanese and English inference data in all four language pairs
(eval/entailment_training.py). The weights are a safetensors file checked against the sha256
manifest at load, like the answer selector's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from app.answer.selector import WEIGHTS_DIR, WeightsError, load_verified
from ingest.lang import detect_lang

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


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def lexical_features(premise: str, claim: str) -> list[float]:
    """What the words say, in any script: the share of the claim's character pairs the premise
    has and the reverse, the length ratio, and whether both are in one language (when they are
    not, shared characters are only names and numbers)."""
    p, c = _bigrams(premise), _bigrams(claim)
    shared = len(p & c)
    same = float(detect_lang(premise) == detect_lang(claim))
    return [shared / len(c) if c else 0.0, shared / len(p) if p else 0.0,
            float(np.log((len(claim) + 1) / (len(premise) + 1))), same]


def pair_features(premises: np.ndarray, claims: np.ndarray, neg_premise: np.ndarray,
                  neg_claim: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """[u, v, |u-v|, u*v, negation counts, lexical features] for premise vectors u and claim
    vectors v."""
    neg_p = np.minimum(neg_premise, 3).astype(np.float32)[:, None]
    neg_c = np.minimum(neg_claim, 3).astype(np.float32)[:, None]
    flipped = ((neg_p > 0) != (neg_c > 0)).astype(np.float32)
    return np.concatenate([premises, claims, np.abs(premises - claims), premises * claims,
                           neg_p, neg_c, flipped, np.asarray(lexical, np.float32).reshape(len(premises), -1)],
                          axis=1).astype(np.float32)


@dataclass(frozen=True)
class EntailmentModel:
    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weight [in, out], bias [out])
    entail_at: float = 0.5  # probabilities that count as confident (chosen on the tune split)
    contradict_at: float = 0.5

    def probabilities(self, premises: np.ndarray, premise_texts: list[str], claim: np.ndarray,
                      claim_text: str) -> np.ndarray:
        """[n, 3] probabilities (LABELS order) that each premise entails/contradicts the claim."""
        n = len(premises)
        u = np.asarray(premises, np.float32)
        v = np.repeat(np.asarray(claim, np.float32)[None], n, axis=0)
        return self.forward(pair_features(
            u, v, np.array([negations(t) for t in premise_texts]), np.full(n, negations(claim_text)),
            np.array([lexical_features(t, claim_text) for t in premise_texts], np.float32)))

    def forward(self, features: np.ndarray) -> np.ndarray:
        # Through torch, on the threads the service set for queries: NumPy's BLAS would start
        # threads of its own for the wide first layer, and on two shared cores they wait on
        # torch's (measured: 30 ms a check instead of 0.1 ms).
        import torch

        with torch.no_grad():
            x = (torch.from_numpy(np.asarray(features, np.float32)) - torch.from_numpy(self.mean)) \
                / torch.from_numpy(self.scale)
            for i, (weight, bias) in enumerate(self.layers):
                x = x @ torch.from_numpy(weight) + torch.from_numpy(bias)
                if i < len(self.layers) - 1:
                    x = torch.relu(x)
            return torch.softmax(x, dim=1).numpy()

    def save(self, path: Path) -> None:
        tensors = {"mean": self.mean, "scale": self.scale}
        for i, (weight, bias) in enumerate(self.layers):
            tensors[f"layer{i}.weight"], tensors[f"layer{i}.bias"] = weight, bias
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()},
                  str(path), metadata={"labels": ",".join(LABELS)})

    @classmethod
    def load(cls, folder: Path = WEIGHTS_DIR) -> EntailmentModel:
        tensors, entry = load_verified(ENTAILMENT_FILE, folder)
        count = sum(1 for k in tensors if k.startswith("layer") and k.endswith(".weight"))
        layers = tuple((tensors[f"layer{i}.weight"], tensors[f"layer{i}.bias"]) for i in range(count))
        if not layers or layers[-1][0].shape[1] != len(LABELS) or "mean" not in tensors \
                or layers[0][0].shape[0] != tensors["mean"].shape[0]:
            raise WeightsError(f"{folder / ENTAILMENT_FILE}: not an entailment head this code can "
                               "run; rebuild it with `make train`")
        return cls(tensors["mean"], tensors["scale"], layers,
                   float(entry.get("entail_at", 0.5)), float(entry.get("contradict_at", 0.5)))
