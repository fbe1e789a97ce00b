"""The learned answer reranker: how well a sentence answers a question, read token by token.

The selector (`app/answer/selector.py`) ranks every candidate sentence from cheap features and
the sentence embeddings; the reranker reads its first few again as the frozen bundled encoder
sees them, question and sentence token by token (`app/answer/alignment.py`), so that what the
question asks for is matched with what the sentence says, in either language. A small combiner
fitted on the public tuning split turns the selector's probability and the reranker's score into
the probability that the sentence answers, which orders the answer and decides abstention.
Trained by `make train` on public Japanese and English reading-comprehension data
(eval/rerank_training.py). The weights are a safetensors file checked against the sha256
manifest at load, like the selector's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

from app.answer.alignment import AlignmentHead, lexical_features, padded
from app.answer.selector import WEIGHTS_DIR, WeightsError, load_verified
from index.embedder import TokenStates

RERANKER_FILE = "reranker.safetensors"


def rerank_inputs(question: TokenStates, question_text: str, sentences: list[TokenStates],
                  texts: list[str]) -> np.ndarray:
    """[sentences, 5]: the cosine of the question's and the sentence's embeddings, and the
    characters they share (`lexical_features`)."""
    cosine = np.stack([s.vector for s in sentences]).astype(np.float32) @ question.vector.astype(np.float32)
    lexical = np.array([lexical_features(text, question_text) for text in texts], np.float32)
    return np.hstack([cosine[:, None], lexical.reshape(len(texts), -1)]).astype(np.float32)


@dataclass(frozen=True)
class Combiner:
    """P(answers) = sigmoid(w · [logit of the selector's probability, reranker score, reranker
    score minus the best among the question's candidates] + b), fitted on the tuning split."""

    weights: np.ndarray  # [3]
    bias: float

    def probabilities(self, selector: np.ndarray, scores: np.ndarray) -> np.ndarray:
        z = combiner_inputs(selector, scores) @ self.weights + self.bias
        return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def combiner_inputs(selector: np.ndarray, scores: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(selector, np.float64), 1e-6, 1 - 1e-6)
    scores = np.asarray(scores, np.float64)
    return np.stack([np.log(p / (1 - p)), scores, scores - scores.max()], axis=1)


@dataclass(frozen=True)
class SentenceReranker:
    head: AlignmentHead
    mean: np.ndarray  # of `rerank_inputs`, on the training pairs
    scale: np.ndarray
    combiner: Combiner
    fingerprint: str = ""

    def logits_of(self, questions: list[TokenStates], sentences: list[TokenStates],
                  features: np.ndarray) -> torch.Tensor:
        """[pairs] scores of question/sentence pairs whose `rerank_inputs` are computed."""
        pairs = (features - self.mean) / self.scale
        a, a_mask = padded([q.tokens for q in questions])
        b, b_mask = padded([s.tokens for s in sentences])
        return self.head(a, a_mask, b, b_mask, torch.from_numpy(pairs.astype(np.float32)))[:, 0]

    def scores(self, question: TokenStates, question_text: str, sentences: list[TokenStates],
               texts: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0, np.float32)
        features = rerank_inputs(question, question_text, sentences, texts)
        with torch.inference_mode():  # the head is in eval mode from load (or training) on
            return self.logits_of([question] * len(sentences), sentences, features).numpy()

    def tensors(self) -> dict[str, np.ndarray]:
        out = self.head.named_tensors()
        return {**out, "mean": self.mean, "scale": self.scale,
                "combiner.weights": self.combiner.weights,
                "combiner.bias": np.array([self.combiner.bias])}

    def save(self, path: Path) -> None:
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in self.tensors().items()},
                  str(path))

    @classmethod
    def load(cls, folder: Path = WEIGHTS_DIR) -> SentenceReranker:
        tensors, entry = load_verified(RERANKER_FILE, folder)
        fix = (f"{folder / RERANKER_FILE}: not an answer reranker this code can run; "
               "rebuild it with `make train`")
        try:
            head = AlignmentHead.of_tensors(tensors)
            combiner = Combiner(tensors["combiner.weights"].astype(np.float64),
                                float(tensors["combiner.bias"][0]))
        except (KeyError, ValueError, RuntimeError, IndexError):
            raise WeightsError(fix) from None
        if head.outputs != 1 or tensors["mean"].shape != (head.pair_width,) or combiner.weights.shape != (3,):
            raise WeightsError(fix)
        return cls(head, tensors["mean"], tensors["scale"], combiner, entry["sha256"][:16])
