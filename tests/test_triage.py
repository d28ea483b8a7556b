"""The morning list as a working tool: filters, snooze, hand-over, bulk acknowledge (#5)."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, Flag, FlagStatus, Stage
from checkin.services.flags import upsert_candidates
from checkin.signals import FlagCandidate, Reason
from tests.conftest import NOW, TODAY, AuthActions, World


def raise_flag(
    db: Session,
    world: World,
    client: object,
    severity: str,
    text: str,
    kind: str = "trend",
    day: object = TODAY,
) -> Flag:
    cand = FlagCandidate(client.id, kind, severity, 40.0, (Reason("x", text),))  # type: ignore[attr-defined]
    flag = upsert_candidates(db, world.office, day, [cand], now=NOW).touched[0]  # type: ignore[arg-type]
    db.commit()
    return flag


def page(client: FlaskClient, query: str = "") -> str:
    return client.get(f"/alerts{query}").get_data(as_text=True)


def test_filters_by_severity_and_stage(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    world.client_c.stage = Stage.SELF_DRIVING
    db.commit()
    raise_flag(db, world, world.client_a, "high", "高いほう")
    raise_flag(db, world, world.client_c, "watch", "注意のほう")
    auth.login("sato")
    assert "高いほう" in page(client) and "注意のほう" in page(client)
    html = page(client, "?severity=high")
    assert "高いほう" in html and "注意のほう" not in html
    html = page(client, "?stage=self_driving")
    assert "注意のほう" in html and "高いほう" not in html
    assert "高いほう" in page(client, "?severity=nonsense")  # unknown values filter nothing


def test_managers_filter_by_supporter(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    raise_flag(db, world, world.client_a, "high", "佐藤さんの")
    raise_flag(db, world, world.client_b, "high", "鈴木さんの")
    auth.login("kanri")
    html = page(client, f"?all=1&supporter={world.suzuki.id}")
    assert "鈴木さんの" in html and "佐藤さんの" not in html


def test_snooze_hides_until_the_date_and_worse_news_brings_it_back(
    app: object, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_a, "watch", "様子見")
    auth.login("sato")
    until = TODAY + timedelta(days=3)
    resp = client.post(
        f"/flags/{flag.id}/snooze", data={"csrf_token": auth.token(), "until": until.isoformat()}
    )
    assert resp.status_code == 303
    assert "様子見" not in page(client)
    assert "様子見" in page(client, "?snoozed=1")
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "flag.snooze")).one()
    # On the date itself it is back.
    app.config["CLOCK"] = lambda: NOW + timedelta(days=3)  # type: ignore[attr-defined]
    assert "様子見" in page(client)
    app.config["CLOCK"] = lambda: NOW  # type: ignore[attr-defined]
    # Worse news before then puts it back at once (a new morning reads fresh rows).
    db.expire_all()
    raise_flag(db, world, world.client_a, "high", "悪化した", day=TODAY + timedelta(days=1))
    db.expire_all()
    assert db.get(Flag, flag.id).snoozed_until is None  # type: ignore[union-attr]


def test_snooze_refuses_urgent_flags_and_bad_dates(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    urgent = raise_flag(db, world, world.client_a, "urgent", "相談したい", kind="contact")
    watch = raise_flag(db, world, world.client_c, "watch", "様子見")
    auth.login("sato")
    token = auth.token()
    for flag, until in (
        (urgent, TODAY + timedelta(days=2)),
        (watch, TODAY),
        (watch, TODAY + timedelta(days=31)),
    ):
        client.post(
            f"/flags/{flag.id}/snooze", data={"csrf_token": token, "until": until.isoformat()}
        )
    db.expire_all()
    assert db.get(Flag, urgent.id).snoozed_until is None  # type: ignore[union-attr]
    assert db.get(Flag, watch.id).snoozed_until is None  # type: ignore[union-attr]


def test_hand_a_flag_to_a_colleague(
    app: object, client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_a, "high", "お願いします")
    auth.login("sato")
    token = auth.token()
    resp = client.post(
        f"/flags/{flag.id}/hand-over", data={"csrf_token": token, "to": str(world.suzuki.id)}
    )
    assert resp.status_code == 303
    assert "お願いします" not in page(client)
    suzuki = app.test_client()  # type: ignore[attr-defined]
    AuthActions(suzuki).login("suzuki")
    assert "お願いします" in suzuki.get("/alerts").get_data(as_text=True)
    # Never to another office's staff.
    client.post(
        f"/flags/{flag.id}/hand-over", data={"csrf_token": token, "to": str(world.outsider.id)}
    )
    db.expire_all()
    assert db.get(Flag, flag.id).assignee_id == world.suzuki.id  # type: ignore[union-attr]


def test_bulk_acknowledge_is_all_or_nothing_within_the_office(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    a = raise_flag(db, world, world.client_a, "watch", "一つ目")
    c = raise_flag(db, world, world.client_c, "watch", "二つ目")
    cand = FlagCandidate(world.other_client.id, "trend", "high", 40.0, (Reason("x", "よそ"),))
    other = upsert_candidates(db, world.other_office, TODAY, [cand], now=NOW).touched[0]
    db.commit()
    auth.login("sato")
    token = auth.token()
    resp = client.post(
        "/flags/bulk-acknowledge", data={"csrf_token": token, "flag_id": [str(a.id), str(other.id)]}
    )
    assert resp.status_code == 404
    db.expire_all()
    assert db.get(Flag, a.id).status == FlagStatus.OPEN  # type: ignore[union-attr]
    resp = client.post(
        "/flags/bulk-acknowledge", data={"csrf_token": token, "flag_id": [str(a.id), str(c.id)]}
    )
    assert resp.status_code == 303
    db.expire_all()
    assert {db.get(Flag, i).status for i in (a.id, c.id)} == {FlagStatus.ACKNOWLEDGED}  # type: ignore[union-attr]


def test_a_refused_action_returns_to_the_same_filtered_list(
    client: FlaskClient, db: Session, world: World, auth: AuthActions
) -> None:
    flag = raise_flag(db, world, world.client_a, "high", "高いほう")
    auth.login("sato")
    resp = client.post(
        f"/flags/{flag.id}/resolve",
        data={"csrf_token": auth.token(), "note": "x" * 501, "back": "/alerts?severity=high"},
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/alerts?severity=high")
    db.expire_all()
    assert db.get(Flag, flag.id).status == FlagStatus.OPEN  # type: ignore[union-attr]
