"""Accounts (issue 12, with holes of issue 17): login throttling, one safe ``next``, own
password change, the forced change, reactivation, the admin-only rule, the confirmation
steps, and each role's first page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from checkin.models import (
    AuditEvent,
    Client,
    ClientStatus,
    Consent,
    Employer,
    EmployerUser,
    LoginAttempt,
    Role,
    StaffUser,
)
from checkin.services import login_throttle
from checkin.services.flags import upsert_candidates
from checkin.services.links import active_link, issue_link
from checkin.signals import FlagCandidate, Reason
from tests.conftest import NOW, PASSWORD, TODAY, AuthActions, World, csrf_from


def count(db: Session, model: Any, *where: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def post(client: FlaskClient, path: str, data: dict[str, Any], page: str) -> Any:
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


class Clock:
    """The app's ``now()``: starts at NOW, moved by the test (no sleeping)."""

    def __init__(self, app: Flask) -> None:
        self.at = NOW
        app.config["CLOCK"] = lambda: self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def login(client: FlaskClient, who: str, password: str, path: str = "/login") -> Any:
    page = client.get(path.split("?")[0]).get_data(as_text=True)
    return client.post(
        path, data={"login": who, "password": password, "csrf_token": csrf_from(page)}
    )


@pytest.fixture
def employer_user(db: Session, world: World) -> EmployerUser:
    e = Employer(office_id=world.office.id, name="株式会社あおぞら物流")
    db.add(e)
    db.flush()
    user = EmployerUser(
        employer_id=e.id,
        login="aozora-hr",
        name="人事 花子",
        password_hash=generate_password_hash(PASSWORD),
    )
    db.add(user)
    db.commit()
    return user


def make_admin(db: Session, world: World) -> StaffUser:
    admin = StaffUser(
        office_id=world.office.id,
        login="admin",
        name="所長",
        role=Role.ADMIN,
        password_hash=generate_password_hash(PASSWORD),
    )
    db.add(admin)
    db.commit()
    return admin


# --- throttling --------------------------------------------------------------------------


def test_five_failures_lock_the_login_even_for_the_right_password_until_the_window_passes(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    clock = Clock(app)
    for _ in range(login_throttle.PER_LOGIN - 1):
        assert login(client, "sato", "wrong password").status_code == 401
        clock.advance(timedelta(minutes=1))
    fifth = login(client, "sato", "wrong password")
    assert fifth.status_code == 429  # this failure starts the lock
    # The right password is refused now, with how long to wait, in Japanese.
    refused = login(client, "sato", PASSWORD)
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "しばらくログインできません" in text and "11分ほど待って" in text
    assert client.get("/alerts").status_code == 302  # not signed in
    # Another login from the same address still works (5 failures are under its limit).
    assert login(app.test_client(), "suzuki", PASSWORD).status_code == 302
    clock.advance(timedelta(minutes=10, seconds=59))  # 14:59 after the first failure
    assert login(client, "sato", PASSWORD).status_code == 429
    clock.advance(timedelta(seconds=1))  # the first failure leaves the window
    resp = login(client, "sato", PASSWORD)
    assert resp.status_code == 302 and client.get("/alerts").status_code == 200
    # Each failure and the lockout are in the audit log, with the address, no password.
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action.like("staff.login_%")).order_by(AuditEvent.id)
    ).all()
    actions = [e.action for e in events]
    assert actions.count("staff.login_failed") == 5 and actions.count("staff.login_locked") == 1
    assert all(e.target_id == world.sato.id and e.office_id == world.office.id for e in events)
    assert all(e.detail and e.detail["address"] == "127.0.0.1" for e in events)
    assert not any("wrong password" in str(e.detail) for e in events)
    # Refused attempts checked no password and added no attempt.
    assert count(db, LoginAttempt, LoginAttempt.success.is_(False)) == 5


