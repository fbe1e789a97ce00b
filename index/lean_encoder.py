"""A BERT sentence encoder in plain torch, for sentence-transformers folders of the e5 kind.

Why: importing sentence-transformers pulls in transformers, scikit-learn and SciPy, which
take longer to import than torch itself and more than loading the model (README, "Performance and scale":
warm start). The bundled model is a plain BERT encoder with mean pooling and L2
normalization; its forward pass is a few matrix products. This module computes exactly that
from the folder's `model.safetensors` and `tokenizer.json`, with torch and the `tokenizers`
library only, and gives the same vectors as sentence-transformers (tested to 1e-5).

Any folder it does not recognise entirely (another architecture, pooling, activation or
module list) is left to sentence-transformers (`LeanEncoder.supports` says False).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"]


def _json(path: Path) -> dict[str, Any] | list[Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def supports(folder: str | Path) -> bool:
    """True for a folder holding a BERT encoder + mean pooling + Normalize, and nothing else."""
    path = Path(folder)
    modules = _json(path / "modules.json")
    config = _json(path / "config.json")
    if not isinstance(modules, list) or [m.get("type") for m in modules] != _MODULES \
            or modules[0].get("path") != "" or not isinstance(config, dict):
        return False
    pooling = _json(path / modules[1].get("path", "") / "config.json")
    if not isinstance(pooling, dict):
        return False
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    st_config = _json(path / "sentence_bert_config.json") or {}
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and not config.get("is_decoder") and modes == {"pooling_mode_mean_tokens"}
            and pooling.get("include_prompt", True)
            and isinstance(st_config, dict) and not st_config.get("do_lower_case")
            and (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file())


class LeanEncoder:
    """`encode(texts)` -> L2-normalized mean-pooled BERT embeddings, float32 (n, hidden)."""

    def __init__(self, folder: str | Path) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        path = Path(folder)
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        st_config = _json(path / "sentence_bert_config.json") or {}
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = int(min(st_config.get("max_seq_length") or 512,  # type: ignore[union-attr]
                                  config.get("max_position_embeddings", 512)))
        weights = load_file(str(path / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""
        self.w = {k[len(prefix):]: v.float() for k, v in weights.items() if k.startswith(prefix)}
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        self.pad_id = int(config.get("pad_token_id") or 0)
        self._torch = torch

    def padded(self, rows: list[list[int]]) -> tuple[Any, Any]:
        """Token id rows as one batch padded to the longest: (ids, attention mask), [batch, length]."""
        torch = self._torch
        length = max(len(r) for r in rows)
        ids = torch.full((len(rows), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.long)
        for j, r in enumerate(rows):
            ids[j, :len(r)] = torch.tensor(r, dtype=torch.long)
            mask[j, :len(r)] = 1
        return ids, mask

    def by_length(self, rows: list[list[int]], batch_size: int) -> Any:
        """(positions in `rows`, ids, mask) per padded batch of rows of similar lengths, shortest
        first: little padding."""
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            yield (chunk, *self.padded([rows[i] for i in chunk]))

    def embed(self, ids: Any) -> Any:
        """The embedding layer's output for token ids [batch, length]."""
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:ids.shape[1]].unsqueeze(0)
             + w["embeddings.token_type_embeddings.weight"][0])
        return self._torch.nn.functional.layer_norm(
            x, (self.hidden,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)

    def run_layers(self, x: Any, mask: Any, layers: range, weights: dict[str, Any] | None = None,
                   dropout: float = 0.0) -> Any:
        """`x` through the transformer layers `layers`, with `weights` (named as the folder's
        state dict) in place of the folder's where given: a fine-tuned copy of the upper layers
        runs on the folder's lower ones (app/verify/pair_judge.py), and trains through here too."""
        torch, f = self._torch, self._torch.nn.functional
        w = self.w if weights is None else {**self.w, **weights}
        batch, length = mask.shape
        bias = torch.zeros((batch, 1, 1, length), dtype=x.dtype)
        bias.masked_fill_(~mask.bool()[:, None, None, :], torch.finfo(x.dtype).min)
        head = self.hidden // self.heads

        def linear(t: Any, name: str) -> Any:
            return f.linear(t, w[f"{name}.weight"], w[f"{name}.bias"])

        def norm(t: Any, name: str) -> Any:
            return f.layer_norm(t, (self.hidden,), w[f"{name}.weight"], w[f"{name}.bias"], self.eps)

        def split(t: Any) -> Any:
            return t.view(batch, length, self.heads, head).transpose(1, 2)

        def drop(t: Any) -> Any:  # only while training
            return f.dropout(t, dropout) if dropout else t

        for i in layers:
            p = f"encoder.layer.{i}"
            q, k, v = (split(linear(x, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
            context = f.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout,
                                                     scale=1 / math.sqrt(head))
            context = context.transpose(1, 2).reshape(batch, length, self.hidden)
            x = norm(drop(linear(context, f"{p}.attention.output.dense")) + x,
                     f"{p}.attention.output.LayerNorm")
            inner = f.gelu(linear(x, f"{p}.intermediate.dense"))
            x = norm(drop(linear(inner, f"{p}.output.dense")) + x, f"{p}.output.LayerNorm")
        return x

    def _forward(self, ids: Any, mask: Any) -> Any:
        return self.run_layers(self.embed(ids), mask, range(self.layers))

    def _pool(self, x: Any, mask: Any) -> Any:
        weights = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return self._torch.nn.functional.normalize(pooled, p=2, dim=1)

    def token_count(self, text: str) -> int:
        """Tokens of `text`, the sentence markers included."""
        return len(self.tokenizer.encode(text).ids)

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Longest texts first, in batches padded to their longest (as sentence-transformers does)."""
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for rows, states, mask in self._batches(texts, batch_size, progress):
            out[rows] = self._pool(states, mask).numpy()
        return out

    def encode_tokens(self, texts: list[str],
                      batch_size: int = 32) -> tuple[list[np.ndarray], np.ndarray]:
        """Each text's contextual token states ([tokens, hidden], the sentence markers included)
        and its sentence embedding, from one pass."""
        tokens: list[np.ndarray] = [np.zeros((0, self.hidden), np.float32)] * len(texts)
        pooled = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for rows, states, mask in self._batches(texts, batch_size, False):
            pooled[rows] = self._pool(states, mask).numpy()
            lengths = mask.sum(dim=1).tolist()
            for j, r in enumerate(rows):
                tokens[r] = states[j, :lengths[j]].numpy().copy()
        return tokens, pooled

    def _batches(self, texts: list[str], batch_size: int, progress: bool) -> Any:
        """(rows, last hidden states, attention mask) per batch of similar lengths."""
        torch = self._torch
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        starts: Any = range(0, len(order), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Embedding", unit="batch")
        with torch.inference_mode():
            for start in starts:
                rows = order[start:start + batch_size]
                ids, mask = self.padded([encodings[r].ids for r in rows])
                yield rows, self._forward(ids, mask), mask
