"""Staff views of a client's health pages are audited; the service manager sees who looked."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, Flag, FlagStatus, Severity
from checkin.services import views
from tests.conftest import NOW, TODAY, AuthActions, World
from tests.test_employer_view import employer, employer_login  # noqa: F401


def _views(db: Session, client_id: int) -> list[tuple[str, int | None]]:
    db.expire_all()
    return [
        (e.action, e.actor_id)
        for e in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.client_id == client_id, AuditEvent.action.in_(views.LOOKED_ACTIONS))
            .order_by(AuditEvent.id)
        )
    ]


def test_staff_views_are_recorded_once_per_ten_minutes(
    app: Flask, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    cid = world.client_a.id
    for _ in range(3):
        assert client.get(f"/clients/{cid}").status_code == 200
    assert client.get(f"/clients/{cid}/timeline.json").status_code == 200
    assert _views(db, cid) == [
        ("client.view", world.sato.id),
        ("client.timeline.view", world.sato.id),
    ]
    # another client's page is its own record; another office's client is a 404, unrecorded
    client.get(f"/clients/{world.client_b.id}")
    assert client.get(f"/clients/{world.other_client.id}").status_code == 404
    assert _views(db, world.other_client.id) == []
    # eleven minutes later, the same look is a new event
    app.config["CLOCK"] = lambda: NOW + timedelta(minutes=11)
    client.get(f"/clients/{cid}")
    assert [a for a, _ in _views(db, cid)] == ["client.view", "client.timeline.view", "client.view"]
    at = db.scalars(
        select(AuditEvent.at).where(AuditEvent.client_id == cid).order_by(AuditEvent.id)
    ).all()
    assert at[-1] == NOW + timedelta(minutes=11)


def test_opening_a_flag_and_exporting_are_recorded(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = Flag(
        office_id=world.office.id,
        client_id=world.client_a.id,
        kind="contact",
        severity=Severity.URGENT,
        score=1.0,
        reasons=[],
        first_date=TODAY,
        last_date=TODAY,
        status=FlagStatus.OPEN,
    )
    db.add(flag)
    db.commit()
    auth.login("suzuki")
    assert client.get(f"/flags/{flag.id}").status_code == 303
    assert client.get(f"/clients/{world.client_a.id}/export.csv").status_code == 200
    assert _views(db, world.client_a.id) == [
        ("flag.view", world.suzuki.id),
        ("export", world.suzuki.id),
    ]


def test_service_manager_sees_who_looked_newest_first(
    app: Flask,
    client: FlaskClient,
    db: Session,
    world: World,
    auth: AuthActions,
    employer: object,  # noqa: F811
) -> None:
    cid = world.client_a.id
    sato = app.test_client()
    AuthActions(sato).login("sato")
    sato.get(f"/clients/{cid}")
    employer_client = app.test_client()
    employer_login(employer_client)
    employer_client.get(f"/employer/clients/{cid}")
    app.config["CLOCK"] = lambda: NOW + timedelta(minutes=30)
    sato.get(f"/clients/{cid}/export.xlsx")

    auth.login("kanri")
    detail = client.get(f"/clients/{cid}").get_data(as_text=True)
    assert f"/clients/{cid}/views" in detail
    html = client.get(f"/clients/{cid}/views").get_data(as_text=True)
    rows = [
        "佐藤が 記録をファイルに出力しました (Excel)",
        "管理が 利用者のページを見ました",
        "人事 花子 (株式会社あおぞら)が 共有された内容を見ました",
        "佐藤が 利用者のページを見ました",
    ]
    # newest first: the export (30 minutes later) before the views at NOW
    assert html.index(rows[0]) < html.index(rows[2]) < html.index(rows[3])
    assert "2026-06-10 09:30" in html  # office time (Tokyo), not UTC
    assert "2026-06-10 00:30" not in html
    # English
    client.get("/lang/en")
    html_en = client.get(f"/clients/{cid}/views").get_data(as_text=True)
    assert "佐藤" in html_en and "利用者のページを見ました" not in html_en
    # the general audit log (for every staff member) does not list staff views
    log = client.get(f"/clients/{cid}/audit").get_data(as_text=True)
    assert 'client.view"' not in log and "viewed the client" not in log


def test_who_looked_is_paged(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    cid = world.client_a.id
    for i in reversed(range(views.PAGE_SIZE + 5)):  # oldest first
        views.record_view(db, world.sato, cid, "detail", now=NOW - timedelta(minutes=11 * i))
    db.commit()
    auth.login("kanri")
    first = client.get(f"/clients/{cid}/views").get_data(as_text=True)
    assert first.count('data-action="client.view"') == views.PAGE_SIZE
    assert "page=2" in first
    second = client.get(f"/clients/{cid}/views?page=2").get_data(as_text=True)
    assert second.count('data-action="client.view"') == 5
    assert client.get(f"/clients/{cid}/views?page=99").status_code == 200


def test_who_looked_is_only_for_managers_of_the_office(
    app: Flask,
    client: FlaskClient,
    world: World,
    auth: AuthActions,
    employer: object,  # noqa: F811
) -> None:
    url = f"/clients/{world.client_a.id}/views"
    auth.login("suzuki")  # a plain supporter (not client_a's supporter)
    assert client.get(url).status_code == 403
    assert url not in client.get(f"/clients/{world.client_a.id}").get_data(as_text=True)
    sato = app.test_client()
    AuthActions(sato).login("sato")  # client_a's own supporter: still not a manager
    assert sato.get(url).status_code == 403
    outsider = app.test_client()
    AuthActions(outsider).login("yoso")
    assert outsider.get(url).status_code == 403  # a supporter elsewhere: refused by role
    emp = app.test_client()
    employer_login(emp)
    assert emp.get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302  # not logged in: to the login


def test_other_office_manager_gets_404(app: Flask, db: Session, world: World) -> None:
    from checkin.models import Role

    world.outsider.role = Role.SERVICE_MANAGER
    db.commit()
    c = app.test_client()
    AuthActions(c).login("yoso")
    assert c.get(f"/clients/{world.client_a.id}/views").status_code == 404
