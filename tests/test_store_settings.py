import json
from pathlib import Path

import numpy as np
import pytest

from app.inputs import InputError, clean_text
from app.settings import BUNDLED_MODEL, SettingsError, load_settings
from index.keyword_index import KeywordIndex
from index.sentence_table import build_sentence_table
from index.store import (
    CHUNKS,
    MANIFEST,
    SENTENCES,
    VECTORS,
    IndexCorruptError,
    read_index,
    write_index,
)
from ingest.records import Chunk


def _chunks(n: int) -> list[Chunk]:
    return [Chunk(id=f"d:{i}-{i + 1}", doc="d", start=i, end=i + 1, line_start=1, line_end=1,
                  lang="en", title="", text="x") for i in range(n)]


def _write(folder: Path, n: int = 3) -> None:
    vectors = np.eye(n, 4, dtype=np.float32)
    chunks = _chunks(n)
    table = build_sentence_table([(c.doc, c.start, c.end, c.lang, c.text) for c in chunks],
                                 vectors)
    write_index(folder, {"seeds": {}}, chunks, vectors, KeywordIndex([["x"]] * n), table,
                {chunks[0].id: chunks[1].id})


def test_index_round_trip(tmp_path):
    folder = tmp_path / "index"
    _write(folder)
    stored = read_index(folder)
    assert [c.id for c in stored.chunks] == [c.id for c in _chunks(3)]
    assert stored.vectors.ntotal == 3 and stored.manifest["dimension"] == 4
    assert stored.sentences.row("d", 1, 2) == 1 and stored.sentences.vectors.shape == (3, 4)
    assert stored.parallel == {"d:0-1": "d:1-2"}
    assert not list(tmp_path.glob(".index-*")), "temporary folders are cleaned up"


def test_rewrite_replaces_atomically(tmp_path):
    folder = tmp_path / "index"
    _write(folder, 3)
    _write(folder, 5)
    assert len(read_index(folder).chunks) == 5


@pytest.mark.parametrize("damage", ["truncate_vectors", "drop_chunk", "bad_manifest", "no_vectors",
                                    "garbage_chunks", "truncate_sentences", "pickled_sentences"])
def test_damaged_index_is_reported_clearly(tmp_path, damage):
    folder = tmp_path / "index"
    _write(folder)
    if damage == "truncate_vectors":
        data = (folder / VECTORS).read_bytes()
        (folder / VECTORS).write_bytes(data[: len(data) // 2])
    elif damage == "drop_chunk":
        lines = (folder / CHUNKS).read_text().splitlines()
        (folder / CHUNKS).write_text("\n".join(lines[:-1]) + "\n")
    elif damage == "bad_manifest":
        (folder / MANIFEST).write_text("{not json")
    elif damage == "no_vectors":
        (folder / VECTORS).unlink()
    elif damage == "truncate_sentences":
        (folder / SENTENCES).write_bytes((folder / SENTENCES).read_bytes()[:100])
    elif damage == "pickled_sentences":
        # an object array needs pickle to load: it must be refused, never unpickled
        np.savez(folder / SENTENCES, docs=np.array([{"x": 1}], dtype=object))
    else:
        (folder / CHUNKS).write_text('{"id": 1}\n')
    with pytest.raises(IndexCorruptError):
        read_index(folder)


def test_settings_layers(tmp_path):
    config = tmp_path / "kakehashi.toml"
    config.write_text('seeds_dir = "docs"\n[retrieval]\nk = 7\n[model]\nname = "my/model"\n')
    settings = load_settings(config, environ={"KAKEHASHI_RETRIEVAL__K": "9",
                                              "KAKEHASHI_SERVER__PORT": "8080"})
    assert settings.seeds == tmp_path / "docs"
    assert settings.retrieval.k == 9 and settings.server.port == 8080
    assert settings.model.name == "my/model"
    assert load_settings(environ={}).model.name == BUNDLED_MODEL


def test_settings_errors_are_clear(tmp_path):
    with pytest.raises(SettingsError, match=r"unknown setting 'retrieval\.kk'"):
        load_settings(environ={"KAKEHASHI_RETRIEVAL__KK": "1"})
    with pytest.raises(SettingsError, match="not a valid int"):
        load_settings(environ={"KAKEHASHI_RETRIEVAL__K": "many"})
    bad = tmp_path / "bad.toml"
    bad.write_text("[retrieval\n")
    with pytest.raises(SettingsError, match="cannot read settings"):
        load_settings(bad, environ={})


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x1b[31m"])
def test_empty_input_is_refused(text):
    with pytest.raises(InputError, match="empty"):
        clean_text(text, 100)


def test_input_cleaning():
    assert clean_text("  理研は\x00どこ？\u202e\n  RIKEN  ", 100) == "理研はどこ？ RIKEN"
    assert clean_text("🙂 emoji ok", 100) == "🙂 emoji ok"
    with pytest.raises(InputError, match="10,000 characters long; the limit is 2,000"):
        clean_text("a" * 10_000, 2000)
    with pytest.raises(InputError, match="must be text"):
        clean_text(json.loads("null"), 100)
