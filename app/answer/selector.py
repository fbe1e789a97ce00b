"""The learned answer selector: the probability that a candidate sentence answers the question.

A small network over the language-neutral features of `app.answer.evidence.FEATURES`, trained by
`make train` on public Japanese and English reading-comprehension data (eval/training.py). Its
weights are a safetensors file (never pickle) checked against a sha256 manifest at load; the
network runs in NumPy, so scoring a few dozen sentences costs microseconds.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from app.answer.evidence import FEATURES

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
SELECTOR_FILE = "selector.safetensors"
MANIFEST_FILE = "manifest.json"


class WeightsError(RuntimeError):
    """Learned weights that are missing, corrupt or made for other features."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(folder: Path = WEIGHTS_DIR) -> dict[str, dict]:
    path = folder / MANIFEST_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise WeightsError(f"{path}: cannot read the weights manifest ({err}); "
                           "restore it with `git checkout app/weights` or `make train`") from None


def write_manifest_entry(name: str, info: dict, folder: Path = WEIGHTS_DIR) -> None:
    path = folder / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    manifest[name] = {**info, "sha256": sha256_of(folder / name)}
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")


def load_verified(name: str, folder: Path = WEIGHTS_DIR) -> tuple[dict[str, np.ndarray], dict]:
    """The tensors of a weights file whose sha256 matches the manifest, and its manifest entry."""
    path = folder / name
    entry = read_manifest(folder).get(name)
    fix = "restore it with `git checkout app/weights` or rebuild it with `make train`"
    if entry is None:
        raise WeightsError(f"{path}: not listed in {MANIFEST_FILE}; {fix}")
    if not path.is_file():
        raise WeightsError(f"{path}: learned weights missing; {fix}")
    if sha256_of(path) != entry["sha256"]:
        raise WeightsError(f"{path}: sha256 differs from {MANIFEST_FILE} (corrupt or replaced); {fix}")
    try:
        return load_file(str(path)), entry
    except (SafetensorError, OSError, ValueError) as err:
        raise WeightsError(f"{path}: unreadable weights ({err}); {fix}") from None


def member_prefixes(tensors: dict[str, np.ndarray], first: str) -> list[str]:
    """The key prefixes of the networks of an ensemble stored in one file: `first` for the first,
    then "net1.", "net2.", ... in number order."""
    numbers = {int(m.group(1)) for key in tensors if (m := re.match(r"net(\d+)\.", key))}
    return [first, *(f"net{n}." for n in sorted(numbers))]


def _network(x: np.ndarray, layers: tuple[tuple[np.ndarray, np.ndarray], ...]) -> np.ndarray:
    for i, (weight, bias) in enumerate(layers):
        x = x @ weight + bias
        if i < len(layers) - 1:
            x = np.tanh(x)
    return 1 / (1 + np.exp(-np.clip(x[..., 0], -30, 30)))


@dataclass(frozen=True)
class AnswerSelector:
    """Standardise the inputs, then dense layers with tanh between them, then a sigmoid.

    The inputs are a candidate's FEATURES and, the same for every candidate of a question, a few
    components of the question's embedding (its language's mean question removed, projected on
    the principal directions of the training questions): what kind of answer the question wants
    is learned from them rather than written as rules.
    """

    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weight [in, out], bias [out])
    question_basis: np.ndarray | None = None  # [embedding, components]
    question_means: dict[str, np.ndarray] | None = None  # per language
    fingerprint: str = ""
    # More networks like `layers`, fitted from other seeds: the probability is their mean, which
    # steadies what one fit's luck decides (one seed to the next moved P@1 by 1-2 points).
    others: tuple[tuple[tuple[np.ndarray, np.ndarray], ...], ...] = ()

    @property
    def question_components(self) -> int:
        return 0 if self.question_basis is None else self.question_basis.shape[1]

    def question_features(self, vectors: np.ndarray, langs: list[str]) -> np.ndarray:
        """[questions, components]: each question's embedding, its language's mean removed."""
        if self.question_basis is None or self.question_means is None:
            return np.zeros((len(langs), 0), np.float32)
        fallback = np.mean(list(self.question_means.values()), axis=0)
        means = np.stack([self.question_means.get(lang, fallback) for lang in langs])
        return (np.asarray(vectors, np.float32).reshape(len(langs), -1) - means) @ self.question_basis

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        x = (np.asarray(inputs, dtype=np.float32) - self.mean) / self.scale
        return np.mean([_network(x, layers) for layers in (self.layers, *self.others)], axis=0)

    def probabilities(self, features: np.ndarray, vector: np.ndarray | None = None,
                      lang: str = "en") -> np.ndarray:
        """The probability that each candidate (rows of FEATURES) answers the question."""
        features = np.asarray(features, dtype=np.float32)
        if self.question_components:
            if vector is None:
                raise ValueError("this selector reads the question's embedding")
            question = self.question_features(vector[None, :], [lang])
            features = np.hstack([features, np.repeat(question, len(features), axis=0)])
        return self.forward(features)

    def tensors(self) -> dict[str, np.ndarray]:
        out = {"mean": self.mean, "scale": self.scale}
        for k, layers in enumerate((self.layers, *self.others)):
            prefix = f"net{k}." if k else ""
            for i, (weight, bias) in enumerate(layers):
                out[f"{prefix}layer{i}.weight"], out[f"{prefix}layer{i}.bias"] = weight, bias
        if self.question_basis is not None and self.question_means is not None:
            out["question.basis"] = self.question_basis
            out.update({f"question.mean.{lang}": v for lang, v in self.question_means.items()})
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}

    def save(self, path: Path) -> None:
        save_file(self.tensors(), str(path), metadata={"features": json.dumps(list(FEATURES))})

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], fingerprint: str = "") -> AnswerSelector:
        def layers_of(prefix: str) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
            count = sum(1 for k in tensors if k.startswith(f"{prefix}layer") and k.endswith(".weight"))
            return tuple((tensors[f"{prefix}layer{i}.weight"], tensors[f"{prefix}layer{i}.bias"])
                         for i in range(count))

        layers, *others = (layers_of(prefix) for prefix in member_prefixes(tensors, ""))
        basis = tensors.get("question.basis")
        means = {k.rsplit(".", 1)[1]: v for k, v in tensors.items() if k.startswith("question.mean.")}
        inputs = len(FEATURES) + (0 if basis is None else basis.shape[1])
        if not layers or tensors["mean"].shape != (inputs,) or layers[0][0].shape[0] != inputs:
            raise WeightsError(f"the selector's weights expect other features than the "
                               f"{len(FEATURES)} this code computes; rebuild them with `make train`")
        if any(len(net) != len(layers) or not net or net[0][0].shape != layers[0][0].shape
               for net in others):
            raise WeightsError("the selector's networks differ in shape; rebuild them with `make train`")
        return cls(tensors["mean"], tensors["scale"], layers, basis, means or None, fingerprint,
                   tuple(others))

    @classmethod
    def load(cls, folder: Path = WEIGHTS_DIR) -> AnswerSelector:
        tensors, entry = load_verified(SELECTOR_FILE, folder)
        if entry.get("features") != list(FEATURES):
            raise WeightsError(f"{folder / SELECTOR_FILE}: trained on features {entry.get('features')}, "
                               "not the ones this code computes; rebuild them with `make train`")
        return cls.from_tensors(tensors, entry["sha256"][:16])
