"""Starting the web interface on a free loopback port for a test, and stopping it after."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from app.service import Kakehashi
from app.web.app import build_app, launch_app

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@contextmanager
def running_ui(service: Kakehashi) -> Iterator[str]:
    """The app served in a background thread (prevent_thread_lock); yields its URL."""
    app = build_app(service)
    url = launch_app(app, service, LOOPBACK, free_port(), block=False)
    try:
        yield url
    finally:
        app.close()
