"""Shared fixtures. The real model and index load once per test session (integration tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings():
    from app.settings import load_settings

    # The project's own settings and index folder: built once, reused while it is fresh.
    return load_settings(environ={}, root=ROOT)


@pytest.fixture(scope="session")
def service(settings):
    from app.service import Kakehashi

    return Kakehashi(settings, log=lambda message: None)
