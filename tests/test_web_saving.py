"""The staff pages' changes go through ``checkin.web.saving``: committed on success, and on
bad input a plain message on the page the form returns to, with nothing saved."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, Contact, Flag, StaffLeave, StaffUser
from checkin.services import views
from tests.conftest import TODAY, AuthActions, World
from tests.test_triage import raise_flag


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def follow(client: FlaskClient, path: str, data: dict[str, str]) -> str:
    resp = client.post(path, data=data)
    assert resp.status_code == 303, resp.status_code
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_a_date_that_is_not_a_date_is_refused_with_a_message_and_nothing_is_saved(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_c, "watch", "様子見")
    auth.login("sato")
    token = auth.token()
    page = follow(client, f"/flags/{flag.id}/snooze", {"csrf_token": token, "until": "あした"})
    assert "日付を選んでください。" in page
    page = follow(
        client,
        f"/clients/{world.client_a.id}/contacts",
        {"csrf_token": token, "kind": "call", "occurred_at": "きのうの夜"},
    )
    assert "日時の形が正しくありません。" in page
    db.expire_all()
    assert db.get(Flag, flag.id).snoozed_until is None  # type: ignore[union-attr]
    assert count(db, Contact) == 0
    # nothing but the login and the look at the client's page the form returned to
    not_changes = ("staff.login", *views.VIEW_ACTIONS.values())
    assert not db.scalars(
        select(AuditEvent.action).where(AuditEvent.action.not_in(not_changes))
    ).all()


def test_a_good_change_is_committed_and_said_after_the_redirect(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_c, "watch", "様子見")
    auth.login("sato")
    token = auth.token()
    until = TODAY + timedelta(days=3)
    page = follow(
        client, f"/flags/{flag.id}/snooze", {"csrf_token": token, "until": until.isoformat()}
    )
    assert f"{until.month}月{until.day}日まで一覧から外しました。" in page
    page = follow(
        client, f"/flags/{flag.id}/hand-over", {"csrf_token": token, "to": str(world.suzuki.id)}
    )
    assert f"{world.suzuki.name}さんに引き継ぎました。" in page
    db.expire_all()
    saved = db.get(Flag, flag.id)
    assert saved is not None
    assert (saved.snoozed_until, saved.assignee_id) == (until, world.suzuki.id)


def test_a_refused_hand_over_says_why_and_changes_nothing(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_c, "watch", "様子見")
    before = flag.assignee_id
    auth.login("sato")
    token = auth.token()
    page = follow(
        client, f"/flags/{flag.id}/hand-over", {"csrf_token": token, "to": str(world.outsider.id)}
    )
    assert "引き継ぎました" not in page
    assert "この事業所の、利用中の職員を選んでください。" in page
    db.expire_all()
    assert db.get(Flag, flag.id).assignee_id == before  # type: ignore[union-attr]


def test_leave_and_role_forms_refuse_values_that_are_not_dates_or_roles(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("kanri")
    token = auth.token("/admin/staff")
    page = follow(
        client,
        f"/admin/staff/{world.sato.id}/leave",
        {"csrf_token": token, "starts_on": "4月1日", "ends_on": "4月3日"},
    )
    assert "休みの期間を 2026-04-01 の形で入れてください。" in page
    page = follow(
        client, f"/admin/staff/{world.sato.id}/role", {"csrf_token": token, "role": "boss"}
    )
    assert "役割を選んでください。" in page
    db.expire_all()
    assert count(db, StaffLeave) == 0
    assert db.get(StaffUser, world.sato.id).role.value == "supporter"  # type: ignore[union-attr]


def test_another_offices_consent_or_outcome_is_not_found(
    client: FlaskClient, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    token = auth.token()
    for path in ("/consents/999999/revoke", "/outcomes/999999/edit", "/outcomes/999999/delete"):
        resp = client.post(path, data={"csrf_token": token, "kind": "absence"})
        assert resp.status_code == 404, path
        assert "ページが見つかりません" in resp.get_data(as_text=True)
