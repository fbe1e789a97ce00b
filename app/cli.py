"""The `kakehashi` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.inputs import InputError
from app.settings import SettingsError, load_settings
from index.embedder import ModelLoadError
from index.retriever import SearchResult
from ingest.reader import DocumentError

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False))


def search_json(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query,
        "retrieved": [
            {"doc": h.chunk.doc, "start": h.chunk.start, "end": h.chunk.end,
             "line_start": h.chunk.line_start, "line_end": h.chunk.line_end,
             "lang": h.chunk.lang, "title": h.chunk.title, "text": h.chunk.text,
             "score": round(h.score, 6), "dense_score": h.dense, "keyword_score": h.keyword}
            for h in result.hits
        ],
        "timings_ms": {k: round(v, 2) for k, v in result.timings_ms.items()},
    }


def _print_search(result: SearchResult) -> None:
    print(f"Question: {result.query}\n")
    for n, hit in enumerate(result.hits, start=1):
        c = hit.chunk
        print(f"[{n}] {c.doc} lines {c.line_start}-{c.line_end} ({c.lang}) score {hit.score:.4f}")
        if c.title:
            print(f"    {c.title}")
        for line in c.text.splitlines():
            if line.strip():
                print(f"    {line}")
        print()
    print(f"({result.timings_ms.get('search', 0):.0f} ms)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kakehashi",
        description="Bilingual (Japanese/English) cited answers over documents on Japan's "
                    "international science and technology exchange.")
    parser.add_argument("--config", type=Path, help="settings file (default: ./kakehashi.toml)")
    parser.add_argument("--seeds", type=Path, help="folder of source documents (.txt, .md)")
    parser.add_argument("--data-dir", type=Path, help="where the index and reports are kept")
    parser.add_argument("--model", help="sentence-transformers model id or folder "
                                        "(default: the bundled multilingual-e5-small)")
    sub = parser.add_subparsers(dest="command", required=True)

    model = sub.add_parser("model", help="the embedding model")
    model_sub = model.add_subparsers(dest="model_command", required=True)
    prepare = model_sub.add_parser("prepare", help="convert the bundled model (once) and verify it")
    prepare.add_argument("--force", action="store_true", help="convert again even if present")

    index = sub.add_parser("index", help="build the index if it is missing or stale")
    index.add_argument("--rebuild", action="store_true", help="build it again in any case")

    search = sub.add_parser("search", help="the passages that answer a question")
    search.add_argument("question")
    search.add_argument("--k", type=int, default=None, help="how many passages (default 5)")
    search.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _settings(args: argparse.Namespace):
    model = {"name": args.model} if args.model else None
    return load_settings(args.config, seeds_dir=args.seeds, data_dir=args.data_dir,
                         model=model)


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.command == "model":
        from app.service import resolve_model

        path = resolve_model(settings, force=args.force)
        print(f"Model ready: {path}")
        return 0

    from app.service import Kakehashi  # loads torch: only for commands that need it

    if args.command == "index":
        service = Kakehashi(settings, progress=sys.stderr.isatty(), rebuild=args.rebuild)
        index = service.index
        print(f"Index ready: {len(index.chunks)} chunks from {len(index.manifest['seeds'])} "
              f"documents in {service.spec.folder}")
        return 0
    if args.command == "search":
        if args.k is not None and not 1 <= args.k <= 100:
            raise InputError("--k must be between 1 and 100")
        service = Kakehashi(settings)
        result = service.search(args.question, args.k)
        if args.json:
            _print_json(search_json(result))
        else:
            _print_search(result)
        return 0
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (InputError, SettingsError, DocumentError, ModelLoadError) as err:
        return _fail(args, str(err), EXIT_USAGE if isinstance(err, InputError) else EXIT_FAILURE)
    except KeyboardInterrupt:
        return 130


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    if getattr(args, "json", False):
        _print_json({"error": message})
    print(f"kakehashi: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
