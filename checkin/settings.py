"""Settings from ``CHECKIN_*`` environment variables, shared by the web app, CLI and jobs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
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
