"""`kakehashi source DOC`: the text a document's citations point into, read from the index folder.

Needs no model: it reads `documents.json` and `sources/DOC.txt` of the index, so that anyone
can check that a citation's `text` is `source[start:end]` and where its pages start.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from index.store import IndexCorruptError, read_documents_info, read_manifest, read_source
from ingest.pages import page_range


def source_json(info: dict[str, Any], text: str) -> dict[str, Any]:
    starts = info.get("page_starts") or []
    pages = [{"page": n, "start": start, "end": starts[n] if n < len(starts) else len(text)}
             for n, start in enumerate(starts, start=1)]
    return {"doc": info["name"], "format": info.get("format", "text"), "title": info.get("title", ""),
            "chars": len(text), "pages": pages,
            "headings": [{"start": a, "end": b, "level": level, "text": text[a:b],
                          "page": page_range(starts, a, b)[0]}
                         for a, b, level in info.get("headings", [])],
            "text": text}


def print_source(index_dir: Path, doc: str, as_json: bool) -> int:
    if read_manifest(index_dir) is None:
        raise IndexCorruptError(f"{index_dir}: no index yet; run `kakehashi index` first")
    documents = read_documents_info(index_dir)
    if doc not in documents:
        known = ", ".join(sorted(documents)) or "none"
        raise IndexCorruptError(f"no document {doc!r} in the index (documents: {known})")
    text = read_source(index_dir, doc)
    if as_json:
        print(json.dumps(source_json(documents[doc], text), ensure_ascii=False), flush=True)
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    return 0
