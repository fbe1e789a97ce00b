"""Every environment variable Kakehashi reads, named once (settings, secrets, the config file)."""

from __future__ import annotations

CONFIG_ENV = "KAKEHASHI_CONFIG"  # the settings file to read
# A setting: this prefix, then its dotted name upper-cased with `__` between levels
# (KAKEHASHI_SERVER__PORT; app/settings.py).
ENV_PREFIX = "KAKEHASHI_"
AUTH_USER_ENV = "KAKEHASHI_AUTH_USER"
AUTH_PASSWORD_ENV = "KAKEHASHI_AUTH_PASSWORD"
GENERATOR_API_KEY_ENV = "KAKEHASHI_GENERATOR_API_KEY"
MILVUS_TOKEN_ENV = "KAKEHASHI_MILVUS_TOKEN"
# Read where they are used, never stored in settings (they are secrets).
SECRET_ENV = frozenset({AUTH_USER_ENV, AUTH_PASSWORD_ENV, GENERATOR_API_KEY_ENV, MILVUS_TOKEN_ENV})
