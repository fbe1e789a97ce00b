"""Every sentence's token states, read by the encoder at index time and kept in the index folder.

The answer reranker and locator read the question and its best sentences token by token
(`index.embedder.TokenStates`). A question must be read when it is asked, but the sentences are
known when the index is built: reading them then, once, takes the encoder off the path of every
first answer. Float16 NumPy arrays (no pickle), memory-mapped; a sentence is found by a hash of
its text. The index manifest records the prompt they were read with (the model is the index's):
states read otherwise are not used. Built only while the corpus is small enough
(`limits.max_stored_token_states` tokens).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedder import TokenStates

STATES = "token_states.npy"  # float16 [tokens, hidden], the sentences' tokens one after another
OFFSETS = "token_offsets.npy"  # int64 [sentences + 1]: sentence i is rows offsets[i]:offsets[i + 1]
VECTORS = "token_vectors.npy"  # float16 [sentences, hidden]
KEYS = "token_keys.npy"  # S20 [sentences]: sha1 of the text


def state_key(text: str) -> bytes:
    return hashlib.sha1(text.encode()).digest()


@dataclass(frozen=True)
class TokenStateStore:
    states: np.ndarray
    offsets: np.ndarray
    vectors: np.ndarray
    keys: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.keys)
        if not (len(self.offsets) == n + 1 and len(self.vectors) == n and self.offsets[-1] == len(self.states)
                and (n == 0 or (self.offsets[0] == 0 and np.all(np.diff(self.offsets) >= 0)))):
            raise ValueError("token state files do not line up")
        object.__setattr__(self, "_rows", {bytes(k): i for i, k in enumerate(self.keys)})

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, text: str) -> TokenStates | None:
        row = self._rows.get(state_key(text))  # type: ignore[attr-defined]
        if row is None:
            return None
        a, b = int(self.offsets[row]), int(self.offsets[row + 1])
        return TokenStates(np.asarray(self.states[a:b], np.float32),
                           np.asarray(self.vectors[row], np.float32))

    @classmethod
    def of(cls, texts: list[str], states: list[TokenStates]) -> TokenStateStore:
        hidden = states[0].tokens.shape[1] if states else 0
        offsets = np.cumsum([0] + [len(s.tokens) for s in states]).astype(np.int64)
        return cls(np.concatenate([s.tokens for s in states]).astype(np.float16) if states
                   else np.zeros((0, hidden), np.float16), offsets,
                   np.stack([s.vector for s in states]).astype(np.float16) if states
                   else np.zeros((0, hidden), np.float16),
                   np.array([state_key(t) for t in texts], dtype="S20"))

    def save(self, folder: Path) -> None:
        for name, array in ((STATES, self.states), (OFFSETS, self.offsets), (VECTORS, self.vectors),
                            (KEYS, self.keys)):
            np.save(folder / name, array, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> TokenStateStore | None:
        """The store in `folder`, or None when the index has none; OSError or ValueError when
        its files are damaged."""
        if not (folder / KEYS).is_file():
            return None
        return cls(np.load(folder / STATES, mmap_mode="r", allow_pickle=False),
                   np.load(folder / OFFSETS, allow_pickle=False),
                   np.load(folder / VECTORS, mmap_mode="r", allow_pickle=False),
                   np.load(folder / KEYS, allow_pickle=False))


def read_all(texts: list[str], read: Callable[[list[str]], list[TokenStates]],
             previous: TokenStateStore | None = None) -> TokenStateStore:
    """The states of `texts`: from `previous` (the index this one replaces) where it has them,
    the rest read by the encoder."""
    found = {t: previous.get(t) for t in texts} if previous is not None else {}
    todo = [t for t in dict.fromkeys(texts) if found.get(t) is None]
    found.update(zip(todo, read(todo) if todo else []))
    return TokenStateStore.of(texts, [found[t] for t in texts])  # type: ignore[misc]
