"""Refused input as the API returns it, and as the page shows it in either language (one place
for the callbacks of every mode)."""

from __future__ import annotations

from app.web.passages import Json
from app.wording import in_lang


def error_json(message: str) -> Json:
    """{"error": message} (English, as the CLI prints it), with the language and the Japanese."""
    return {"error": str(message), "error_lang": "en", "error_ja": in_lang(message, "ja")}


def error_texts(result: Json) -> dict[str, str]:
    """The error of an {"error": ...} result in each interface language."""
    return {"en": result["error"], "ja": result.get("error_ja") or result["error"]}
