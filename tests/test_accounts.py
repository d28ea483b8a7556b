"""Accounts (issue 12, with holes of issue 17): login throttling, one safe ``next``, own
password change, the forced change, reactivation, the admin-only rule, the confirmation
steps, and each role's first page."""

from __future__ import annotations

from datetime import timedelta
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
from checkin.services.support import add_consent
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
        select(AuditEvent).where(
            AuditEvent.action == "staff.login_failed", AuditEvent.target_id.is_(None)
        )
    ).all()
    assert unknown and all(
        e.detail == {"address": "127.0.0.1", "unknown_login": True} for e in unknown
    )
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
            kind="staff",
            login="sato",
            address="127.0.0.1",
            at=NOW - timedelta(hours=23),
            success=False,
        )
    )
    db.commit()
    login(client, "sato", "wrong password")
    times = db.scalars(select(LoginAttempt.at).order_by(LoginAttempt.at)).all()
    assert times == [NOW - timedelta(hours=23), NOW]


# --- next ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/%0d%0aX: y",
    ],
)
def test_next_never_leaves_the_site(
    client: FlaskClient, world: World, employer_user: EmployerUser, target: str
) -> None:
    resp = login(client, "sato", PASSWORD, f"/login?next={target}")
    assert resp.status_code == 302 and resp.headers["Location"] == "/alerts"
    resp = login(
        app_client := client.application.test_client(),
        "aozora-hr",
        PASSWORD,
        f"/employer/login?next={target}",
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/employer/"
    assert app_client.get(f"/lang/en?next={target}").headers["Location"] == "/"


def test_a_path_on_the_site_is_followed(client: FlaskClient, world: World) -> None:
    resp = login(client, "sato", PASSWORD, f"/login?next=/clients/{world.client_a.id}")
    assert resp.headers["Location"] == f"/clients/{world.client_a.id}"


# --- own password, forced change ---------------------------------------------------------


def change(client: FlaskClient, path: str, current: str, new: str, again: str | None = None) -> Any:
    return post(
        client,
        path,
        {"current": current, "new": new, "again": new if again is None else again},
        path,
    )


def test_staff_change_their_own_password(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    other_device = app.test_client()
    AuthActions(other_device).login("sato")
    page = client.get("/alerts").get_data(as_text=True)
    assert 'href="/account/password"' in page  # linked from the navigation
    before = db.get(StaffUser, world.sato.id).password_hash  # type: ignore[union-attr]
    for current, new, again, message in (
        ("wrong password", "a new long password", None, "いまのパスワードが違います"),
        (PASSWORD, "short", None, "10文字以上"),
        (PASSWORD, "a new long password", "another long password", "2回とも同じ"),
        (PASSWORD, PASSWORD, None, "いまと違う"),
    ):
        resp = change(client, "/account/password", current, new, again)
        assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    db.expire_all()
    assert db.get(StaffUser, world.sato.id).password_hash == before  # type: ignore[union-attr]

    resp = change(client, "/account/password", PASSWORD, "a new long password")
    assert resp.status_code == 303 and resp.headers["Location"] == "/alerts"
    assert client.get("/alerts").status_code == 200  # this session goes on
    assert other_device.get("/alerts").status_code == 302  # the other one ended
    assert login(app.test_client(), "sato", PASSWORD).status_code == 401
    assert login(app.test_client(), "sato", "a new long password").status_code == 302
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "staff.password_change")).one()
    assert event.actor_id == world.sato.id and event.detail is None


