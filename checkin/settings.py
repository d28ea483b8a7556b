"""Settings from ``CHECKIN_*`` environment variables, shared by the web app, CLI and jobs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Tokyo"


def instance_dir() -> Path:
    """Where the embedded SQLite database and other local state live."""
    return Path(os.environ.get("CHECKIN_INSTANCE_DIR", Path.cwd() / "instance"))


def default_database_url() -> str:
    return f"sqlite:///{instance_dir() / 'checkin.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str | None
    timezone: str
    env: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_development(self) -> bool:
        return self.env in ("development", "testing")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    tz = env.get("CHECKIN_TIMEZONE", DEFAULT_TIMEZONE)
    ZoneInfo(tz)  # fail early on a misspelt zone
    return Settings(
        database_url=env.get("CHECKIN_DATABASE_URL") or default_database_url(),
        secret_key=env.get("CHECKIN_SECRET_KEY") or None,
        timezone=tz,
        env=env.get("CHECKIN_ENV", "production"),
    )


# Secret keys seen in examples and tutorials: never a production key, whatever their length.
KNOWN_WEAK_SECRETS = frozenset(
    {
        "dev",
        "development",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secret-key",
        "secret_key",
        "test",
        "test-secret",
        "testing",
        "default",
        "password",
        "insecure",
    }
)
MIN_SECRET_LENGTH = 32
DEVELOPMENT_ENVS = ("development", "testing")


class UnsafeSettings(RuntimeError):
    """The app refuses to start in production with these settings (the message names the
    variable to fix)."""


def check_production_settings(config: Mapping[str, Any]) -> None:
    """Refuse to run in production (``CHECKIN_ENV`` not development/testing) with a
    default or short secret key, or with LINE switched on (an access token) but no channel
    secret, with which the webhook could not check that a message comes from LINE."""
    if config.get("ENV") in DEVELOPMENT_ENVS:
        return
    key = config.get("SECRET_KEY")
    hint = "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
    if not key:
        raise UnsafeSettings(f"CHECKIN_SECRET_KEY must be set outside development {hint}")
    key = str(key)
    if key.strip().lower() in KNOWN_WEAK_SECRETS:
        raise UnsafeSettings(
            f"CHECKIN_SECRET_KEY is a well-known default value: set a random one {hint}"
        )
    if len(key) < MIN_SECRET_LENGTH:
        raise UnsafeSettings(
            f"CHECKIN_SECRET_KEY is too short ({len(key)} characters, at least "
            f"{MIN_SECRET_LENGTH} are needed) {hint}"
        )
    if config.get("LINE_CHANNEL_ACCESS_TOKEN") and not config.get("LINE_CHANNEL_SECRET"):
        raise UnsafeSettings(
            "CHECKIN_LINE_CHANNEL_SECRET must be set when CHECKIN_LINE_CHANNEL_ACCESS_TOKEN is "
            "(LINE Developers console, the channel's Basic settings): without it the webhook "
            "cannot verify that messages come from LINE"
        )
