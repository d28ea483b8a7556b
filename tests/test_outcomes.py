"""Outcome labels on the client page and feedback on flags from the alert list (#4)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, Channel, CheckIn, FlagFeedback, Outcome, OutcomeKind
from checkin.services.outcomes import delete_outcome, office_labels, update_outcome
from checkin.services.ranking import training_frames
from checkin.signals.engine import detect
from checkin.signals.ranker import build_labels
from tests.conftest import NOW, TODAY, AuthActions, World
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


def _record(
    db: Session, world: World, kind: OutcomeKind, back: int, note: str | None = None
) -> Outcome:
    o = Outcome(
        office_id=world.office.id,
        client_id=world.client_a.id,
        kind=kind,
        occurred_on=TODAY - timedelta(days=back),
        note=note,
        recorded_by_id=world.sato.id,
        recorded_at=NOW,
    )
    db.add(o)
    db.commit()
    return o


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_wrong_outcome_is_corrected_from_the_client_page_and_audited(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    o = _record(db, world, OutcomeKind.QUIT, 3, "退職の連絡")
    auth.login("suzuki")  # a colleague of the same office corrects it
    path = f"/clients/{world.client_a.id}"
    html = client.get(path).get_data(as_text=True)
    # the edit form is there, without JavaScript, pre-filled with the record
    assert f'action="/outcomes/{o.id}/edit"' in html and f'action="/outcomes/{o.id}/delete"' in html
    assert f'id="o{o.id}-kind-quit" name="kind" value="quit" required checked' in html
    day = TODAY - timedelta(days=5)
    resp = client.post(
        f"/outcomes/{o.id}/edit",
        data={
            "csrf_token": auth.token(path),
            "kind": "absence",
            "occurred_on": day.isoformat(),
            "note": "欠勤の連絡 (退職ではなかった)",
        },
    )
    assert resp.status_code == 303 and resp.location.endswith(f"{path}#outcomes")
    [fixed] = outcomes(db)
    assert (fixed.kind, fixed.occurred_on, fixed.note) == (
        OutcomeKind.ABSENCE,
        day,
        "欠勤の連絡 (退職ではなかった)",
    )
    assert fixed.recorded_by_id == world.sato.id and fixed.updated_at is not None
    [event] = _events(db, "outcome.update")
    assert event.actor_id == world.suzuki.id and event.client_id == world.client_a.id
    assert event.target_id == o.id
    assert event.detail == {
        "before": {"kind": "quit", "occurred_on": (TODAY - timedelta(days=3)).isoformat()},
        "after": {"kind": "absence", "occurred_on": day.isoformat()},
        "note_changed": True,
    }
    html = client.get(path).get_data(as_text=True)
    assert "記録を訂正しました" in html and "訂正: " in html and "(退職ではなかった)" in html

    # the same values again: nothing to audit
    client.post(
        f"/outcomes/{o.id}/edit",
        data={
            "csrf_token": auth.token(path),
            "kind": "absence",
            "occurred_on": day.isoformat(),
            "note": "欠勤の連絡 (退職ではなかった)",
        },
    )
    assert len(_events(db, "outcome.update")) == 1


def test_a_bad_correction_gets_a_message_and_changes_nothing(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    o = _record(db, world, OutcomeKind.SICK_LEAVE, 4, "休職")
    auth.login("sato")
    path = f"/clients/{world.client_a.id}"
    token = auth.token(path)
    cases = [
        ({"kind": "holiday", "occurred_on": TODAY.isoformat()}, "何があったか"),
        ({"kind": "quit", "occurred_on": "2026/06/01"}, "2026-06-10 のような形"),
        ({"kind": "quit", "occurred_on": ""}, "日付を入れてください"),
        ({"kind": "quit", "occurred_on": (TODAY + timedelta(days=1)).isoformat()}, "未来の日付"),
        ({"kind": "absence", "occurred_on": TODAY.isoformat(), "note": "あ" * 1001}, "1000文字"),
    ]
    for form, message in cases:
        resp = client.post(f"/outcomes/{o.id}/edit", data={"csrf_token": token, **form})
        assert resp.status_code == 303
        assert message in client.get(path).get_data(as_text=True), form
    [same] = outcomes(db)
    assert (same.kind, same.occurred_on, same.note, same.updated_at) == (
        OutcomeKind.SICK_LEAVE,
        TODAY - timedelta(days=4),
        "休職",
        None,
    )
    assert _events(db, "outcome.update") == []
    # no CSRF token: refused
    resp = client.post(f"/outcomes/{o.id}/edit", data={"kind": "quit", "occurred_on": TODAY})
    assert resp.status_code == 400
    resp = client.post(f"/outcomes/{o.id}/delete")
    assert resp.status_code == 400
    assert outcomes(db)[0].deleted_at is None


def test_a_deleted_outcome_leaves_the_page_and_the_training_but_not_the_audit_trail(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    wrong = _record(db, world, OutcomeKind.CRISIS, 2, "別の利用者のことだった")
    kept = _record(db, world, OutcomeKind.ABSENCE, 6)
    auth.login("sato")
    path = f"/clients/{world.client_a.id}"
    resp = client.post(f"/outcomes/{wrong.id}/delete", data={"csrf_token": auth.token(path)})
    assert resp.status_code == 303 and resp.location.endswith(f"{path}#outcomes")
    html = client.get(path).get_data(as_text=True)
    assert "記録を削除しました" in html and "別の利用者のことだった" not in html
    assert f'id="outcome-{kept.id}"' in html and f'id="outcome-{wrong.id}"' not in html
    db.expire_all()
    row = db.get(Outcome, wrong.id)
    assert row is not None and row.deleted_at is not None and row.deleted_by_id == world.sato.id
    [event] = _events(db, "outcome.delete")
    assert event.target_id == wrong.id and event.actor_id == world.sato.id
    assert event.detail == {
        "before": {"kind": "crisis", "occurred_on": (TODAY - timedelta(days=2)).isoformat()}
    }
    labels, _ = office_labels(db, world.office.id)
    assert labels["kind"].tolist() == ["absence"]
    # deleted is gone: a second delete or a correction is a 404, and nothing more is audited
    token = auth.token(path)
    assert (
        client.post(f"/outcomes/{wrong.id}/delete", data={"csrf_token": token}).status_code == 404
    )
    resp = client.post(
        f"/outcomes/{wrong.id}/edit",
        data={"csrf_token": token, "kind": "absence", "occurred_on": TODAY.isoformat()},
    )
    assert resp.status_code == 404
    assert len(_events(db, "outcome.delete")) == 1 and _events(db, "outcome.update") == []


def test_another_offices_outcome_cannot_be_corrected_or_deleted(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    o = _record(db, world, OutcomeKind.QUIT, 1)
    auth.login("yoso")  # office B
    token = auth.token("/alerts")
    resp = client.post(
        f"/outcomes/{o.id}/edit",
        data={"csrf_token": token, "kind": "absence", "occurred_on": TODAY.isoformat()},
    )
    assert resp.status_code == 404
    assert client.post(f"/outcomes/{o.id}/delete", data={"csrf_token": token}).status_code == 404
    assert client.post("/outcomes/999999/delete", data={"csrf_token": token}).status_code == 404
    [same] = outcomes(db)
    assert (same.kind, same.deleted_at) == (OutcomeKind.QUIT, None)
    assert _events(db, "outcome.update") == [] and _events(db, "outcome.delete") == []


def test_training_learns_the_corrected_label_and_ignores_deleted_ones(
    db: Session, world: World
) -> None:
    # A client sliding for a week before day -20; a supporter first records the absence on
    # the wrong date (day -60, where nothing happened), then corrects it to day -18.
    start = TODAY - timedelta(days=120)
    for back in range(120, 0, -1):
        day = TODAY - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        bad = 20 < back <= 27
        db.add(
            CheckIn(
                client_id=world.client_a.id,
                local_date=day,
                mood=1 if bad else 4,
                fatigue=5 if bad else 2,
                sleep_hours=4.0 if bad else 7.0,
                sleep_quality=1 if bad else 4,
                channel=Channel.WEB,
            )
        )
    world.client_a.service_start = start
    db.commit()
    o = _record(db, world, OutcomeKind.ABSENCE, 60)
    # another client's absence yesterday: the mornings before the last 14 days are known
    other = _record(db, world, OutcomeKind.ABSENCE, 1)
    other.client_id = world.client_b.id
    db.commit()
    entries, clients = training_frames(db, world.office.id, start + timedelta(days=28), TODAY)
    det = detect(
        entries, clients, pd.date_range(start + timedelta(days=28), TODAY - timedelta(days=1))
    )
    det = det[det["client_id"] == world.client_a.id].reset_index(drop=True)
    slide = pd.to_datetime(det["morning"]).between(
        pd.Timestamp(TODAY - timedelta(days=24)), pd.Timestamp(TODAY - timedelta(days=19))
    )

    def labels() -> pd.Series:
        out, fb = office_labels(db, world.office.id)
        return build_labels(det, out, fb)

    assert (labels()[slide] == 0).all()  # the wrong date: the slide looks like nothing happened
    update_outcome(
        db,
        world.sato,
        o.id,
        kind="absence",
        occurred_on=TODAY - timedelta(days=18),
        note=None,
        today=TODAY,
        now=NOW,
    )
    db.commit()
    assert (labels()[slide] == 1).all()  # corrected: the slide's mornings are positives
    delete_outcome(db, world.sato, o.id, now=NOW)
    db.commit()
    out, _ = office_labels(db, world.office.id)
    assert out["client_id"].tolist() == [world.client_b.id]
    assert (labels()[slide] == 0).all()  # deleted: no longer learned from
