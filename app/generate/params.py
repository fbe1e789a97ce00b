"""The generator's parameters (the `[generator]` settings): data only, so settings import no
answering code."""

from __future__ import annotations

from dataclasses import dataclass

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
            raise ValueError(f"setting generator.backend: {self.backend!r} is not one of "
                                f"{', '.join(GENERATOR_BACKENDS)}")
        if self.on_unsupported not in ("mark", "drop"):
            raise ValueError(f"setting generator.on_unsupported: {self.on_unsupported!r} is not "
                                "mark or drop")
        if self.timeout_s <= 0 or self.max_tokens <= 0:
            raise ValueError("settings generator.timeout_s and generator.max_tokens must be positive")
