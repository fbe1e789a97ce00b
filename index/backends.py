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
class VectorStoreParams:
    """Where the passage vectors are searched (the `[vector_store]` settings; README,
    "Performance and scale")."""

    backend: str = "faiss"  # faiss (in process, the default) | milvus (Milvus Lite file or cluster)
    # Milvus: a local file for Milvus Lite (relative to the project), or a cluster's
    # http(s)://host:19530. A cluster's token is read from the environment (app/env.py,
    # MILVUS_TOKEN_ENV), never stored.
    uri: str = ".kakehashi/milvus.db"
    collection: str = "kakehashi"
    # Empty: FLAT (exact) on a Milvus Lite file, AUTOINDEX (the cluster's choice) on a cluster.
    index_type: str = ""
    insert_batch: int = 1000  # rows per insert while loading a collection

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"setting vector_store.backend: {self.backend!r} is not one of "
                             f"{', '.join(BACKENDS)}")
        if self.insert_batch < 1:
            raise ValueError("setting vector_store.insert_batch must be positive")
        if self.backend == "milvus" and "://" not in self.uri and not self.uri.endswith(".db"):
            raise ValueError(f"setting vector_store.uri: {self.uri!r} is neither a Milvus Lite "
                             "file (ending in .db) nor a server address (http://host:19530)")


def open_vector_store(params: VectorStoreParams, embedding: Embeddings, index: StoredIndex,
                      log: Callable[[str], None] = lambda message: None, *, token: str | None = None,
                      state_path: Path | None = None) -> VectorStore:
    """The store `params` names; a Milvus cluster's `token`, and `state_path`: where the Milvus
    sync state is kept."""
    if params.backend == "faiss":
        documents = [Document(page_content=c.text, metadata={"row": i, "lang": c.lang}, id=c.id)
                     for i, c in enumerate(index.chunks)]
        return FaissStore(embedding, index.vectors, documents, index.partitions)
    if params.backend == "milvus":
        try:
            from index.milvus_store import open_milvus_store  # pymilvus: imported only when used
        except ImportError as err:
            raise RuntimeError(f"the milvus backend needs the 'milvus' extra: "
                               f"pip install -e '.[milvus]' ({err})") from err

        model = index.manifest.get("model", {})
        return open_milvus_store(
            embedding, index.chunks, index.vectors, uri=params.uri, collection=params.collection,
            model_key=f"{model.get('name')}|{model.get('fingerprint')}", token=token,
            index_type=params.index_type, insert_batch=params.insert_batch,
            state_path=state_path, log=log)
    raise ValueError(f"unknown vector store backend {params.backend!r} (one of {', '.join(BACKENDS)})")
