"""The training files kept in the repository: gzip-compressed JSON lines, one row a line.

Written with the gzip time stamp at zero, so the same rows give the same bytes.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Writes the rows; returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for row in rows:
            out.write((json.dumps(row, ensure_ascii=False) + "\n").encode())
            count += 1
    return count


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows, or an error that names how to restore or rebuild the file."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; restore it with `git checkout {path.name}` or "
                                "rebuild it with `kakehashi train --features`")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]
