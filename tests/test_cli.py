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
    assert "北京" in lines[3]["answer"] and "北京" in lines[3]["citations"][0]["text"]
