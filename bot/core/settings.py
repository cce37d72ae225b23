"""Run-time settings read from the environment, with safe development defaults.

Nothing secret is committed: when BOT_SECRET_KEY is not set, a random key is
generated once and kept (mode 0600) in the data directory.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PROFILE = PROJECT_ROOT / "profiles" / "us-embassy-la-paz.yml"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: bytes
    public_url: str
    rasa_port: int
    actions_port: int
    web_port: int
    profile_path: Path


def _read_or_create_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Builds the settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("DATA_DIR") or PROJECT_ROOT / "var").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = env.get("BOT_SECRET_KEY")
    secret_key = secret.encode() if secret else _read_or_create_secret(data_dir / "secret.key")
    return Settings(
        data_dir=data_dir,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'bot.sqlite3'}",
        secret_key=secret_key,
        public_url=(env.get("PUBLIC_URL") or "http://localhost:8080").rstrip("/"),
        rasa_port=int(env.get("RASA_PORT") or 5005),
        actions_port=int(env.get("ACTIONS_PORT") or 5055),
        web_port=int(env.get("WEB_PORT") or 8080),
        profile_path=Path(env.get("EMBASSY_PROFILE") or DEFAULT_PROFILE),
    )


def derive_key(secret_key: bytes, label: bytes) -> bytes:
    """A key of its own for one use of the secret key (HMAC-SHA256 of `label`), so
    that no hash or token made with it equals another use of the secret."""
    return hmac.new(secret_key, label, hashlib.sha256).digest()


def action_server_token(secret_key: bytes) -> str:
    """The shared secret our Rasa server sends the action server (X-Action-Token):
    derived from the secret key with its own label, so it reveals nothing of it."""
    return derive_key(secret_key, b"action server token v1").hex()


_Number = TypeVar("_Number", int, float)


def positive_setting(
    env: Mapping[str, str], name: str, default: _Number, kind: Callable[[str], _Number]
) -> _Number:
    """`name` from `env` read as a positive, finite `kind`, or `default` when unset; any
    other value stops the start with a message that names the variable."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not 0 < value < math.inf:  # also refuses nan
        raise ValueError(f"{name} must be a positive number, not {raw!r}")
    return value
