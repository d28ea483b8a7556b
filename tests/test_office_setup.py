"""Starting from empty: create-office and its one-time setup link, setup-link for a lost
link, the setup page, the office settings page, and closed days in the morning job."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.cli import main
from checkin.models import (
    AuditEvent,
    Channel,
    CheckIn,
    Flag,
    MailDetail,
    Office,
    OfficeClosedDay,
    Role,
    SetupToken,
    StaffUser,
)
from checkin.services.morning import run_office_morning
from checkin.services.office import SETUP_LINK_HOURS, create_office
from tests.conftest import NOW, TODAY, AuthActions, World, csrf_from

LINK_RE = re.compile(r"https://checkin\.example\.jp(/setup/[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a new password 1"


def _create(database_url: str, *args: str, base: str | None = "https://checkin.example.jp"):
    env = {"CHECKIN_DATABASE_URL": database_url, "CHECKIN_PUBLIC_BASE_URL": base or ""}
    return CliRunner().invoke(main, list(args), env=env)


def _set_password(client: FlaskClient, path: str, pw: str = NEW_PASSWORD, pw2: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(
        path,
        data={
            "password": pw,
            "password2": pw if pw2 is None else pw2,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )


def test_create_office_prints_a_link_that_works_once(
    database_url: str, app: Flask, client: FlaskClient, db: Session
) -> None:
    result = _create(
        database_url,
        "create-office",
        "あおぞら就労定着支援センター",
        "--admin",
        "Yamada",
        "--admin-name",
        "山田 花子",
    )
    assert result.exit_code == 0, result.output
    assert "72 hours" in result.output
    m = LINK_RE.search(result.output)
    assert m, result.output
    path = m.group(1)
    office = db.scalar(select(Office))
    assert office is not None and office.name == "あおぞら就労定着支援センター"
    assert office.timezone == "Asia/Tokyo"
    admin = db.scalar(select(StaffUser))
    assert admin is not None
    assert (admin.login, admin.name, admin.role) == ("yamada", "山田 花子", Role.ADMIN)
    assert not admin.check_password("") and not admin.check_password("!unset")
    row = db.scalar(select(SetupToken))
    assert row is not None and path.split("/")[-1] not in row.token_hash  # only the hash
    assert row.expires_at - row.created_at == timedelta(hours=SETUP_LINK_HOURS)
    # the CLI ran on the real clock: view the link a minute after it was made
    app.config["CLOCK"] = lambda: row.created_at + timedelta(minutes=1)

    # nobody can log in before the password is set
    assert AuthActions(client).login("yamada", "").status_code == 401
    page = client.get(path).get_data(as_text=True)
    assert "パスワードの設定" in page and "山田 花子" in page
    resp = _set_password(client, path)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/admin/office")
    settings = client.get("/admin/office")
    assert settings.status_code == 200 and "事業所の設定" in settings.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(SetupToken.used_at)) is not None
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"office.create", "staff.setup_password", "staff.login"} <= actions

    # the link is used up; the password works at the login page
    client.post("/logout")
    again = client.get(path)
    assert again.status_code == 410
    text = again.get_data(as_text=True)
    assert "このリンクは使えません" in text and "すでに使われました" in text
    assert AuthActions(client).login("yamada", NEW_PASSWORD).status_code == 302


def test_the_link_expires_after_72_hours(app: Flask, client: FlaskClient, db: Session) -> None:
    link = create_office(db, "A", admin_login="admin1", now=NOW)
    db.commit()
    app.config["CLOCK"] = lambda: NOW + timedelta(hours=SETUP_LINK_HOURS, seconds=-1)
    assert client.get(link.path).status_code == 200
    app.config["CLOCK"] = lambda: NOW + timedelta(hours=SETUP_LINK_HOURS)
    resp = client.get(link.path)
    assert resp.status_code == 410 and "有効期限が切れた" in resp.get_data(as_text=True)
    assert "checkin setup-link" in resp.get_data(as_text=True)
    # a POST after expiry sets nothing
    resp = client.post(link.path, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert resp.status_code in (400, 410)
    db.expire_all()
    assert not link.staff.check_password(NEW_PASSWORD)


def test_unknown_link_is_a_plain_404(client: FlaskClient) -> None:
    resp = client.get("/setup/not-a-real-token")
    assert resp.status_code == 404
    assert "このリンクは正しくありません" in resp.get_data(as_text=True)


def test_password_rules_on_the_setup_page(app: Flask, client: FlaskClient, db: Session) -> None:
    link = create_office(db, "A", admin_login="admin1", now=NOW)
    db.commit()
    short = _set_password(client, link.path, "short")
    assert short.status_code == 400 and "10文字以上" in short.get_data(as_text=True)
    differ = _set_password(client, link.path, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert differ.status_code == 400 and "同じではありません" in differ.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(SetupToken.used_at)) is None  # still usable
    assert _set_password(client, link.path).status_code == 303


def test_duplicate_login_is_refused(database_url: str, db: Session, world: World) -> None:
    result = _create(database_url, "create-office", "C事業所", "--admin", "Sato")
    assert result.exit_code == 1
    assert "このログインIDはすでに使われています" in result.output
    assert db.scalar(select(Office).where(Office.name == "C事業所")) is None
    bad_zone = _create(database_url, "create-office", "C", "--admin", "cc1", "--timezone", "Mars/X")
    assert bad_zone.exit_code == 1 and "タイムゾーン" in bad_zone.output


def test_without_a_public_base_url_the_path_is_printed_with_how_to_set_it(
    database_url: str, db: Session
) -> None:
    result = _create(database_url, "create-office", "D", "--admin", "dd1", base=None)
    assert result.exit_code == 0, result.output
    assert "export CHECKIN_PUBLIC_BASE_URL=" in result.output
    assert re.search(r"^  /setup/[A-Za-z0-9_-]{40,}$", result.output, re.M)


def test_setup_link_replaces_earlier_unused_links(
    database_url: str, app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    first = _create(database_url, "setup-link", "suzuki")
    second = _create(database_url, "setup-link", "SUZUKI")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    p1, p2 = (LINK_RE.search(r.output).group(1) for r in (first, second))  # type: ignore[union-attr]
    created = db.scalar(select(SetupToken.created_at).order_by(SetupToken.id.desc()))
    app.config["CLOCK"] = lambda: created + timedelta(minutes=1)
    assert client.get(p1).status_code == 410  # the lost link no longer works
    resp = _set_password(client, p2)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/")  # not an admin
    assert client.get("/admin/office").status_code == 403
    missing = _create(database_url, "setup-link", "nobody")
    assert missing.exit_code == 1 and "nobody" in missing.output


# --- the settings page -----------------------------------------------------------------------


@pytest.fixture
def admin(db: Session, world: World) -> StaffUser:
    world.manager.role = Role.ADMIN
    db.commit()
    return world.manager


def _settings(client: FlaskClient, **overrides: object) -> tuple[int, str]:
    token = csrf_from(client.get("/admin/office").get_data(as_text=True))
    data: dict[str, object] = {
        "csrf_token": token,
        "name": "A事業所",
        "timezone": "Asia/Tokyo",
        "morning_hour": "7",
        "escalation_hour": "10",
        "mail_detail": "counts",
        "phone": "",
        "open_weekday": ["0", "1", "2", "3", "4"],
        "opens_at": "",
        "closes_at": "",
    }
    data.update(overrides)
    resp = client.post("/admin/office", data=data, follow_redirects=True)
    return resp.status_code, resp.get_data(as_text=True)


def test_settings_are_admin_only(
    client: FlaskClient, auth: AuthActions, world: World, admin: StaffUser
) -> None:
    auth.login("sato")
    assert client.get("/admin/office").status_code == 403
    assert "/admin/office" not in client.get("/alerts").get_data(as_text=True)
    client.post("/logout")
    auth.login("kanri")
    page = client.get("/alerts").get_data(as_text=True)
    assert 'href="/admin/office"' in page  # in the admin's navigation


def test_settings_are_saved_and_audited(
    client: FlaskClient, auth: AuthActions, db: Session, world: World, admin: StaffUser
) -> None:
    auth.login("kanri")
    page = client.get("/admin/office").get_data(as_text=True)
    assert page.index("Asia/Tokyo") < page.index("Asia/Seoul")  # Japan first
    for label in ("件数だけ", "イニシャル", "名前", "月", "日"):
        assert label in page
    status, page = _settings(
        client,
        name="あおぞら",
        timezone="Asia/Seoul",
        morning_hour="6",
        escalation_hour="11",
        mail_detail="initials",
        phone="０３−１２３４−５６７８",
        open_weekday=["0", "1", "2", "3", "4", "5"],
        opens_at="9:00",  # as typed where the browser has no time picker
        closes_at="１８:００",
    )
    assert status == 200 and "保存しました" in page
    db.expire_all()
    office = db.get(Office, world.office.id)
    assert office is not None
    assert (office.name, office.timezone, office.morning_hour, office.escalation_hour) == (
        "あおぞら",
        "Asia/Seoul",
        6,
        11,
    )
    assert office.mail_detail == MailDetail.INITIALS
    assert office.phone == "03-1234-5678"
    assert office.open_weekdays == "012345"
    assert (office.opens_at, office.closes_at) == (time(9), time(18))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "office.settings"))
    assert event is not None and event.actor_id == admin.id
    assert event.detail["changed"]["name"] == ["A事業所", "あおぞら"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": " "}, "name", "事業所の名前を入れてください"),
        ({"timezone": "Asia/Nowhere"}, "timezone", "タイムゾーンを一覧から選んでください"),
        ({"morning_hour": "24"}, "morning_hour", "0時から23時"),
        ({"escalation_hour": "4"}, "escalation_hour", "朝のアラートの時刻より後"),
        ({"mail_detail": "everything"}, "mail_detail", "メールに書く内容を選んでください"),
        ({"phone": "03-12"}, "phone", "電話番号は数字とハイフンで"),
        ({"phone": "call me"}, "phone", "電話番号は数字とハイフンで"),
        ({"open_weekday": []}, "open_weekdays", "1つ以上選んでください"),
        ({"opens_at": "9時"}, "opens_at", "9:00 のように"),
        ({"opens_at": "9:00", "closes_at": "25:00"}, "closes_at", "9:00 のように"),
        ({"opens_at": "09:00"}, "closes_at", "両方入れてください"),
        ({"opens_at": "18:00", "closes_at": "09:00"}, "closes_at", "開く時刻より後"),
    ],
)
def test_bad_settings_are_explained_next_to_the_field_and_nothing_saved(
    client: FlaskClient,
    auth: AuthActions,
    db: Session,
    world: World,
    admin: StaffUser,
    overrides: dict[str, object],
    field: str,
    message: str,
) -> None:
    auth.login("kanri")
    # a good change in the same form is not saved either
    status, page = _settings(client, **{"morning_hour": "5", "phone": "03-1111-2222", **overrides})
    assert status == 400
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', page), page
    typed = overrides.get("phone", "03-1111-2222")
    assert f'name="phone" type="tel" value="{typed}"' in page  # shown back as typed
    db.expire_all()
    office = db.get(Office, world.office.id)
    assert office is not None and office.morning_hour == 7 and office.phone is None
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "office.settings")) is None


def test_closed_days_are_added_listed_and_removed(
    client: FlaskClient, auth: AuthActions, db: Session, world: World, admin: StaffUser
) -> None:
    auth.login("kanri")
    token = auth.token("/admin/office")
    db.add(OfficeClosedDay(office_id=world.office.id, day=TODAY - timedelta(days=3), note="過去"))
    db.add(OfficeClosedDay(office_id=world.other_office.id, day=date(2026, 8, 14), note="よそ"))
    db.commit()
    resp = client.post(
        "/admin/office/closed-days",
        data={"csrf_token": token, "closed_day": "2026-08-13", "closed_note": "お盆"},
        follow_redirects=True,
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "8月13日を休みの日にしました" in page
    assert "2026年8月13日 (木)" in page and "お盆" in page
    assert "過去" not in page and "よそ" not in page  # only this office's upcoming days
    dup = client.post(
        "/admin/office/closed-days",
        data={"csrf_token": token, "closed_day": "2026-08-13", "closed_note": ""},
    )
    assert dup.status_code == 400 and "すでに休みの日に入っています" in dup.get_data(as_text=True)
    for wrong in ("x", "2026-02-30", "13/08/2026"):
        bad = client.post(
            "/admin/office/closed-days", data={"csrf_token": token, "closed_day": wrong}
        )
        assert bad.status_code == 400 and "2026-12-29 のように" in bad.get_data(as_text=True)
    slash = client.post(
        "/admin/office/closed-days", data={"csrf_token": token, "closed_day": "2026/12/31"}
    )
    assert slash.status_code == 303  # as Japanese Excel writes dates
    rows = list(db.scalars(select(OfficeClosedDay).where(OfficeClosedDay.note == "お盆")))
    assert len(rows) == 1
    other = db.scalar(select(OfficeClosedDay).where(OfficeClosedDay.note == "よそ"))
    assert other is not None
    gone = client.post(f"/admin/office/closed-days/{other.id}/delete", data={"csrf_token": token})
    assert gone.status_code == 404  # another office's day
    resp = client.post(
        f"/admin/office/closed-days/{rows[0].id}/delete",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "8月13日を休みの日から外しました" in resp.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(OfficeClosedDay).where(OfficeClosedDay.note == "お盆")) is None
    actions = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("office.closed_day.add") == 2  # 8/13 and 12/31
    assert actions.count("office.closed_day.remove") == 1


# --- closed days in the morning job ----------------------------------------------------------


def test_the_morning_job_does_not_count_closed_days_as_missed(db: Session, world: World) -> None:
    a = world.client_a
    last = date(2026, 6, 4)  # Thursday; silent on Friday 5, Monday 8, Tuesday 9
    day = TODAY - timedelta(days=60)
    while day <= last:
        if day.weekday() < 5:
            db.add(CheckIn(client_id=a.id, local_date=day, mood=4, fatigue=2, channel=Channel.WEB))
        day += timedelta(days=1)
    for d in (5, 8, 9):
        db.add(OfficeClosedDay(office_id=world.office.id, day=date(2026, 6, d)))
    db.commit()

    def missing() -> bool:
        db.expire_all()
        return (
            db.scalar(select(Flag).where(Flag.client_id == a.id, Flag.kind == "missing"))
            is not None
        )

    run_office_morning(db, world.office, TODAY, now=NOW)
    db.commit()
    assert not missing()
    # the same silence with the office open is a missed entry
    for row in db.scalars(select(OfficeClosedDay)):
        db.delete(row)
    db.commit()
    run_office_morning(db, world.office, TODAY, now=NOW + timedelta(minutes=1))
    db.commit()
    assert missing()


def test_a_deactivated_persons_link_stops_working(app: Flask, client: FlaskClient, db: Session):
    link = create_office(db, "A", admin_login="admin1", now=NOW)
    link.staff.active = False
    db.commit()
    assert client.get(link.path).status_code == 410
