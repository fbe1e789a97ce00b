"""The `kakehashi` command line. Its JSON output is a contract: see README, "Command line"."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from app.inputs import InputError
from app.records import Answer, Citation, Verdict
from app.settings import Settings, SettingsError, load_settings
from index.embedder import ModelLoadError
from index.retriever import SearchResult
from index.store import IndexCorruptError
from ingest.reader import DocumentError

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False), flush=True)


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


def _indented(text: str, prefix: str = "    ") -> str:
    return "\n".join(f"{prefix}{line}" for line in text.splitlines() if line.strip())


def _print_search(result: SearchResult) -> None:
    print(f"Question: {result.query}\n")
    for n, hit in enumerate(result.hits, start=1):
        c = hit.chunk
        print(f"[{n}] {c.doc} lines {c.line_start}-{c.line_end} ({c.lang}) score {hit.score:.4f}")
        if c.title:
            print(f"    {c.title}")
        print(_indented(c.text) + "\n")
    print(f"({result.timings_ms.get('search', 0):.0f} ms)")


def _print_citation(c: Citation) -> None:
    q = c.quote
    where = f"{q.doc}, lines {q.line_start}-{q.line_end}, {'English' if q.lang == 'en' else 'Japanese'}"
    print(f"[{c.n}] {q.title or q.doc}\n    ({where})")
    print(_indented(f"“{q.text}”"))
    if c.parallel is not None:
        print(f"    parallel ({c.parallel.lang}, lines {c.parallel.line_start}-{c.parallel.line_end}):")
        print(_indented(c.parallel.text[:300] + ("…" if len(c.parallel.text) > 300 else ""), "      "))


def _print_answer(answer: Answer) -> None:
    print(answer.answer + "\n")
    if answer.abstained:
        print("Related reading:" if answer.lang == "en" else "関連する箇所:")
        for passage in answer.retrieved[:3]:
            s = passage.span
            print(f"  - {s.title or s.doc} ({s.doc}, lines {s.line_start}-{s.line_end})")
        return
    print("Sources:" if answer.lang == "en" else "出典:")
    for citation in answer.citations:
        _print_citation(citation)


def _print_verdict(verdict: Verdict) -> None:
    print(f"{verdict.verdict.upper()}: {verdict.reason}\n")
    for citation in verdict.evidence:
        _print_citation(citation)


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

    for name, what, help_text in (("ask", "question", "a short answer with citations"),
                                  ("check", "claim", "whether the sources support a statement")):
        command = sub.add_parser(name, help=help_text)
        command.add_argument(what, nargs="?", help=f"the {what} (or --file)")
        command.add_argument("--file", type=Path,
                             help=f"JSON lines with 'id' and '{what}': one result line each")
        command.add_argument("--json", action="store_true", help="print JSON")

    evaluate = sub.add_parser("eval", help="measure quality and speed on the evaluation sets")
    evaluate.add_argument("--sets", choices=("dev", "all"), default="all",
                          help="dev: the shared development sets only; all: with our own cases")

    serve = sub.add_parser("serve", help="the web app (Gradio) on http://127.0.0.1:7860")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 7860)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    model = {"name": args.model} if args.model else None
    return load_settings(args.config, seeds_dir=args.seeds, data_dir=args.data_dir, model=model)


def _read_lines(path: Path, field: str) -> Iterator[tuple[Any, str | None, str | None]]:
    """(id, text, error) for each line of a JSON lines file."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            yield None, None, f"line {number}: not valid UTF-8"
            continue
        except ValueError as err:
            yield None, None, f"line {number}: not JSON ({err})"
            continue
        if not isinstance(record, dict) or field not in record:
            yield (record.get("id") if isinstance(record, dict) else None), None, \
                f"line {number}: no '{field}' field"
            continue
        yield record.get("id"), record[field], None


def _answer_or_check(service: Any, command: str, text: Any) -> Answer | Verdict:
    return service.ask(text) if command == "ask" else service.check(text)


def _run_one_or_many(args: argparse.Namespace, settings: Settings) -> int:
    from app.service import Kakehashi

    command = args.command
    field = "question" if command == "ask" else "claim"
    single = getattr(args, field)
    if (single is None) == (args.file is None):
        raise InputError(f"give a {field} or --file, not both or neither")
    if single is not None:
        from app.inputs import clean_text

        clean_text(single, settings.limits.max_question_chars, field)  # fail before loading
        result = _answer_or_check(Kakehashi(settings), command, single)
        if args.json:
            _print_json(result.to_json())
        else:
            (_print_answer if command == "ask" else _print_verdict)(result)  # type: ignore[operator]
        return 0
    rows = list(_read_lines(args.file, field))
    service = Kakehashi(settings)  # loaded once for the whole file
    for record_id, text, error in rows:
        if error is None:
            try:
                output: dict[str, Any] = _answer_or_check(service, command, text).to_json()
            except InputError as err:
                output = {"error": str(err)}
        else:
            output = {"error": error}
        output = {"id": record_id, **output}
        if args.json:
            _print_json(output)
        else:
            print(f"{record_id}: {output.get('answer') or output.get('verdict') or output.get('error')}")
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.command == "model":
        from app.service import resolve_model

        print(f"Model ready: {resolve_model(settings, force=args.force)}")
        return 0
    if args.command in ("ask", "check"):
        return _run_one_or_many(args, settings)

    from app.service import Kakehashi  # loads torch: only for commands that need it

    if args.command == "index":
        service = Kakehashi(settings, progress=sys.stderr.isatty(), rebuild=args.rebuild)
        print(f"Index ready: {len(service.index.chunks)} chunks from "
              f"{len(service.index.manifest['seeds'])} documents in {service.spec.folder}")
        return 0
    if args.command == "search":
        if args.k is not None and not 1 <= args.k <= 100:
            raise InputError("--k must be between 1 and 100")
        result = Kakehashi(settings).search(args.question, args.k)
        _print_json(search_json(result)) if args.json else _print_search(result)
        return 0
    if args.command == "eval":
        from eval.datasets import EVAL_DIR, load_claims, load_qa
        from eval.harness import print_table, run_eval, write_reports

        qa = load_qa(EVAL_DIR / "dev_qa.jsonl") if args.sets == "dev" else load_qa()
        claims = load_claims(EVAL_DIR / "dev_claims.jsonl") if args.sets == "dev" else load_claims()
        report = run_eval(Kakehashi(settings), qa, claims)
        print_table(report)
        json_path, md_path = write_reports(report, settings.reports_dir)
        print(f"\nWrote {json_path} and {md_path}")
        return 0
    if args.command == "serve":
        from app.ui import serve

        serve(Kakehashi(settings), args.host, args.port)
        return 0
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except InputError as err:
        return _fail(args, str(err), EXIT_USAGE)
    except (SettingsError, DocumentError, ModelLoadError, IndexCorruptError) as err:
        return _fail(args, str(err), EXIT_FAILURE)
    except KeyboardInterrupt:
        return 130


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    if getattr(args, "json", False):
        _print_json({"error": message})
    print(f"kakehashi: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