def test_a_success_starts_the_count_again(app: Flask, client: FlaskClient, world: World) -> None:
    clock = Clock(app)
    for _ in range(2):
        for _ in range(login_throttle.PER_LOGIN - 1):
            assert login(client, "sato", "wrong password").status_code == 401
            clock.advance(timedelta(seconds=10))
        assert login(client, "sato", PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/alerts").get_data(True))})
        clock.advance(timedelta(seconds=10))


def test_twenty_failures_from_one_address_lock_that_address_only(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    clock = Clock(app)
    for i in range(login_throttle.PER_ADDRESS):
        # unknown logins, each tried under its limit
        assert login(client, f"nobody{i % 5}", "wrong password").status_code in (401, 429)
        clock.advance(timedelta(seconds=20))
    resp = login(client, "sato", PASSWORD)
    assert resp.status_code == 429 and "分ほど待って" in resp.get_data(as_text=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(elsewhere, "sato", PASSWORD).status_code == 302
    clock.advance(login_throttle.WINDOW)
    assert login(client, "sato", PASSWORD).status_code == 302
    # An unknown login is audited without the text typed as a login.
    unknown = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.login_failed", AuditEvent.target_id.is_(None))
    ).all()
    assert unknown and all(e.detail == {"address": "127.0.0.1", "unknown_login": True} for e in unknown)
    assert count(db, AuditEvent, AuditEvent.action == "staff.login_locked") >= 1


def test_employer_login_is_throttled_too(
    app: Flask, client: FlaskClient, db: Session, employer_user: EmployerUser
) -> None:
    clock = Clock(app)
    for _ in range(login_throttle.PER_LOGIN):
        login(client, "aozora-hr", "wrong password", "/employer/login")
    resp = login(client, "aozora-hr", PASSWORD, "/employer/login")
    assert resp.status_code == 429 and "しばらくログインできません" in resp.get_data(as_text=True)
    assert count(db, AuditEvent, AuditEvent.action == "employer.login_failed") == 5
    assert count(db, AuditEvent, AuditEvent.action == "employer.login_locked") == 1
    clock.advance(login_throttle.WINDOW)
    assert login(client, "aozora-hr", PASSWORD, "/employer/login").status_code == 302


@pytest.mark.parametrize("path", ["/login", "/employer/login"])
def test_an_unknown_login_costs_one_password_check_like_a_known_one(
    client: FlaskClient, world: World, employer_user: EmployerUser, path: str, monkeypatch: Any
) -> None:
    import checkin.models.office
    import checkin.models.support

    checks: list[str] = []
    for module in (checkin.models.office, checkin.models.support):
        real = module.check_password_hash
        monkeypatch.setattr(
            module,
            "check_password_hash",
            lambda h, p, real=real: checks.append(p) or real(h, p),
        )
    known = "aozora-hr" if path.startswith("/employer") else "sato"
    login(client, known, "wrong password", path)
    login(client, "no-such-person", "wrong password", path)
    assert checks == ["wrong password", "wrong password"]


def test_old_attempts_are_pruned_on_write(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    Clock(app)
    db.add(
        LoginAttempt(
            kind="staff",
            login="sato",
            address="127.0.0.1",
            at=NOW - timedelta(days=1, seconds=1),
            success=False,
        )
    )
    db.add(
        LoginAttempt(
            kind="staff", login="sato", address="127.0.0.1", at=NOW - timedelta(hours=23), success=False
        )
    )
    db.commit()
    login(client, "sato", "wrong password")
    times = db.scalars(select(LoginAttempt.at).order_by(LoginAttempt.at)).all()
    assert times == [NOW - timedelta(hours=23), NOW]


# --- next ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example/", "/%0d%0aX: y"],
)
def test_next_never_leaves_the_site(
    client: FlaskClient, world: World, employer_user: EmployerUser, target: str
) -> None:
    resp = login(client, "sato", PASSWORD, f"/login?next={target}")
    assert resp.status_code == 302 and resp.headers["Location"] == "/alerts"
    resp = login(app_client := client.application.test_client(), "aozora-hr", PASSWORD,
                 f"/employer/login?next={target}")
    assert resp.status_code == 302 and resp.headers["Location"] == "/employer/"
    assert app_client.get(f"/lang/en?next={target}").headers["Location"] == "/"


def test_a_path_on_the_site_is_followed(client: FlaskClient, world: World) -> None:
    resp = login(client, "sato", PASSWORD, f"/login?next=/clients/{world.client_a.id}")
    assert resp.headers["Location"] == f"/clients/{world.client_a.id}"
