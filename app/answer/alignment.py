"""A small network that reads two texts as the frozen bundled encoder did, token by token.

Decomposable attention (Parikh et al. 2016): both sides' contextual token states are projected,
each token is aligned with the other side by attention and compared with what it aligned to, and
the comparisons are pooled (mean and max) and classified together with a few standardized
features of the pair. The encoder's states are multilingual, so a Japanese text aligns with an
English one too. Two heads use it: the answer reranker (question and sentence,
`app/answer/reranker.py`) and the claim checker's entailment judgement (evidence and claim,
`app/verify/entailment.py`).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import torch

from ingest.lang import detect_lang


class AlignmentHead(torch.nn.Module):
    """Logits [batch, outputs] for pairs of texts (A, B) given as padded token states."""

    def __init__(self, hidden: int, width: int, pair_width: int, outputs: int) -> None:
        super().__init__()
        self.project = torch.nn.Linear(hidden, width)
        self.compare = torch.nn.Sequential(torch.nn.Linear(4 * width, width), torch.nn.ReLU(),
                                           torch.nn.Dropout(0.1), torch.nn.Linear(width, width),
                                           torch.nn.ReLU())
        self.classify = torch.nn.Sequential(torch.nn.Linear(4 * width + pair_width, width),
                                            torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                            torch.nn.Linear(width, outputs))
        self.dropout = torch.nn.Dropout(0.1)

    @property
    def pair_width(self) -> int:
        return self.classify[0].in_features - 4 * self.project.out_features

    @property
    def outputs(self) -> int:
        return self.classify[-1].out_features

    def _side(self, x: torch.Tensor, mask: torch.Tensor, other: torch.Tensor, other_mask: torch.Tensor,
              scores: torch.Tensor) -> torch.Tensor:
        weights = scores.masked_fill(~other_mask[:, None, :], -1e4).softmax(-1)
        aligned = weights @ other
        compared = self.compare(torch.cat([x, aligned, x - aligned, x * aligned], -1))
        mean = (compared * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        peak = compared.masked_fill(~mask[..., None], -1e4).max(1).values
        return torch.cat([mean, peak], -1)

    def forward(self, first: torch.Tensor, first_mask: torch.Tensor, second: torch.Tensor,
                second_mask: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """Logits [batch, outputs] from padded token states [batch, tokens, hidden] with their
        masks, and standardized pair features [batch, pair_width]."""
        a, b = self.dropout(self.project(first)), self.dropout(self.project(second))
        scores = a @ b.transpose(1, 2) / a.shape[-1] ** 0.5
        return self.classify(torch.cat([self._side(a, first_mask, b, second_mask, scores),
                                        self._side(b, second_mask, a, first_mask,
                                                   scores.transpose(1, 2)), pairs], -1))

    def named_tensors(self, prefix: str = "head.") -> dict[str, np.ndarray]:
        """The state dict under `prefix`, as NumPy arrays (what `of_tensors` reads back)."""
        return {f"{prefix}{k}": v.detach().numpy() for k, v in self.state_dict().items()}

    @classmethod
    def of_tensors(cls, tensors: dict[str, np.ndarray], prefix: str = "head.") -> AlignmentHead:
        """The head whose state dict is stored under `prefix` (in eval mode); KeyError,
        ValueError or RuntimeError when the tensors are not such a head."""
        width, hidden = tensors[f"{prefix}project.weight"].shape
        pair_width = tensors[f"{prefix}classify.0.weight"].shape[1] - 4 * width
        outputs = tensors[f"{prefix}classify.3.weight"].shape[0]
        head = cls(hidden, width, pair_width, outputs)
        head.load_state_dict({k[len(prefix):]: torch.from_numpy(np.asarray(v)) for k, v in tensors.items()
                              if k.startswith(prefix)})
        return head.eval()


def padded(states: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token states of several texts as one zero-padded tensor and its mask."""
    tensors = [torch.from_numpy(np.asarray(s, np.float32)) for s in states]
    mask = [torch.ones(len(t), dtype=torch.bool) for t in tensors]
    return (torch.nn.utils.rnn.pad_sequence(tensors, batch_first=True),
            torch.nn.utils.rnn.pad_sequence(mask, batch_first=True))


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def shared_bigrams(first: str, second: str) -> float:
    """The share of the first text's character pairs that the second has."""
    a = _bigrams(first)
    return len(a & _bigrams(second)) / len(a) if a else 0.0


def lexical_features(first: str, second: str) -> list[float]:
    """What the words say, in any script: the share of the second text's character pairs the
    first has and the reverse, the length ratio, and whether both are in one language (when they
    are not, shared characters are only names and numbers)."""
    p, c = _bigrams(first), _bigrams(second)
    shared = len(p & c)
    same = float(detect_lang(first) == detect_lang(second))
    return [shared / len(c) if c else 0.0, shared / len(p) if p else 0.0,
            float(np.log((len(second) + 1) / (len(first) + 1))), same]
