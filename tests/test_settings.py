"""Settings and the app factory's refusal to run unsafely."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from checkin.settings import UnsafeSettings, load_settings
from checkin.web import create_app


def test_defaults() -> None:
    s = load_settings({})
    assert s.timezone == "Asia/Tokyo"
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("checkin.db")
    assert s.env == "production"


def test_environment_overrides() -> None:
    s = load_settings(
        {
            "CHECKIN_DATABASE_URL": "postgresql+psycopg://x@h/db",
            "CHECKIN_TIMEZONE": "UTC",
            "CHECKIN_SECRET_KEY": "k",
        }
    )
    assert (s.database_url, s.timezone, s.secret_key) == ("postgresql+psycopg://x@h/db", "UTC", "k")


def test_a_misspelt_time_zone_fails_early() -> None:
    with pytest.raises(Exception, match="Asia/Tokio"):
        load_settings({"CHECKIN_TIMEZONE": "Asia/Tokio"})


def test_production_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CHECKIN_SECRET_KEY", raising=False)
    monkeypatch.setenv("CHECKIN_ENV", "production")
    monkeypatch.setenv("CHECKIN_DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="CHECKIN_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("CHECKIN_SECRET_KEY", "s" * 32)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_development_runs_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKIN_SECRET_KEY", raising=False)
    monkeypatch.setenv("CHECKIN_ENV", "development")
    monkeypatch.setenv("CHECKIN_DATABASE_URL", "sqlite://")
    assert create_app().config["SECRET_KEY"]


def test_the_web_engine_runs_without_parallel_query_on_postgresql(
    database_url: str, engine: Engine
) -> None:
    from sqlalchemy import text

    from checkin.db import make_web_engine

    web = make_web_engine(database_url)
    try:
        with web.connect() as conn:
            if web.dialect.name != "postgresql":
                assert conn.execute(text("SELECT 1")).scalar() == 1  # SQLite: nothing to set
                return
            setting = conn.execute(text("SHOW max_parallel_workers_per_gather")).scalar()
        with engine.connect() as conn:  # the jobs' engine keeps the server's default
            default = conn.execute(text("SHOW max_parallel_workers_per_gather")).scalar()
    finally:
        web.dispose()
    assert setting == "0"
    assert default != "0"


GOOD_KEY = "7f3c9a1e5b2d8f40a6c1e9b3d5f7a2c4"  # 32 characters


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("dev", "well-known default"),
        ("changeme", "well-known default"),
        ("ChangeMe", "well-known default"),
        ("short-but-random-9f8e7d", "too short"),
        ("x" * 31, "too short"),
    ],
)
def test_production_refuses_a_default_or_short_secret_key(
    monkeypatch: pytest.MonkeyPatch, key: str, reason: str
) -> None:
    monkeypatch.setenv("CHECKIN_ENV", "production")
    monkeypatch.setenv("CHECKIN_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CHECKIN_SECRET_KEY", key)
    with pytest.raises(UnsafeSettings, match="CHECKIN_SECRET_KEY") as err:
        create_app()
    assert reason in str(err.value)
    assert key not in str(err.value)  # the key itself is never printed


def test_production_starts_with_a_long_random_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKIN_ENV", "production")
    monkeypatch.setenv("CHECKIN_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CHECKIN_SECRET_KEY", GOOD_KEY)
    assert create_app().config["SECRET_KEY"] == GOOD_KEY


def test_production_refuses_line_without_its_channel_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHECKIN_ENV", "production")
    monkeypatch.setenv("CHECKIN_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CHECKIN_SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("CHECKIN_LINE_CHANNEL_ACCESS_TOKEN", "token-from-the-console")
    monkeypatch.delenv("CHECKIN_LINE_CHANNEL_SECRET", raising=False)
    with pytest.raises(UnsafeSettings, match="CHECKIN_LINE_CHANNEL_SECRET"):
        create_app()
    monkeypatch.setenv("CHECKIN_LINE_CHANNEL_SECRET", "0123456789")  # all digits: still set
    assert create_app().config["LINE_CHANNEL_SECRET"]


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_testing_accept_a_short_key_and_line_without_secret(
    monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv("CHECKIN_ENV", env)
    monkeypatch.setenv("CHECKIN_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CHECKIN_SECRET_KEY", "dev")
    monkeypatch.setenv("CHECKIN_LINE_CHANNEL_ACCESS_TOKEN", "token")
    monkeypatch.delenv("CHECKIN_LINE_CHANNEL_SECRET", raising=False)
    assert create_app().config["SECRET_KEY"] == "dev"
