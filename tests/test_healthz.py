"""/healthz: the database answers (200 ok) or not (503); no login, no data, no cookie."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine

from checkin.web import create_app
from tests.conftest import World


def test_healthz_answers_ok_without_login_or_cookies(client: FlaskClient, world: World) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "ok"
    assert resp.mimetype == "text/plain"
    assert "Set-Cookie" not in resp.headers
    assert resp.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path) -> None:
    # A database that cannot be opened: a SQLite file in a directory that does not exist.
    broken = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    app: Flask = create_app(
        {"TESTING": True, "ENV": "testing", "SECRET_KEY": "t", "ENGINE": broken}
    )
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    body = resp.get_data(as_text=True)
    assert body == "unavailable"  # no error text, no path, no personal data
    assert "Set-Cookie" not in resp.headers


def test_healthz_does_not_open_a_login_session(client: FlaskClient, world: World) -> None:
    client.get("/healthz")
    assert client.get_cookie("session") is None
