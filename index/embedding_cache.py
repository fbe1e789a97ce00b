"""Passage embeddings kept between index builds, so a rebuild embeds only what is new.

Keyed by sha256(model fingerprint, prompt, text): a different model, prompt or text is a
different key, so a cached vector is never served for the wrong input. The cache is only an
accelerator: the index manifest still decides what has to be rebuilt, and a missing,
corrupt or unwritable cache only makes a build slower, never wrong and never fatal.

Stored in SQLite (one row per vector: key, float32 bytes, last use), no pickle. When it grows
past `max_mb` the least recently used rows are dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    key BLOB PRIMARY KEY,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    used INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vectors_used ON vectors(used);
"""
_BATCH = 500  # SQLite host parameters per statement stay well under its limit


def cache_key(model: str, prompt: str, text: str) -> bytes:
    return hashlib.sha256(f"{model}\x00{prompt}\x00{text}".encode()).digest()


class EmbeddingCache:
    """A bounded, corruption-tolerant store of float32 vectors by content key."""

    def __init__(self, path: Path, max_mb: float = 1024.0,
                 log: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.log = log or (lambda message: None)
        self._db: sqlite3.Connection | None = None
        self._clock = time.time_ns()
        self._open()

    # --- opening, and recovering from a damaged file -------------------------------------

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect()
        except (sqlite3.Error, OSError) as err:
            self.log(f"Embedding cache {self.path} unusable ({err}); starting a new one.")
            self._reset()

    def _connect(self) -> sqlite3.Connection:
        # One connection for the service's request threads; SQLite serialises their use.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.executescript(_SCHEMA)
            row = db.execute("PRAGMA quick_check").fetchone()
            if row is None or row[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {row}")
        except BaseException:
            db.close()
            raise
        return db

    def _reset(self) -> None:
        """Throw the file away and start empty; without a usable file the cache is off."""
        self.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        try:
            self._db = self._connect()
        except (sqlite3.Error, OSError) as err:
            self.log(f"Embedding cache disabled ({err}).")
            self._db = None

    def _guard(self, action: Callable[[sqlite3.Connection], object], default: object) -> object:
        if self._db is None:
            return default
        try:
            return action(self._db)
        except sqlite3.Error as err:
            self.log(f"Embedding cache {self.path} damaged ({err}); starting a new one.")
            self._reset()
            return default

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    # --- reading and writing ---------------------------------------------------------------

    def _tick(self) -> int:
        self._clock = max(self._clock + 1, time.time_ns())
        return self._clock

    def get_many(self, keys: list[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """The cached vectors of `keys` that have `dim` dimensions (others count as misses)."""

        def read(db: sqlite3.Connection) -> dict[bytes, np.ndarray]:
            found: dict[bytes, np.ndarray] = {}
            unique = list(dict.fromkeys(keys))
            now = self._tick()
            db.execute("BEGIN")
            try:
                for i in range(0, len(unique), _BATCH):
                    part = unique[i:i + _BATCH]
                    marks = ",".join("?" * len(part))
                    for key, d, blob in db.execute(
                            f"SELECT key, dim, vector FROM vectors WHERE key IN ({marks})", part):
                        if d == dim and len(blob) == 4 * dim:
                            found[bytes(key)] = np.frombuffer(blob, dtype="<f4").copy()
                    db.execute(f"UPDATE vectors SET used = ? WHERE key IN ({marks})", [now, *part])
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK") if db.in_transaction else None
                raise
            return found

        return self._guard(read, {})  # type: ignore[return-value]

    def put_many(self, keys: list[bytes], vectors: np.ndarray) -> None:
        if not keys:
            return
        data = np.ascontiguousarray(vectors, dtype="<f4")
        dim = int(data.shape[1])

        def write(db: sqlite3.Connection) -> None:
            now = self._tick()
            db.execute("BEGIN")
            try:
                db.executemany("INSERT OR REPLACE INTO vectors(key, dim, vector, used) VALUES (?,?,?,?)",
                               ((key, dim, data[i].tobytes(), now) for i, key in enumerate(keys)))
                self._trim(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK") if db.in_transaction else None
                raise

        self._guard(write, None)

    def absorb(self, other: Path) -> None:
        """Copies the vectors of another cache file that this one lacks (a cache built for some of
        the same texts); a missing or unreadable file is skipped, like any cache trouble."""
        if not other.is_file():
            return

        def copy(db: sqlite3.Connection) -> None:
            try:  # the other file's trouble is not this cache's: skip it, keep this one
                db.execute("ATTACH DATABASE ? AS other", (str(other),))
            except sqlite3.Error as err:
                self.log(f"Embedding cache {other} not read ({err}).")
                return
            try:
                db.execute("INSERT OR IGNORE INTO vectors SELECT key, dim, vector, used FROM other.vectors")
                self._trim(db)
            except sqlite3.DatabaseError as err:
                self.log(f"Embedding cache {other} not read ({err}).")
            finally:
                db.execute("DETACH DATABASE other")

        self._guard(copy, None)

    def _trim(self, db: sqlite3.Connection) -> None:
        """Drop the least recently used rows while the vectors take more than `max_bytes`."""
        count, stored = db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(vector)), 0) FROM vectors"
                                   ).fetchone()
        if stored <= self.max_bytes or not count:
            return
        per_row = stored / count
        keep = int(self.max_bytes * 0.9 / per_row)  # some headroom, so trims are rare
        db.execute("DELETE FROM vectors WHERE key IN (SELECT key FROM vectors ORDER BY used DESC "
                   "LIMIT -1 OFFSET ?)", (keep,))

    def stats(self) -> dict[str, int]:
        def read(db: sqlite3.Connection) -> dict[str, int]:
            count, stored = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(vector)), 0) FROM vectors").fetchone()
            return {"vectors": int(count), "bytes": int(stored)}

        return self._guard(read, {"vectors": 0, "bytes": 0})  # type: ignore[return-value]


class CachedEncoder:
    """Encodes passages through the cache: only texts it has not seen reach the model.

    `embedded` and `reused` count texts over the encoder's life (duplicates in one call are
    embedded once).
    """

    def __init__(self, encode: Callable[..., np.ndarray], dimension: int, model_key: str,
                 prompt: str, cache: EmbeddingCache | None) -> None:
        self._encode = encode
        self.dimension = dimension
        self.model_key = model_key
        self.prompt = prompt
        self.cache = cache if cache is not None and cache.enabled else None
        self.embedded = 0
        self.reused = 0

    def __call__(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        keys = [cache_key(self.model_key, self.prompt, text) for text in texts]
        found = self.cache.get_many(keys, self.dimension) if self.cache is not None else {}
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, texts):
            if key not in found:
                missing.setdefault(key, text)
        if missing:
            vectors = np.asarray(self._encode(list(missing.values()), progress=progress),
                                 dtype=np.float32)
            found.update(zip(missing, vectors))
            if self.cache is not None:
                self.cache.put_many(list(missing), vectors)
        self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out
