"""The plain-torch BERT encoder gives sentence-transformers' vectors, without importing it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.lean_encoder import LeanEncoder, supports


@pytest.mark.integration
def test_same_vectors_as_sentence_transformers(service) -> None:
    from sentence_transformers import SentenceTransformer

    folder = service.embedder.model
    assert supports(folder) and service.embedder.engine == "lean"
    long_text = (service.sources[sorted(service.sources)[0]] * 2)[:6000]  # past 512 tokens
    texts = ["query: What is the aim of the ITER project?", "query: 理研の海外事務所はどこ？",
             "passage: x", "passage: " + long_text,
             "passage: 日本は国際宇宙ステーションで「きぼう」を運用している。"]
    reference = SentenceTransformer(folder, device="cpu").encode(
        texts, batch_size=2, normalize_embeddings=True, convert_to_numpy=True)
    ours = LeanEncoder(folder).encode(texts, batch_size=2)
    assert ours.shape == reference.shape and ours.dtype == np.float32
    assert np.abs(ours - reference).max() < 1e-5
    alone = LeanEncoder(folder).encode(["passage: x"])[0]  # batch padding changes nothing
    assert np.abs(ours[2] - alone).max() < 1e-6


def test_other_folders_are_left_to_sentence_transformers(service, tmp_path: Path) -> None:
    assert not supports(tmp_path)
    copy = tmp_path / "model"
    source = Path(service.embedder.model)
    copy.mkdir()
    for name in ("modules.json", "config.json", "sentence_bert_config.json"):
        shutil.copy(source / name, copy / name)
    shutil.copytree(source / "1_Pooling", copy / "1_Pooling")
    assert not supports(copy)  # no weights, no tokenizer
    (copy / "model.safetensors").write_bytes(b"")
    (copy / "tokenizer.json").write_text("{}")
    assert supports(copy)
    pooling = json.loads((copy / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (copy / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert not supports(copy)


@pytest.mark.integration
def test_token_states_are_the_texts_own_tokens_and_give_the_query_vector(service) -> None:
    """What the entailment head reads: each text's own tokens (prompt and sentence markers left
    out), as sentence-transformers computes them, and the same vector a query gets."""
    from sentence_transformers import SentenceTransformer

    embedder = service.embedder
    texts = ["HFSP was not proposed by Germany.", "国際宇宙ステーション計画にはカナダが参加している。"]
    read = embedder.token_states(texts)
    reference = SentenceTransformer(embedder.model, device="cpu").encode(
        [embedder.query_prompt + t for t in texts], output_value="token_embeddings",
        convert_to_numpy=False)
    tokenizer = embedder._lean.tokenizer
    for text, states, full in zip(texts, read, reference):
        own = len(tokenizer.encode(embedder.query_prompt + text).ids) - len(
            tokenizer.encode(embedder.query_prompt.rstrip()).ids)
        assert states.tokens.shape == (own, embedder.dimension)
        assert np.abs(states.tokens - full.numpy()[-1 - len(states.tokens):-1]).max() < 1e-4
        assert np.abs(states.vector - embedder.encode_query(text)).max() < 1e-5
    assert len(read[0].tokens) == 10  # ▁ HF SP ▁was ▁not ▁propose d ▁by ▁Germany .
    assert len(embedder.token_states([""])[0].tokens) > 0  # no text of its own: never nothing
