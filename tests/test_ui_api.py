"""The web API: /ask, /check and /check_text return the CLI's JSON; bad input gets a clear error, and the
server keeps serving. Real model and index, real HTTP on loopback, through gradio_client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from gradio_client import Client
from ui_server import running_ui

from app.web.app import auth_from_env

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]

ANSWER_KEYS = {"question", "lang", "answer", "abstained", "confidence", "generator", "citations",
               "sentences", "retrieved", "timings_ms"}
VERDICT_KEYS = {"claim", "lang", "verdict", "reason", "reason_lang", "reason_en", "reason_ja", "evidence",
                "timings_ms"}
SPAN_KEYS = {"doc", "start", "end", "line_start", "line_end", "lang", "title", "text"}


@pytest.fixture(scope="module")
def client(service) -> Iterator[Client]:
    with running_ui(service) as url:
        yield Client(url, verbose=False)


def assert_span(span: dict[str, Any], sources: dict[str, str]) -> None:
    assert span.keys() >= SPAN_KEYS
    assert span["text"] == sources[span["doc"]][span["start"]:span["end"]]
    assert 1 <= span["line_start"] <= span["line_end"]


def assert_citation(citation: dict[str, Any], sources: dict[str, str]) -> None:
    assert_span(citation, sources)
    assert_span(citation["passage"], sources)
    passage = citation["passage"]
    assert passage["doc"] == citation["doc"]
    # The UI highlights the quote inside its passage at this offset.
    assert passage["start"] <= citation["start"] <= citation["end"] <= passage["end"]
    if citation["parallel"] is not None:
        assert_span(citation["parallel"], sources)
        assert citation["parallel"]["lang"] != passage["lang"]


def test_named_endpoints(client: Client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/ask", "/check", "/check_text"} <= set(endpoints)
    assert not any(name.startswith("/ui_") for name in endpoints)  # UI events are not API


@pytest.mark.parametrize("question, lang", [
    ("How many people from India visited Japan through the Sakura Science Program?", "en"),
    ("HFSPはいつ、どこで提案されましたか？", "ja"),
])
def test_ask_returns_the_cli_json(client: Client, service, question: str, lang: str) -> None:
    result = client.predict(question, api_name="/ask")
    assert set(result) == ANSWER_KEYS
    assert result["question"] == question and result["lang"] == lang
    assert result["answer"].strip()
    assert not result["abstained"] and result["citations"]
    for citation in result["citations"]:
        assert_citation(citation, service.sources)
        assert f"[{citation['n']}]" in result["answer"]
    for passage in result["retrieved"]:
        assert_span(passage, service.sources)
    # Exactly what the CLI prints for the same question (timings aside).
    direct = service.ask(question).to_json()
    assert {**result, "timings_ms": None} == {**direct, "timings_ms": None}


@pytest.mark.parametrize("claim", [
    "HFSP was proposed by Japan at the Venice Summit in 1987.",
    "日本とオマーンは1972年に正式な外交関係を樹立した。",
])
def test_check_returns_the_cli_json(client: Client, service, claim: str) -> None:
    result = client.predict(claim, api_name="/check")
    assert set(result) == VERDICT_KEYS
    assert result["claim"] == claim
    assert result["verdict"] in ("supported", "unsupported", "contradicted")
    # The reason in the claim's language, and in each language; what it quotes stays as written.
    assert result["reason_lang"] == service.check(claim).lang
    assert result["reason"] == result[f"reason_{result['reason_lang']}"]
    outside_quote = re.sub(r"[「“].*[」”]", "", result["reason_ja"])
    assert outside_quote.strip() and not re.search(r"[A-Za-z]{3,}", outside_quote)
    assert result["reason_en"].strip()
    for citation in result["evidence"]:
        assert_citation(citation, service.sources)
    direct = service.check(claim).to_json()
    assert {**result, "timings_ms": None} == {**direct, "timings_ms": None}


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("x" * 10_000, "limit is 2,000"),
    ("\x00\x07\x1b[31m\u202e", "empty"),
    (12345, "text"),
    (None, "text"),
])
@pytest.mark.parametrize("endpoint", ["/ask", "/check"])
def test_refused_input_gets_a_clear_error(client: Client, endpoint: str, text: Any, message: str) -> None:
    result = client.predict(text, api_name=endpoint)
    assert set(result) == {"error", "error_lang", "error_ja"}
    assert message in result["error"] and result["error_lang"] == "en"
    assert result["error_ja"] != result["error"] and not re.search(r"[A-Za-z]{3,}", result["error_ja"])


@pytest.mark.parametrize("text", [
    "What is the aim of the ITER project? 🚀🔬",
    "<script>alert(1)</script>",
    "<b>ITER</b> <img src=x onerror=alert(1)> project aim?",
    "ITER project の目的は何ですか？ what is its aim?",
    "ITER\x00 project\x1b[31m aim\u200b?",
    "${alert(1)} {{constructor.constructor('alert(1)')()}}",
])
def test_odd_input_is_answered_as_text(client: Client, service, text: str) -> None:
    result = client.predict(text, api_name="/ask")
    assert "error" not in result
    assert result["answer"].strip()
    assert "\x00" not in result["question"] and "\x1b" not in result["question"]
    for citation in result["citations"]:
        assert_citation(citation, service.sources)


TEXT_CHECK_KEYS = {"text", "summary", "sentences", "skipped", "timings_ms"}
SENTENCE_KEYS = {"n", "start", "end", "text", "claim", "lang", "kind", "verdict", "reason", "reason_lang",
                 "reason_en", "reason_ja", "evidence", "markers"}
MIXED_TEXT = ("## Draft brief\n\n"
              "HFSP is now supported by a total of 12 countries [1]. 理研は1917年に創設された。\n"
              "- The ISS project plans to land astronauts on Mars by 2030.\n"
              "HFSPはいつ、どこで提案されましたか？\n\n"
              "[1] JISTEC Report, 2022.\n")


def test_check_text_returns_the_cli_json(client: Client, service) -> None:
    result = client.predict(MIXED_TEXT, api_name="/check_text")
    assert set(result) == TEXT_CHECK_KEYS
    assert result["text"] == MIXED_TEXT
    verdicts = {}
    for sentence in result["sentences"]:
        assert set(sentence) == SENTENCE_KEYS
        # Offsets point into the text exactly as it was sent.
        assert sentence["text"] == MIXED_TEXT[sentence["start"]:sentence["end"]]
        for marker in sentence["markers"]:
            assert sentence["start"] <= marker["start"] < marker["end"] <= sentence["end"]
            assert marker["text"] == MIXED_TEXT[marker["start"]:marker["end"]]
        for citation in sentence["evidence"]:
            assert_citation(citation, service.sources)
        assert sentence["reason_en"].strip() and sentence["reason_ja"].strip()
        verdicts[sentence["text"]] = sentence["verdict"]
    assert verdicts == {
        "HFSP is now supported by a total of 12 countries [1].": "contradicted",  # the sources: 14
        "理研は1917年に創設された。": "supported",
        "The ISS project plans to land astronauts on Mars by 2030.": "unsupported",
        "HFSPはいつ、どこで提案されましたか？": "not_a_claim",
    }
    for part in result["skipped"]:
        assert part["text"] == MIXED_TEXT[part["start"]:part["end"]]
    assert {p["kind"] for p in result["skipped"]} >= {"heading", "list_marker", "reference"}
    assert result["summary"] == {"sentences": 4, "supported": 1, "contradicted": 1, "unsupported": 1,
                                 "not_a_claim": 1, "pending": 0}
    direct = service.check_text(MIXED_TEXT).to_json()
    assert {**result, "timings_ms": None} == {**direct, "timings_ms": None}


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("x" * 20_001, "limit is 20,000"),
    (12345, "text"),
    (None, "text"),
])
def test_check_text_refuses_bad_input_as_check_does(client: Client, text: Any, message: str) -> None:
    result = client.predict(text, api_name="/check_text")
    assert set(result) == {"error", "error_lang", "error_ja"}
    assert message in result["error"] and result["error_lang"] == "en"
    assert result["error_ja"] != result["error"] and not re.search(r"[A-Za-z]{3,}", result["error_ja"])


def test_server_keeps_serving_after_bad_input(client: Client) -> None:
    for bad in ["", "y" * 10_000, None]:
        assert "error" in client.predict(bad, api_name="/ask")
    result = client.predict("What is the aim of the ITER project?", api_name="/ask")
    assert result["answer"].strip() and "error" not in result


def test_auth_from_env() -> None:
    assert auth_from_env({}) is None
    assert auth_from_env({"KAKEHASHI_AUTH_USER": "a", "KAKEHASHI_AUTH_PASSWORD": "b"}) == ("a", "b")
    with pytest.raises(ValueError, match="both"):
        auth_from_env({"KAKEHASHI_AUTH_USER": "a"})
