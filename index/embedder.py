"""Sentence embeddings through sentence-transformers, with the model's query/passage prompts."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from index.lean_encoder import LeanEncoder
from index.lean_encoder import supports as lean_supports
from index.model_prep import MARKER_NAME, marker_identity


class ModelLoadError(RuntimeError):
    """The embedding model could not be loaded."""


@dataclass(frozen=True)
class TokenStates:
    """A text as the encoder read it: the contextual state of each of its own tokens (the prompt
    and the sentence markers left out) and its sentence embedding."""

    tokens: np.ndarray  # [tokens, hidden], float32
    vector: np.ndarray  # [hidden], L2-normalized


class StoredStates(Protocol):
    def get(self, text: str) -> TokenStates | None: ...


class KeptTokenStates:
    """`read(texts)`, each text read once and kept: a question is read for retrieval and for the
    reranker in one pass, evidence sentences once for every question and claim that meets them.
    `stored`: the states the index keeps (`index.token_store`), looked up before reading.
    Bounded (about 60 KB a sentence): when full, it starts again empty."""

    def __init__(self, read: Callable[[list[str]], list[TokenStates]], limit: int = 5000) -> None:
        self.read = read
        self.limit = limit
        self.stored: StoredStates | None = None
        self._kept: dict[str, TokenStates] = {}
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> list[TokenStates]:
        with self._lock:
            found = {t: self._kept[t] for t in texts if t in self._kept}
        stored = self.stored
        if stored is not None:
            found.update((t, s) for t in texts if t not in found and (s := stored.get(t)) is not None)
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        if todo:
            found.update(zip(todo, self.read(todo)))
            with self._lock:
                if len(self._kept) + len(todo) > self.limit:
                    self._kept.clear()
                self._kept.update((t, found[t]) for t in todo)
        return [found[t] for t in texts]


def model_fingerprint(model: str) -> str:
    """What identifies a model's weights for the index manifest.

    For a local folder: its configuration and the names and sizes of its files (hashing the
    weights themselves would cost seconds at every start); for a hub id: the id.
    """
    path = Path(model)
    if not path.is_dir():
        return f"id:{model}"
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        if file.name == MARKER_NAME:
            # The marker also holds a cosine measured at preparation, whose last digits vary
            # from one machine to the next for the same weights: only its identity counts.
            digest.update(f"{MARKER_NAME}:{marker_identity(file)}\n".encode())
            continue
        digest.update(f"{file.relative_to(path)}:{file.stat().st_size}\n".encode())
        if file.suffix == ".json" and file.stat().st_size < 1_000_000:
            digest.update(file.read_bytes())
    return f"dir:{digest.hexdigest()[:16]}"


# Batches this small are question-time work (a query, a few candidate quotes), not indexing.
class Embedder(Embeddings):
    """Loads the model once; `query:`/`passage:` prompts as the e5 family expects.

    Serving runs torch on `query_threads` threads (`serve_with_query_threads`, called once the
    index is ready): a single short sequence gains little from a second core, and when the
    cores are shared (two requests at once, or any other busy process) torch's threads wait on
    each other. Measured on two shared cores: one query 40 ms with one thread, 300 ms with two
    (README, "Performance"). Indexing, before that, uses every core. The count is set once and
    never switched per call: torch's thread count is global to the process, and switching it
    under concurrent requests changes float rounding, so the same question could get a
    different answer.
    """

    def __init__(self, model: str, query_prompt: str, passage_prompt: str,
                 batch_size: int, query_threads: int, lean: bool = True) -> None:
        self.model = model
        self._lean: LeanEncoder | None = None
        if lean and lean_supports(model):
            # The same vectors without importing sentence-transformers (index/lean_encoder.py).
            try:
                self._lean = LeanEncoder(model)
            except Exception as err:  # safetensors and tokenizers raise their own kinds
                raise ModelLoadError(f"cannot load embedding model {model!r}: {err}") from err
            self.dimension = self._lean.hidden
            self.max_seq_length = self._lean.max_length
        else:
            from sentence_transformers import SentenceTransformer  # heavy: imported when needed

            try:
                self._model = SentenceTransformer(model, device="cpu")
            except (OSError, ValueError, json.JSONDecodeError) as err:
                raise ModelLoadError(f"cannot load embedding model {model!r}: {err}") from err
            self.dimension = int(self._model.get_embedding_dimension())
            self.max_seq_length = int(self._model.max_seq_length)
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.query_threads = query_threads

    @property
    def lean(self) -> LeanEncoder | None:
        """The plain-torch encoder, when the model is one it runs (the pair judge reads its layers)."""
        return self._lean

    @property
    def engine(self) -> str:
        return "lean" if self._lean is not None else "sentence-transformers"

    def _encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        if self._lean is not None:
            return self._lean.encode([prompt + text for text in texts], batch_size, progress)
        return self._model.encode(
            texts, prompt=prompt, batch_size=batch_size, normalize_embeddings=True,
            show_progress_bar=progress, convert_to_numpy=True,
        ).astype(np.float32)

    def serve_with_query_threads(self) -> None:
        if self.query_threads > 0:
            import torch

            torch.set_num_threads(self.query_threads)

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, self.batch_size, progress)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode([text], self.query_prompt, 1, False)[0]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Several texts with the query prompt (the claims of a whole text)."""
        return self._encode(texts, self.query_prompt, self.batch_size, False)

    def token_states(self, texts: list[str]) -> list[TokenStates]:
        """Texts with the query prompt, token by token (what the entailment head reads)."""
        prompted = [self.query_prompt + text for text in texts]
        if self._lean is not None:
            states, vectors = self._lean.encode_tokens(prompted, self.batch_size)
            # <s> and the prompt (its trailing space joins the text's first token)
            lead = self._lean.token_count(self.query_prompt.rstrip()) - 1
        else:
            model = self._model
            states = [t.float().numpy() for t in model.encode(
                prompted, batch_size=self.batch_size, output_value="token_embeddings",
                convert_to_numpy=False, show_progress_bar=False)]
            vectors = self._encode(texts, self.query_prompt, self.batch_size, False)
            lead = len(model.tokenizer(self.query_prompt.rstrip())["input_ids"]) - 1
        # A text too short to have tokens of its own keeps them all, rather than none.
        return [TokenStates(s[lead:-1] if len(s) > lead + 1 else s, v) for s, v in zip(states, vectors)]

    def token_spans(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        """Where each of the tokens `token_states` gives for a text lies in it: (start, end) character
        offsets, empty for a token that is only the word-start mark."""
        prompted = [self.query_prompt + text for text in texts]
        if self._lean is not None:
            offsets = [e.offsets for e in self._lean.tokenizer.encode_batch(prompted)]
            lead = self._lean.token_count(self.query_prompt.rstrip()) - 1
        else:
            tokenizer = self._model.tokenizer
            offsets = tokenizer(prompted, return_offsets_mapping=True)["offset_mapping"]
            lead = len(tokenizer(self.query_prompt.rstrip())["input_ids"]) - 1
        shift = len(self.query_prompt)
        out = []
        for spans, text in zip(offsets, texts):
            kept = spans[lead:-1] if len(spans) > lead + 1 else spans
            out.append([(min(max(a - shift, 0), len(text)), min(max(b - shift, 0), len(text)))
                        for a, b in kept])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()