def test_a_new_staff_member_must_choose_their_password_first(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    post(
        client,
        "/admin/staff",
        {
            "name": "高橋 由美",
            "login": "takahashi",
            "password": "first password",
            "role": "supporter",
        },
        "/admin/staff",
    )
    new = app.test_client()
    resp = login(new, "takahashi", "first password")
    assert resp.status_code == 302 and resp.headers["Location"] == "/account/password"
    page = new.get("/account/password").get_data(as_text=True)
    assert "自分だけが知っているパスワードに変えてください" in page
    assert 'href="/alerts"' not in page  # no menu that would only lead back here
    # Nothing else is reachable, not even by POST, until the password is changed.
    for path in ("/alerts", "/clients", f"/clients/{world.client_a.id}", "/"):
        resp = new.get(path)
        assert resp.status_code == 303 and resp.headers["Location"] == "/account/password"
    token = csrf_from(page)
    resp = new.post(
        f"/clients/{world.client_a.id}/contacts", data={"csrf_token": token, "kind": "call"}
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/account/password"
    assert new.get("/lang/ja?next=/clients").headers["Location"] == "/clients"  # still allowed

    resp = change(new, "/account/password", "first password", "my own password")
    assert resp.status_code == 303
    assert new.get("/alerts").status_code == 200
    db.expire_all()
    staff = db.scalars(select(StaffUser).where(StaffUser.login == "takahashi")).one()
    assert not staff.must_change_password
    # Logout stays reachable during a forced change.
    kanri_reset = post(
        client, f"/admin/staff/{staff.id}/password", {"password": "reset by kanri"}, "/admin/staff"
    )
    assert kanri_reset.status_code == 303
    db.expire_all()
    assert db.get(StaffUser, staff.id).must_change_password  # type: ignore[union-attr]
    again = app.test_client()
    assert login(again, "takahashi", "reset by kanri").headers["Location"] == "/account/password"
    token = csrf_from(again.get("/account/password").get_data(as_text=True))
    assert again.post("/logout", data={"csrf_token": token}).headers["Location"] == "/login"


def test_a_new_employer_account_must_choose_its_password_first(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    e = Employer(office_id=world.office.id, name="ひかり食品")
    db.add(e)
    db.commit()
    auth.login("kanri")
    post(
        client,
        f"/admin/employers/{e.id}/users",
        {"name": "上司 一郎", "login": "hikari-boss", "password": "first password"},
        "/admin/employers",
    )
    boss = app.test_client()
    resp = login(boss, "hikari-boss", "first password", "/employer/login")
    assert resp.headers["Location"] == "/employer/account/password"
    assert boss.get("/employer/").headers["Location"] == "/employer/account/password"
    page = boss.get("/employer/account/password").get_data(as_text=True)
    assert "パスワードの変更" in page and 'href="/employer/account/password"' in page
    assert (
        change(boss, "/employer/account/password", "first password", "first password").status_code
        == 400
    )
    resp = change(boss, "/employer/account/password", "first password", "the boss's own one")
    assert resp.status_code == 303 and resp.headers["Location"] == "/employer/"
    assert boss.get("/employer/").status_code == 200
    assert count(db, AuditEvent, AuditEvent.action == "employer.password_change") == 1
    # A staff account cannot use the employer's page, nor the reverse.
    assert boss.get("/account/password").status_code == 403
    assert client.get("/employer/account/password").status_code == 403


# --- reactivation and the admin-only rule ------------------------------------------------


def test_a_stopped_account_can_be_reactivated(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    post(client, f"/admin/staff/{world.sato.id}/deactivate", {"confirm": "1"}, "/admin/staff")
    assert login(app.test_client(), "sato", PASSWORD).status_code == 401
    page = client.get("/admin/staff").get_data(as_text=True)
    assert f'action="/admin/staff/{world.sato.id}/reactivate"' in page and "再開する" in page
    resp = post(client, f"/admin/staff/{world.sato.id}/reactivate", {}, "/admin/staff")
    assert resp.status_code == 303
    assert "ログインできます" in client.get("/admin/staff").get_data(as_text=True)
    assert login(app.test_client(), "sato", PASSWORD).status_code == 302
    assert count(db, AuditEvent, AuditEvent.action == "staff.reactivate") == 1
    # Another office's staff does not exist for this manager.
    assert (
        post(client, f"/admin/staff/{world.outsider.id}/reactivate", {}, "/admin/staff").status_code
        == 404
    )


def test_a_service_manager_cannot_act_on_an_administrators_account(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    admin = make_admin(db, world)
    before = admin.password_hash
    auth.login("kanri")
    page = client.get("/admin/staff").get_data(as_text=True)
    assert f"/admin/staff/{admin.id}/deactivate" not in page
    assert "管理者のアカウントは、管理者だけが変更できます" in page
    for path, data in (
        (f"/admin/staff/{admin.id}/password", {"password": "taken over now"}),
        (f"/admin/staff/{admin.id}/deactivate", {"confirm": "1"}),
        (f"/admin/staff/{admin.id}/deactivate", {}),
        (f"/admin/staff/{admin.id}/reactivate", {}),
        (f"/admin/staff/{admin.id}/role", {"role": "supporter"}),
        (f"/admin/staff/{admin.id}/leave", {"starts_on": "2026-07-01", "ends_on": "2026-07-02"}),
    ):
        assert post(client, path, data, "/admin/staff").status_code == 403, path
    assert client.get(f"/admin/staff/{admin.id}/deactivate").status_code == 403
    db.expire_all()
    row = db.get(StaffUser, admin.id)
    assert row is not None and row.active and row.password_hash == before
    assert not row.must_change_password and row.role == Role.ADMIN
    assert login(app.test_client(), "admin", PASSWORD).status_code == 302
    # An administrator may.
    boss = app.test_client()
    login(boss, "admin", PASSWORD)
    other = make_admin_two(db, world)
    assert (
        post(
            boss,
            f"/admin/staff/{other.id}/password",
            {"password": "reset by admin"},
            "/admin/staff",
        ).status_code
        == 303
    )
    db.expire_all()
    assert db.get(StaffUser, other.id).must_change_password  # type: ignore[union-attr]


def make_admin_two(db: Session, world: World) -> StaffUser:
    other = StaffUser(
        office_id=world.office.id,
        login="admin2",
        name="副所長",
        role=Role.ADMIN,
        password_hash=generate_password_hash(PASSWORD),
    )
    db.add(other)
    db.commit()
    return other


# --- confirmation steps ------------------------------------------------------------------


def ask_then_confirm(
    client: FlaskClient, path: str, page: str, data: dict[str, str], yes: str, *names: str
) -> tuple[Any, Any]:
    """The unconfirmed POST answers the confirmation page (which must name who is
    affected); then the confirmed POST, sent from that page's own form."""
    asked = post(client, path, data, page)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and yes in html and "やめる" in html
    for name in names:
        assert name in html
    assert f'action="{path}"' in html and 'name="confirm" value="1"' in html
    opened = client.get(
        path + ("?" + "&".join(f"{k}={v}" for k, v in data.items()) if data else "")
    )
    assert opened.status_code == 200 and yes in opened.get_data(as_text=True)
    return asked, (path, {**data, "confirm": "1"}, html)


def test_stopping_a_staff_account_asks_first(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    path = f"/admin/staff/{world.sato.id}/deactivate"
    _, (path, data, html) = ask_then_confirm(
        client, path, "/admin/staff", {}, "はい、停止します", "佐藤さん", "ログインできなくなります"
    )
    assert 'href="/admin/staff"' in html  # やめる goes back
    db.expire_all()
    assert db.get(StaffUser, world.sato.id).active  # type: ignore[union-attr]
    assert count(db, AuditEvent, AuditEvent.action == "staff.deactivate") == 0
    resp = client.post(path, data={**data, "csrf_token": csrf_from(html)})
    assert resp.status_code == 303
    db.expire_all()
    assert not db.get(StaffUser, world.sato.id).active  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "yes"), [("ended", "はい、終了します"), ("paused", "はい、一時停止します")]
)
def test_ending_or_pausing_support_asks_first(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, status: str, yes: str
) -> None:
    auth.login("kanri")
    detail = f"/clients/{world.client_a.id}"
    _, (path, data, html) = ask_then_confirm(
        client, f"{detail}/status", detail, {"status": status}, yes, "田中 健太さん"
    )
    db.expire_all()
    assert db.get(Client, world.client_a.id).status == ClientStatus.ACTIVE  # type: ignore[union-attr]
    assert client.post(path, data={**data, "csrf_token": csrf_from(html)}).status_code == 303
    db.expire_all()
    assert db.get(Client, world.client_a.id).status == ClientStatus(status)  # type: ignore[union-attr]
    # Resuming cuts nobody off: it acts at once.
    assert post(client, f"{detail}/status", {"status": "active"}, detail).status_code == 303
    db.expire_all()
    assert db.get(Client, world.client_a.id).status == ClientStatus.ACTIVE  # type: ignore[union-attr]


def test_revoking_a_consent_asks_first(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, employer_user: EmployerUser
) -> None:
    consent = add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=employer_user.employer_id,
        scopes=["trend"],
        agency_name=None,
        evidence="同意書 2026-06-01",
        now=NOW,
    )
    db.commit()
    auth.login("sato")
    detail = f"/clients/{world.client_a.id}"
    _, (path, data, html) = ask_then_confirm(
        client,
        f"/consents/{consent.id}/revoke",
        detail,
        {},
        "はい、取り消します",
        "田中 健太さん",
        "株式会社あおぞら物流",
    )
    db.expire_all()
    assert db.get(Consent, consent.id).revoked_at is None  # type: ignore[union-attr]
    assert client.post(path, data={**data, "csrf_token": csrf_from(html)}).status_code == 303
    db.expire_all()
    assert db.get(Consent, consent.id).revoked_at is not None  # type: ignore[union-attr]


def test_a_consent_of_another_office_is_not_found_even_unconfirmed(
    client: FlaskClient, db: Session, world: World, auth: AuthActions, employer_user: EmployerUser
) -> None:
    consent = add_consent(
        db,
        world.sato,
        world.client_a,
        employer_id=employer_user.employer_id,
        scopes=["trend"],
        agency_name=None,
        evidence="同意書 2026-06-01",
        now=NOW,
    )
    db.commit()
    outsider = AuthActions(client)
    outsider.login("yoso")
    assert client.get(f"/consents/{consent.id}/revoke").status_code == 404


def test_revoking_a_client_link_asks_first(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    issue_link(db, world.client_a, now=NOW)
    db.commit()
    auth.login("sato")
    detail = f"/clients/{world.client_a.id}"
    _, (path, data, html) = ask_then_confirm(
        client, f"{detail}/link/revoke", detail, {}, "はい、無効にします", "田中 健太さん"
    )
    db.expire_all()
    assert active_link(db, world.client_a) is not None
    assert client.post(path, data={**data, "csrf_token": csrf_from(html)}).status_code == 303
    db.expire_all()
    assert active_link(db, world.client_a) is None


# --- each role's first page --------------------------------------------------------------


def test_each_role_lands_on_its_own_work(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    # Open flags of both supporters' clients, one urgent.
    upsert_candidates(
        db,
        world.office,
        TODAY,
        [
            FlagCandidate(
                world.client_a.id, "contact", "urgent", 90.0, (Reason("x", "相談したい"),)
            ),
            FlagCandidate(world.client_b.id, "trend", "high", 40.0, (Reason("x", "気分が低い"),)),
        ],
        now=NOW,
    )
    db.commit()
    resp = login(client, "kanri", PASSWORD)
    assert resp.headers["Location"] == "/alerts?all=1"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "対応が必要なアラートはありません" not in page
    assert world.client_a.name in page and world.client_b.name in page
    assert client.get("/").headers["Location"] == "/alerts?all=1"

    sato = app.test_client()
    resp = login(sato, "sato", PASSWORD)
    assert resp.headers["Location"] == "/alerts"
    page = sato.get("/alerts").get_data(as_text=True)
    assert world.client_a.name in page and world.client_b.name not in page

    admin = make_admin(db, world)
    boss = app.test_client()
    assert login(boss, admin.login, PASSWORD).headers["Location"] == "/alerts?all=1"


def test_a_login_with_a_nul_byte_or_too_long_is_just_wrong(
    client: FlaskClient, db: Session, world: World
) -> None:
    for typed in ("sato\x00", "x" * 5000):
        resp = login(client, typed, "wrong password")
        assert resp.status_code == 401, typed[:10]
    assert count(db, LoginAttempt) == 2
