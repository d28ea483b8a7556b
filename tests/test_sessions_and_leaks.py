"""Issue #17: sessions end at logout and after idling; small leaks; no personal data or
credentials in the logs."""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from checkin.models import CheckIn, Client, Employer, EmployerUser
from checkin.services import transfer
from checkin.services.errors import ValidationError
from checkin.services.links import issue_link
from checkin.web import create_app
from tests.conftest import NOW, PASSWORD, AuthActions, World, csrf_from
from tests.test_accounts import Clock, login


def session_cookie(client: FlaskClient) -> Any:
    cookie = client.get_cookie("session", domain="checkin.test")
    assert cookie is not None
    return cookie


def replay(client: FlaskClient, cookie: Any) -> None:
    client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)


def logout(client: FlaskClient, page: str = "/alerts") -> Any:
    return client.post("/logout", data={"csrf_token": csrf_from(client.get(page).get_data(True))})


# --- sessions ----------------------------------------------------------------------------


def test_a_logged_out_staff_cookie_replayed_no_longer_works(
    app: Flask, client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    stolen = session_cookie(client)
    thief = app.test_client()
    replay(thief, stolen)
    assert thief.get("/alerts").status_code == 200  # the copy works while the session lives
    assert logout(client).headers["Location"] == "/login"
    resp = thief.get("/alerts")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    replay(client, stolen)  # the same browser putting the old cookie back
    assert client.get("/alerts").status_code == 302
    auth.login("sato")  # a new login works again
    assert client.get("/alerts").status_code == 200


def test_a_logged_out_employer_cookie_replayed_no_longer_works(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    employer = Employer(office_id=world.office.id, name="株式会社あおぞら物流")
    db.add(employer)
    db.flush()
    user = EmployerUser(employer_id=employer.id, login="hr", name="人事 花子")
    user.set_password(PASSWORD)
    db.add(user)
    db.commit()
    assert login(client, "hr", PASSWORD, "/employer/login").status_code == 302
    stolen = session_cookie(client)
    assert client.get("/employer/").status_code == 200
    assert logout(client, "/employer/").headers["Location"] == "/employer/login"
    thief = app.test_client()
    replay(thief, stolen)
    resp = thief.get("/employer/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_an_idle_session_ends_with_a_message_and_activity_keeps_it_alive(
    app: Flask, client: FlaskClient, world: World, auth: AuthActions
) -> None:
    default = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
    assert default.config["SESSION_IDLE_MINUTES"] == 60
    app.config["SESSION_IDLE_MINUTES"] = 60
    clock = Clock(app)
    auth.login("sato")
    for _ in range(3):  # three hours of work, a request every 50 minutes
        clock.advance(timedelta(minutes=50))
        assert client.get("/alerts").status_code == 200
    clock.advance(timedelta(minutes=61))
    resp = client.get("/clients")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/login?next=/clients"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "しばらく操作がなかったため、ログアウトしました。" in page
    assert client.get("/alerts").status_code == 302  # signed out, not just sent away once
    auth.login("sato")
    assert client.get("/alerts").status_code == 200


def test_the_idle_limit_is_a_setting(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, database_url: str, world: World
) -> None:
    monkeypatch.setenv("CHECKIN_SESSION_IDLE_MINUTES", "15")
    app = create_app(
        {
            "TESTING": True,
            "ENV": "testing",
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "ENGINE": engine,
            "SERVER_NAME": "checkin.test",
        }
    )
    assert app.config["SESSION_IDLE_MINUTES"] == 15
    clock = Clock(app)
    client = app.test_client()
    AuthActions(client).login("sato")
    clock.advance(timedelta(minutes=14))
    assert client.get("/alerts").status_code == 200
    clock.advance(timedelta(minutes=16))
    assert client.get("/alerts").status_code == 303


# --- small leaks -------------------------------------------------------------------------


def test_reassign_shows_no_name_of_another_offices_staff(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    resp = client.get(f"/admin/reassign?from_id={world.outsider.id}")
    assert resp.status_code == 404
    assert world.outsider.name not in resp.get_data(as_text=True)
    assert client.get("/admin/reassign?from_id=99999999999999999999").status_code == 404
    own = client.get(f"/admin/reassign?from_id={world.sato.id}")
    assert own.status_code == 200 and world.sato.name in own.get_data(as_text=True)


def test_health_pages_are_not_stored_and_https_gets_hsts(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    assert "no-store" in client.get(f"/c/{token}").headers["Cache-Control"]
    auth.login("sato")
    cid = world.client_a.id
    for path in (
        "/alerts",
        f"/clients/{cid}",
        f"/clients/{cid}/timeline.json",
        f"/clients/{cid}/export.csv",
    ):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "no-store" in resp.headers["Cache-Control"], path
    static = client.get("/static/style.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    assert "Strict-Transport-Security" not in client.get("/alerts").headers
    secure = client.get("/alerts", base_url="https://checkin.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def clients_xlsx(n: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(transfer.TEMPLATE_HEADERS)
    for i in range(n):
        ws.append([f"利用者 {i}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_xlsx_with_too_many_rows_is_refused_before_parsing_it_all(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    before = db.scalar(select(func.count()).select_from(Client))
    resp = client.post(
        "/clients/import",
        data={
            "csrf_token": auth.token("/clients/import"),
            "file": (io.BytesIO(clients_xlsx(transfer.MAX_ROWS + 1)), "名簿.xlsx"),
        },
        content_type="multipart/form-data",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "行が多すぎます。一度に取り込めるのは5000行までです。" in html
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Client)) == before
    # At the limit the file is read.
    sheet = transfer.read_table("名簿.xlsx", clients_xlsx(transfer.MAX_ROWS), "clients")
    assert len(sheet.rows) == transfer.MAX_ROWS


def test_reading_stops_at_the_cap() -> None:
    pulled = itertools.count()

    def endless() -> Any:
        for i in pulled:
            yield [f"row {i}"]

    with pytest.raises(ValidationError):
        transfer._capped(endless(), 100)
    assert next(pulled) == 102  # header + 100 rows + the one too many, nothing further
    blank = itertools.count()

    def blank_rows() -> Any:
        for _ in blank:
            yield [None, ""]

    with pytest.raises(ValidationError):
        transfer._capped(blank_rows(), 100)
    assert next(blank) <= 10 * 100 + 102


def test_a_history_upload_over_its_cap_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
) -> None:
    monkeypatch.setattr(transfer, "MAX_HISTORY_ROWS", 3)
    auth.login("kanri")
    rows = [f"{world.client_a.id},2026-05-0{d},3,3" for d in range(1, 5)]
    resp = client.post(
        "/clients/import/history",
        data={
            "csrf_token": auth.token("/clients/import/history"),
            "file": (
                io.BytesIO("\n".join(["client_id,date,mood,fatigue", *rows]).encode()),
                "h.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert "一度に取り込めるのは3行までです。" in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 0


# --- logs --------------------------------------------------------------------------------


def test_database_errors_do_not_carry_the_values(engine: Engine, app: Flask) -> None:
    note = "秘密のメモ: 眠れない"
    with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table WHERE note = :note"), {"note": note})
    assert note not in str(caught.value)
    assert "hidden" in str(caught.value)
    assert app.extensions["checkin.engine"].hide_parameters
    assert (
        create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
        .extensions["checkin.engine"]
        .hide_parameters
    )


def test_access_logs_carry_no_tokens(
    live_server: str, db: Session, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    token = issue_link(db, world.client_a, now=NOW)
    db.commit()
    caplog.set_level(logging.INFO, logger="werkzeug")
    for path in (
        f"/c/{token}",
        f"/c/{token}/me",
        "/setup/a-setup-token-123",
        "/me/signed.self-view",
        f"/lang/ja?next=%2Fc%2F{token}",
    ):
        # unknown tokens answer 404: the line is logged all the same
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(live_server + path).close()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "GET /c/… " in logged and "/c/…/me" in logged
    assert "/setup/…" in logged and "/me/…" in logged and "next=/c/…" in logged
    for secret in (token, "a-setup-token-123", "signed.self-view"):
        assert secret not in logged


def test_gunicorn_access_lines_are_rewritten_too(caplog: pytest.LogCaptureFixture) -> None:
    create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"})
    logger = logging.getLogger("gunicorn.access")
    caplog.set_level(logging.INFO, logger="gunicorn.access")
    # gunicorn's access log: its format string with a dict of atoms
    logger.info(
        '%(h)s "%(r)s" %(s)s', {"h": "10.0.0.1", "r": "GET /c/abcDEF_123 HTTP/1.1", "s": "200"}
    )
    assert caplog.records[-1].getMessage() == '10.0.0.1 "GET /c/… HTTP/1.1" 200'
    logger.info('"%(r)s"', {"r": "GET /lang/en?next=%2Fc%2Fabc-DEF HTTP/1.1"})
    assert caplog.records[-1].getMessage() == '"GET /lang/en?next=%2Fc%2F… HTTP/1.1"'


def test_an_error_on_a_client_page_logs_no_token(
    monkeypatch: pytest.MonkeyPatch,
    app: Flask,
    client: FlaskClient,
    db: Session,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from checkin.web import client_form

    token = issue_link(db, world.client_a, now=NOW)
    db.commit()

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(client_form, "look_up_token", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.logger.name == "checkin.web"
    assert client.get(f"/c/{token}").status_code == 500
    logged = [r.getMessage() for r in caplog.records if r.name == "checkin.web"]
    assert logged == ["Exception on /c/… [GET]"]
    assert token not in caplog.text
