"""The vector store the retriever searches, chosen by setting: FAISS (default) or Milvus.

Both answer `similarity_search_with_score_by_vector(vector, k, filter={"lang": ...})` with
Documents whose `id` is the chunk id, scored by cosine (higher is better). The keyword index
is local with either backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.store import StoredIndex
from index.vector_store import FaissStore

BACKENDS = ("faiss", "milvus")


@dataclass(frozen=True)
class VectorBackend:
    name: str = "faiss"
    uri: str = ""  # Milvus: a Milvus Lite file path, or http(s)://host:port of a cluster
    collection: str = "kakehashi"
    token: str | None = None
    index_type: str = ""
    insert_batch: int = 1000
    state_path: Path | None = None  # where the Milvus sync state is kept


def open_vector_store(backend: VectorBackend, embedding: Embeddings, index: StoredIndex,
                      log: Callable[[str], None] = lambda message: None) -> VectorStore:
    if backend.name == "faiss":
        documents = [Document(page_content=c.text, metadata={"row": i, "lang": c.lang}, id=c.id)
                     for i, c in enumerate(index.chunks)]
        return FaissStore(embedding, index.vectors, documents, index.partitions)
    if backend.name == "milvus":
        try:
            from index.milvus_store import open_milvus_store  # pymilvus: imported only when used
        except ImportError as err:
            raise RuntimeError(f"the milvus backend needs the 'milvus' extra: "
                               f"pip install -e '.[milvus]' ({err})") from err

        model = index.manifest.get("model", {})
        return open_milvus_store(
            embedding, index.chunks, index.vectors, uri=backend.uri, collection=backend.collection,
            model_key=f"{model.get('name')}|{model.get('fingerprint')}", token=backend.token,
            index_type=backend.index_type, insert_batch=backend.insert_batch,
            state_path=backend.state_path, log=log)
    raise ValueError(f"unknown vector store backend {backend.name!r} (one of {', '.join(BACKENDS)})")
