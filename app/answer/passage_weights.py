"""Saves and loads the learned passage ranker (`index.passage_ranker`) in the checked weights folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from app.answer.selector import WEIGHTS_DIR, WeightsError, load_verified, write_manifest_entry
from index.passage_ranker import PASSAGE_FEATURES, PassageRanker

PASSAGE_RANKER_FILE = "passages.safetensors"


def load_passage_ranker(folder: Path = WEIGHTS_DIR) -> PassageRanker:
    tensors, entry = load_verified(PASSAGE_RANKER_FILE, folder)
    fix = (f"{folder / PASSAGE_RANKER_FILE}: not a passage ranker this code can run; "
           "rebuild it with `make train`")
    if entry.get("features") != list(PASSAGE_FEATURES):
        raise WeightsError(fix)
    try:
        return PassageRanker.of_tensors(tensors, entry["sha256"][:16])
    except (KeyError, ValueError, IndexError):
        raise WeightsError(fix) from None


def save_passage_ranker(ranker: PassageRanker, info: dict, folder: Path = WEIGHTS_DIR) -> Path:
    path = folder / PASSAGE_RANKER_FILE
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in ranker.tensors().items()}, str(path))
    write_manifest_entry(PASSAGE_RANKER_FILE, {"features": list(PASSAGE_FEATURES), **info}, folder)
    return path
