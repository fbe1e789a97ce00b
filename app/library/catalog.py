"""What the app shows about each document, kept current when the index is swapped.

`seeds/catalog.json` gives titles, publishers and years; a document it does not list is shown
with the title its file carries (a PDF's or Word file's title, an HTML page's) and the
languages found in it. The web app keeps one `DocumentCatalog` for its whole life; the service
replaces what it holds, in one step, whenever a new index is swapped in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ingest.reader import CatalogEntry


def derived_entries(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, CatalogEntry]:
    """Entries for documents that carry their own title (documents.json)."""
    return {name: CatalogEntry(doc=name, title=str(info["title"]),
                               languages=tuple(info.get("languages", ())))
            for name, info in documents.items() if info.get("title")}


class DocumentCatalog(Mapping[str, CatalogEntry]):
    def __init__(self, entries: Mapping[str, CatalogEntry] | None = None) -> None:
        self._entries: Mapping[str, CatalogEntry] = dict(entries or {})

    def replace(self, entries: Mapping[str, CatalogEntry]) -> None:
        self._entries = dict(entries)  # one assignment: readers see the old or the new, whole

    def __getitem__(self, name: str) -> CatalogEntry:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
