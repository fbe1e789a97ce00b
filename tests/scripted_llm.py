"""A small OpenAI-compatible chat server on loopback whose completions are scripted.

POST /v1/chat/completions, with or without `"stream": true` (server-sent events), as Ollama,
vLLM and llama.cpp's server answer it. The request's `model` picks the script; a script sees
the numbered passages of the prompt, so it can cite the passage that holds a fact whatever
order retrieval gave them. Every request is kept, for tests to read the prompt.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"
_PASSAGE = re.compile(r'<passage id="(\d+)"[^>]*>\n(.*?)\n</passage>', re.DOTALL)


@dataclass
class Reply:
    text: str = ""
    delay_s: float = 0.0  # before the response starts
    status: int = 200
    piece_chars: int = 7  # streamed this many characters at a time


Script = Callable[[dict[int, str]], Reply]


def passages_of(body: dict[str, Any]) -> dict[int, str]:
    """The numbered passages of a request's user message."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return {int(n): text for n, text in _PASSAGE.findall(user)}


def cite(passages: dict[int, str], *words: str) -> int:
    """The number of the first passage that holds all `words` (0 when none does)."""
    return next((n for n, text in sorted(passages.items()) if all(w in text for w in words)), 0)


@dataclass
class ScriptedServer:
    scripts: dict[str, Script]
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def last(self, model: str) -> dict[str, Any]:
        return next(r for r in reversed(self.requests) if r.get("model") == model)


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": "not found"}})
                return
            server.requests.append(body)
            script = server.scripts.get(body.get("model", ""))
            if script is None:
                self._json(404, {"error": {"message": f"model {body.get('model')!r} not found"}})
                return
            reply = script(passages_of(body))
            time.sleep(reply.delay_s)
            if reply.status != 200:
                self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                return
            if body.get("stream"):
                self._stream(body["model"], reply)
            else:
                self._json(200, {
                    "id": "chatcmpl-scripted", "object": "chat.completion", "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply.text}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        def _stream(self, model: str, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()

            def event(delta: dict[str, str], finish: str | None = None) -> None:
                chunk = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0,
                         "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            event({"role": "assistant", "content": ""})
            text, step = reply.text, max(1, reply.piece_chars)
            for at in range(0, len(text), step):
                event({"content": text[at:at + step]})
            event({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


@contextmanager
def scripted_server(scripts: dict[str, Script]) -> Iterator[ScriptedServer]:
    """The server on a free loopback port, in a thread; base URL in `.url` (ends in /v1)."""
    state = ScriptedServer(scripts)
    httpd = ThreadingHTTPServer((LOOPBACK, 0), _handler(state))
    httpd.daemon_threads = True
    httpd.block_on_close = False
    state.url = f"http://{LOOPBACK}:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
