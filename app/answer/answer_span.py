"""The learned answer locator: which words of a sentence answer the question.

A long sentence is quoted in part (`Composer.trim`); the part must keep the answer. The locator
reads the question and the sentence as the frozen bundled encoder did, token by token (the
states the reranker has already read), aligns each sentence token with the question by attention,
looks at its neighbours, and spreads one unit of probability over the sentence's tokens: how likely
each is to be part of the answer (an answer is usually what sits next to the question's words
without being one of them). The tokens compete, as a softmax: scored one by one (a sigmoid each),
the chosen run of a long tuning sentence kept the answer less often (0.814 against 0.874). Trained by
`make train` on the public questions' gold sentences, whose answer strings mark the tokens
(eval/span_training.py); weights in safetensors, checked against the sha256 manifest at load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

from app.answer.alignment import padded
from app.answer.selector import WEIGHTS_DIR, WeightsError, load_verified
from index.embedder import TokenStates

SPAN_FILE = "answer_span.safetensors"


class SpanNetwork(torch.nn.Module):
    """Logits [batch, sentence tokens]: where in the sentence the answer lies (padding at -1e4)."""

    def __init__(self, hidden: int = 384, width: int = 64, reach: int = 5) -> None:
        super().__init__()
        self.project = torch.nn.Linear(hidden, width)
        self.mix = torch.nn.Sequential(torch.nn.Linear(3 * width + 1, width), torch.nn.Tanh())
        self.context = torch.nn.Conv1d(width, width, reach, padding=reach // 2)
        self.out = torch.nn.Linear(2 * width, 1)

    def forward(self, question: torch.Tensor, question_mask: torch.Tensor, sentence: torch.Tensor,
                sentence_mask: torch.Tensor) -> torch.Tensor:
        q, s = self.project(question), self.project(sentence)
        scores = (s @ q.transpose(1, 2) / q.shape[-1] ** 0.5).masked_fill(~question_mask[:, None, :], -1e4)
        aligned = scores.softmax(-1) @ q
        # How nearly each sentence token is one of the question's (in the encoder's own space).
        unit_s = torch.nn.functional.normalize(sentence, dim=-1)
        unit_q = torch.nn.functional.normalize(question, dim=-1)
        match = (unit_s @ unit_q.transpose(1, 2)).masked_fill(~question_mask[:, None, :], -1.0)
        h = self.mix(torch.cat([s, aligned, s * aligned, match.max(-1).values[..., None]], -1))
        h = h * sentence_mask[..., None]
        around = torch.tanh(self.context(h.transpose(1, 2))).transpose(1, 2)
        return self.out(torch.cat([h, around], -1))[..., 0].masked_fill(~sentence_mask, -1e4)

    def named_tensors(self) -> dict[str, np.ndarray]:
        return {k: v.detach().numpy() for k, v in self.state_dict().items()}

    @classmethod
    def of_tensors(cls, tensors: dict[str, np.ndarray]) -> SpanNetwork:
        width, hidden = tensors["project.weight"].shape
        reach = tensors["context.weight"].shape[-1]
        network = cls(hidden, width, reach)
        network.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in tensors.items()})
        return network.eval()


@dataclass(frozen=True)
class AnswerLocator:
    network: SpanNetwork
    fingerprint: str = ""

    def token_probabilities(self, question: TokenStates, sentences: list[TokenStates]) -> list[np.ndarray]:
        """For each sentence, how its answer's probability spreads over its tokens (summing to 1)."""
        if not sentences:
            return []
        a, a_mask = padded([question.tokens] * len(sentences))
        b, b_mask = padded([s.tokens for s in sentences])
        with torch.inference_mode():
            p = torch.softmax(self.network(a, a_mask, b, b_mask), -1).numpy()
        return [p[i, :len(s.tokens)] for i, s in enumerate(sentences)]

    def save(self, path: Path) -> None:
        tensors = self.network.named_tensors()
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}, str(path))

    @classmethod
    def load(cls, folder: Path = WEIGHTS_DIR) -> AnswerLocator:
        tensors, entry = load_verified(SPAN_FILE, folder)
        try:
            network = SpanNetwork.of_tensors(tensors)
        except (KeyError, ValueError, RuntimeError, IndexError):
            raise WeightsError(f"{folder / SPAN_FILE}: not an answer locator this code can run; "
                               "rebuild it with `make train`") from None
        return cls(network, entry["sha256"][:16])


def answer_weight(probabilities: np.ndarray, spans: list[tuple[int, int]], start: int, end: int) -> float:
    """The answer probability of the tokens lying within characters [start, end) of the sentence."""
    return float(sum(p for p, (a, b) in zip(probabilities, spans) if b > a and start <= a and b <= end))
