"""CHECKIN_TRUSTED_PROXIES: behind a reverse proxy, the visitor's address and HTTPS."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from checkin.models import AuditEvent
from checkin.settings import UnsafeSettings
from checkin.web import create_app
from tests.conftest import NOW, PASSWORD, World, csrf_from

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def _app(engine: Engine, database_url: str, **extra: object) -> object:
    return create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "ENGINE": engine,
            "SERVER_NAME": "checkin.test",
            "CLOCK": lambda: NOW,
            **extra,
        }
    )


def _failed_login_address(app: object, db: Session) -> tuple[str, bool]:
    web = app.test_client()  # type: ignore[attr-defined]
    page = web.get("/login", headers=FORWARDED)
    resp = web.post(
        "/login",
        data={
            "login": "sato",
            "password": "wrong",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
        headers=FORWARDED,
    )
    assert resp.status_code == 401
    db.expire_all()
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "staff.login_failed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.detail is not None
    return event.detail["address"], "Strict-Transport-Security" in page.headers


def test_forwarded_headers_are_ignored_by_default(
    engine: Engine, database_url: str, db: Session, world: World
) -> None:
    address, hsts = _failed_login_address(_app(engine, database_url), db)
    assert address == "127.0.0.1" and not hsts  # a visitor cannot claim another address


def test_one_trusted_proxy_gives_the_visitors_address_and_https(
    engine: Engine, database_url: str, db: Session, world: World
) -> None:
    address, hsts = _failed_login_address(_app(engine, database_url, TRUSTED_PROXIES=1), db)
    assert address == "203.0.113.7" and hsts


def test_a_bad_value_stops_the_start(engine: Engine, database_url: str) -> None:
    with pytest.raises(UnsafeSettings, match="CHECKIN_TRUSTED_PROXIES"):
        _app(engine, database_url, TRUSTED_PROXIES="yes")


def test_forms_post_over_https_without_a_referer(
    engine: Engine, database_url: str, db: Session, world: World
) -> None:
    """Pages are sent Referrer-Policy: no-referrer, so browsers send no Referer: a POST over
    HTTPS (here through the trusted proxy) must not be refused for lacking one."""
    web = _app(engine, database_url, TRUSTED_PROXIES=1).test_client()  # type: ignore[attr-defined]
    page = web.get("/login", headers=FORWARDED)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    resp = web.post(
        "/login",
        data={
            "login": "sato",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
        headers=FORWARDED,
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/alerts")


def test_the_referer_check_would_refuse_it(
    engine: Engine, database_url: str, db: Session, world: World
) -> None:
    """Why WTF_CSRF_SSL_STRICT is off: with it, the same login over HTTPS is a 400."""
    web = _app(engine, database_url, WTF_CSRF_SSL_STRICT=True).test_client()  # type: ignore[attr-defined]
    page = web.get("/login", base_url="https://checkin.test")
    resp = web.post(
        "/login",
        base_url="https://checkin.test",
        data={
            "login": "sato",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert resp.status_code == 400
    web = _app(engine, database_url).test_client()  # type: ignore[attr-defined]
    page = web.get("/login", base_url="https://checkin.test")
    resp = web.post(
        "/login",
        base_url="https://checkin.test",
        data={
            "login": "sato",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert resp.status_code == 302
