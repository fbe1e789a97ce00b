"""The learned answer selector: the probability that a candidate sentence answers the question.

A small network over the language-neutral features of `app.evidence.FEATURES`, trained by
`make train` on public Japanese and English reading-comprehension data (eval/training.py). Its
weights are a safetensors file (never pickle) checked against a sha256 manifest at load; the
network runs in NumPy, so scoring a few dozen sentences costs microseconds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from app.evidence import FEATURES

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
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


@dataclass(frozen=True)
class AnswerSelector:
    """Standardise the features, then dense layers with tanh between them, then a sigmoid."""

    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weight [in, out], bias [out])
    fingerprint: str = ""

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        x = (np.asarray(features, dtype=np.float32) - self.mean) / self.scale
        for i, (weight, bias) in enumerate(self.layers):
            x = x @ weight + bias
            if i < len(self.layers) - 1:
                x = np.tanh(x)
        return 1 / (1 + np.exp(-np.clip(x[..., 0], -30, 30)))

    def tensors(self) -> dict[str, np.ndarray]:
        out = {"mean": self.mean, "scale": self.scale}
        for i, (weight, bias) in enumerate(self.layers):
            out[f"layer{i}.weight"], out[f"layer{i}.bias"] = weight, bias
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}

    def save(self, path: Path) -> None:
        save_file(self.tensors(), str(path), metadata={"features": json.dumps(list(FEATURES))})

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], fingerprint: str = "") -> AnswerSelector:
        count = sum(1 for k in tensors if k.endswith(".weight"))
        layers = tuple((tensors[f"layer{i}.weight"], tensors[f"layer{i}.bias"]) for i in range(count))
        if not layers or tensors["mean"].shape != (len(FEATURES),) or layers[0][0].shape[0] != len(FEATURES):
            raise WeightsError(f"the selector's weights expect other features than the "
                               f"{len(FEATURES)} this code computes; rebuild them with `make train`")
        return cls(tensors["mean"], tensors["scale"], layers, fingerprint)

    @classmethod
    def load(cls, folder: Path = WEIGHTS_DIR) -> AnswerSelector:
        tensors, entry = load_verified(SELECTOR_FILE, folder)
        if entry.get("features") != list(FEATURES):
            raise WeightsError(f"{folder / SELECTOR_FILE}: trained on features {entry.get('features')}, "
                               "not the ones this code computes; rebuild them with `make train`")
        return cls.from_tensors(tensors, entry["sha256"][:16])
