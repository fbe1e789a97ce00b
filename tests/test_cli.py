"""The command line contract: JSON shapes, batch files, clear errors with non-zero exits."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True,
                          input=input_bytes, timeout=600)


@pytest.mark.parametrize(("command", "text", "message"), [
    ("ask", "", "empty"), ("ask", "   \t ", "empty"), ("check", "\x1b[31m", "empty"),
    ("ask", "あ" * 2001, "limit is 2,000"),
])
def test_bad_input_exits_non_zero_with_a_json_error(command, text, message):
    result = run(command, text, "--json")
    assert result.returncode == 2
    assert message in json.loads(result.stdout)["error"]


def test_undecodable_argument_is_refused():
    result = subprocess.run([sys.executable.encode(), b"-m", b"app.cli", b"ask", b"\xff\xfe", b"--json"],
                            cwd=ROOT, capture_output=True, timeout=600)
    assert result.returncode == 2 and "UTF-8" in json.loads(result.stdout)["error"]


def test_question_and_file_together_is_a_usage_error(tmp_path):
    result = run("ask", "x", "--file", str(tmp_path / "q.jsonl"), "--json")
    assert result.returncode == 2 and "not both" in json.loads(result.stdout)["error"]


@pytest.mark.integration
def test_batch_file_keeps_ids_and_reports_bad_lines(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(
        b'{"id": "a", "question": "What is the aim of the ITER project?", "extra": 1}\n'
        b'{"id": "b", "question": "   "}\n'
        b"not json\n"
        + '{"id": "c", "question": "理研の海外事務所はどこにありますか？"}\n'.encode())
    result = run("ask", "--file", str(questions), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line.get("id") for line in lines] == ["a", "b", None, "c"]
    assert "fusion" in lines[0]["answer"] and lines[0]["citations"]
    assert "empty" in lines[1]["error"] and "not JSON" in lines[2]["error"]
    # The answer quotes the sentence naming the offices, with its citation (its own line's id).
    assert "北京" in lines[3]["answer"] and any("北京" in c["text"] for c in lines[3]["citations"])


TEXT = ("# ITER\n\nITER計画には日本が参加していない。Currently, six countries and one region participate "
        "in ITER [2]. Does ITER include Brazil?\n")


@pytest.mark.integration
def test_check_text_prints_a_report_json_and_markdown(tmp_path):
    path = tmp_path / "draft.md"
    path.write_text(TEXT, encoding="utf-8")
    report = json.loads(run("check", "--text", str(path), "--json").stdout)
    assert report["summary"] == {"sentences": 3, "supported": 1, "contradicted": 1, "unsupported": 0,
                                 "not_a_claim": 1, "pending": 0}
    assert [s["verdict"] for s in report["sentences"]] == ["contradicted", "supported", "not_a_claim"]
    assert all(TEXT[s["start"]:s["end"]] == s["text"] for s in report["sentences"])
    assert [p["text"] for p in report["skipped"]] == ["# ITER"]
    assert report["sentences"][1]["markers"][0]["text"] == "[2]"

    readable = run("check", "--text", "-", input_bytes=TEXT.encode()).stdout.decode()
    assert readable.startswith("Text check — 3 sentences: 1 supported, 1 contradicted, 0 not found")
    assert "✗ Contradicted" in readable and "ITER計画には日本が参加していない。" in readable

    markdown = run("check", "--text", str(path), "--format", "md", "--lang", "ja").stdout.decode()
    assert markdown.startswith("# テキスト検証")
    assert "**✗ 矛盾あり**" in markdown and "[^1]:" in markdown


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"), (b" \n\t\n", "empty"), (b"\xff\xfe\x00", "not UTF-8"), (b"a" * 20001, "limit is 20,000"),
])
def test_check_text_refuses_bad_files_with_exit_2(tmp_path, content, message):
    path = tmp_path / "draft.txt"
    path.write_bytes(content)
    result = run("check", "--text", str(path), "--json")
    assert result.returncode == 2 and message in json.loads(result.stdout)["error"]


def test_check_text_needs_a_readable_file_and_no_claim_beside_it(tmp_path):
    missing = run("check", "--text", str(tmp_path / "none.txt"), "--json")
    assert missing.returncode == 2 and "cannot read" in json.loads(missing.stdout)["error"]
    both = run("check", "a claim", "--text", "-", "--json", input_bytes=b"x")
    assert both.returncode == 2 and "one of them" in json.loads(both.stdout)["error"]


def test_check_text_json_and_markdown_together_is_a_usage_error():
    result = run("check", "--text", "-", "--json", "--format", "md", input_bytes=b"HFSP exists.")
    assert result.returncode == 2 and "give one of them" in json.loads(result.stdout)["error"]
