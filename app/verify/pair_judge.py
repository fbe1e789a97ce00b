"""The entailment judgement read from evidence and statement together (a cross-encoder).

The bundled encoder reads `<s> query: evidence </s></s> query: statement </s>` as one text: its
lower layers as they are, its upper layers as a copy fine-tuned on the public inference pairs
(eval/pair_training.py, `make train`); a linear layer over the first token's state and the mean
of all of them gives the probabilities of LABELS. Reading both at once lets every upper layer
compare a word of the statement with the evidence, which the token-level heads
(app/verify/entailment.py), reading each text alone, cannot: on held-out public pairs it gained
most on Japanese captions (JNLI) and across languages (README, "Claim checks"). The checker
averages its probabilities with the heads'.

The file holds the upper layers and the classifier only (float16, named as the encoder's state
dict), checked against the sha256 manifest at load. Its lower layers and word embeddings are the
bundled model's, so it is used only with the encoder it was fitted on (the manifest records that
encoder's fingerprint); with another model the checker keeps the heads alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.numpy import save_file

from app.answer.selector import WEIGHTS_DIR, WeightsError, load_verified
from index.lean_encoder import LeanEncoder

PAIR_FILE = "entailment_pairs.safetensors"
PROMPT = "query: "  # as the heads read both texts
MAX_EVIDENCE_TOKENS = 128  # the statement's own tokens are never cut for the evidence's
MAX_STATEMENT_TOKENS = 64
CLASSIFIER = ("classifier.weight", "classifier.bias")


class OtherEncoder(WeightsError):
    """The fine-tuned layers were fitted on another encoder than the one configured."""


def encoder_fingerprint(model_dir: str) -> str:
    """What the manifest records of the encoder the upper layers were fitted on."""
    from index.embedder import model_fingerprint

    return hashlib.sha256(model_fingerprint(model_dir).encode()).hexdigest()[:16]


def pair_ids(encoder: LeanEncoder, evidence: str, statement: str) -> list[int]:
    """The token ids of the pair as one text, each side cut to its budget."""
    start, end = encoder.tokenizer.token_to_id("<s>"), encoder.tokenizer.token_to_id("</s>")
    first, second = encoder.tokenizer.encode_batch([PROMPT + evidence, PROMPT + statement])
    return [start, *first.ids[1:-1][:MAX_EVIDENCE_TOKENS], end, end,
            *second.ids[1:-1][:MAX_STATEMENT_TOKENS], end]


def classify(states: torch.Tensor, mask: torch.Tensor, weights: dict[str, Any]) -> torch.Tensor:
    """Logits from the last layer's states: the first token's state beside the mean of all."""
    keep = mask.unsqueeze(-1).to(states.dtype)
    mean = (states * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1.0)
    features = torch.cat([states[:, 0], mean], dim=1)
    return torch.nn.functional.linear(features, weights[CLASSIFIER[0]], weights[CLASSIFIER[1]])


def tuned_names(encoder: LeanEncoder, first_tuned: int) -> list[str]:
    """The encoder's tensors the fine-tuned copy replaces: every one of the upper layers."""
    prefixes = tuple(f"encoder.layer.{i}." for i in range(first_tuned, encoder.layers))
    return sorted(name for name in encoder.w if name.startswith(prefixes))


@dataclass(frozen=True)
class PairJudge:
    encoder: LeanEncoder
    weights: dict[str, torch.Tensor]  # the upper layers and the classifier, float32
    first_tuned: int  # the first of the fine-tuned layers
    entail_at: float = 0.5  # thresholds of the checker's combined probabilities (manifest)
    contradict_at: float = 0.5

    def logits(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        enc = self.encoder
        states = enc.run_layers(enc.embed(ids), mask, range(enc.layers), self.weights)
        return classify(states, mask, self.weights)

    def probabilities(self, evidence: list[str], statement: str) -> np.ndarray:
        """[n, 3]: the probability that each evidence text entails/contradicts/says nothing of the
        statement (LABELS order)."""
        return self.pair_probabilities([(e, statement) for e in evidence])

    def pair_probabilities(self, pairs: list[tuple[str, str]], batch: int = 64) -> np.ndarray:
        """[n, 3] for (evidence, statement) pairs, read in batches of similar lengths."""
        rows = [pair_ids(self.encoder, evidence, statement) for evidence, statement in pairs]
        out = np.zeros((len(rows), 3), np.float32)
        with torch.inference_mode():
            for chunk, ids, mask in self.encoder.by_length(rows, batch):
                out[chunk] = torch.softmax(self.logits(ids, mask), dim=1).numpy()
        return out

    @staticmethod
    def save(path: Path, weights: dict[str, torch.Tensor], first_tuned: int) -> None:
        save_file({k: v.detach().numpy().astype(np.float16) for k, v in sorted(weights.items())},
                  str(path), metadata={"first_tuned": str(first_tuned)})

    @classmethod
    def load(cls, encoder: LeanEncoder, model_dir: str, folder: Path = WEIGHTS_DIR) -> PairJudge:
        """The fine-tuned layers for `encoder` (read from `model_dir`); WeightsError if the file
        is missing or corrupt, OtherEncoder if it was fitted on another encoder."""
        tensors, entry = load_verified(PAIR_FILE, folder)
        fitted_on = entry.get("encoder_fingerprint")
        if fitted_on != encoder_fingerprint(model_dir):
            raise OtherEncoder(f"{folder / PAIR_FILE}: fitted on another encoder ({fitted_on}) than "
                               f"{model_dir}; the checker uses the entailment heads alone")
        first = int(entry.get("first_tuned", -1))
        expected = set(tuned_names(encoder, first)) | set(CLASSIFIER) \
            if 0 <= first < encoder.layers else set()
        if not expected or set(tensors) != expected or any(
                tensors[n].shape != tuple(encoder.w[n].shape) for n in expected - set(CLASSIFIER)):
            raise WeightsError(f"{folder / PAIR_FILE}: not fine-tuned layers this code can run; "
                               "rebuild them with `make train`")
        weights = {k: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()}
        return cls(encoder, weights, first, float(entry.get("entail_at", 0.5)),
                   float(entry.get("contradict_at", 0.5)))
