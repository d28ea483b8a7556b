"""Outcome labels on the client page and feedback on flags from the alert list (#4)."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, FlagFeedback, Outcome, OutcomeKind
from tests.conftest import TODAY, AuthActions, World
from tests.test_triage import raise_flag


def outcomes(db: Session) -> list[Outcome]:
    db.expire_all()
    return list(db.scalars(select(Outcome).order_by(Outcome.id)))


def test_a_supporter_records_what_happened_and_sees_it_on_the_client_page(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    path = f"/clients/{world.client_a.id}"
    html = client.get(path).get_data(as_text=True)
    assert "何がありましたか" in html and "休職" in html and "まだ記録はありません" in html
    day = TODAY - timedelta(days=2)
    resp = client.post(
        f"{path}/outcomes",
        data={
            "csrf_token": auth.token(path),
            "kind": "sick_leave",
            "occurred_on": day.isoformat(),
            "note": " 主治医の判断で休職 ",
        },
    )
    assert resp.status_code == 303 and resp.location.endswith(f"{path}#outcomes")
    [o] = outcomes(db)
    assert (o.kind, o.occurred_on, o.note) == (OutcomeKind.SICK_LEAVE, day, "主治医の判断で休職")
    assert (o.client_id, o.office_id, o.recorded_by_id) == (
        world.client_a.id,
        world.office.id,
        world.sato.id,
    )
    html = client.get(path).get_data(as_text=True)
    assert "出来事を記録しました" in html
    assert day.isoformat() in html and "主治医の判断で休職" in html and "(記録: 佐藤" in html
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "outcome.create"))
    assert event is not None and event.client_id == world.client_a.id
    assert event.detail == {"kind": "sick_leave", "occurred_on": day.isoformat()}


def test_bad_outcomes_get_a_message_and_save_nothing(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("sato")
    path = f"/clients/{world.client_a.id}"
    token = auth.token(path)
    cases = [
        ({"kind": "holiday", "occurred_on": TODAY.isoformat()}, "何があったか"),
        ({"kind": "quit", "occurred_on": "10/6/2026"}, "2026-06-10 のような形"),
        ({"kind": "quit", "occurred_on": ""}, "日付を入れてください"),
        ({"kind": "quit", "occurred_on": (TODAY + timedelta(days=1)).isoformat()}, "未来の日付"),
        ({"kind": "absence", "occurred_on": "2020-01-01"}, "3年より前"),
        ({"kind": "absence", "occurred_on": TODAY.isoformat(), "note": "あ" * 1001}, "1000文字"),
    ]
    for form, message in cases:
        resp = client.post(f"{path}/outcomes", data={"csrf_token": token, **form})
        assert resp.status_code == 303
        assert message in client.get(path).get_data(as_text=True), form
    assert outcomes(db) == []
    assert (
        db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "outcome.create"))
        == 0
    )


def test_another_offices_client_cannot_be_labelled(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    auth.login("yoso")  # office B
    token = auth.token("/alerts")
    resp = client.post(
        f"/clients/{world.client_a.id}/outcomes",
        data={"csrf_token": token, "kind": "quit", "occurred_on": TODAY.isoformat()},
    )
    assert resp.status_code == 404
    resp = client.post(
        f"/clients/{world.client_a.id}/outcomes",
        data={"kind": "quit", "occurred_on": TODAY.isoformat()},
    )
    assert resp.status_code == 400  # no CSRF token
    assert outcomes(db) == []


def test_feedback_buttons_on_the_alert_list_keep_the_filters(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_a, "high", "調子が悪い日が続いています")
    auth.login("sato")
    html = client.get("/alerts?severity=high").get_data(as_text=True)
    assert "役に立った" in html and "役に立たなかった" in html
    assert f'action="/flags/{flag.id}/feedback"' in html
    token = auth.token("/alerts")
    back = "/alerts?severity=high"
    resp = client.post(
        f"/flags/{flag.id}/feedback", data={"csrf_token": token, "useful": "1", "back": back}
    )
    assert resp.status_code == 303 and resp.location.endswith(back)
    html = client.get(back).get_data(as_text=True)
    assert "「役に立った」と記録しました" in html and 'aria-pressed="true"' in html
    # a second verdict replaces the first; both are in the audit log
    client.post(
        f"/flags/{flag.id}/feedback", data={"csrf_token": token, "useful": "0", "back": back}
    )
    db.expire_all()
    [fb] = db.scalars(select(FlagFeedback)).all()
    assert (fb.flag_id, fb.useful, fb.staff_id, fb.client_id) == (
        flag.id,
        False,
        world.sato.id,
        world.client_a.id,
    )
    details = [
        e.detail
        for e in db.scalars(
            select(AuditEvent).where(AuditEvent.action == "flag.feedback").order_by(AuditEvent.id)
        )
    ]
    assert details == [{"useful": True}, {"useful": False}]


def test_bad_or_foreign_feedback_is_refused(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_a, "watch", "記録がありません")
    auth.login("sato")
    token = auth.token("/alerts")
    resp = client.post(f"/flags/{flag.id}/feedback", data={"csrf_token": token, "useful": "x"})
    assert resp.status_code == 303
    assert "「役に立った」か「役に立たなかった」" in client.get("/alerts").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    auth.login("yoso")
    resp = client.post(
        f"/flags/{flag.id}/feedback", data={"csrf_token": auth.token("/alerts"), "useful": "1"}
    )
    assert resp.status_code == 404
    db.expire_all()
    assert db.scalars(select(FlagFeedback)).all() == []
