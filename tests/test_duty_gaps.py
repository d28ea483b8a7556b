"""Closing gaps: overdue periodic checks on the morning list and in the digest, the resource
map in the handover package, handover notices from the computed service end."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    DisclosureLog,
    DocKind,
    DocStatus,
    Flag,
    HandoverNotice,
    Notification,
    Severity,
)
from checkin.services import assessment_docs, handover
from checkin.services import documents as docs
from checkin.services.flags import alert_list
from jobs.notify import digest_office
from tests.conftest import NOW, TODAY, AuthActions, World


def _ctx(now: datetime) -> Any:
    return SimpleNamespace(mail=SimpleNamespace(public_base_url=None), now=now)


def _starts(db: Session, world: World, a: date) -> None:
    """Client A starts on ``a`` (its first check due 30 days later); the others later."""
    for c in (world.client_a, world.client_b, world.client_c):
        c.service_start = date(2026, 6, 1)  # first round due 2026-07-01: not overdue
    world.client_a.service_start = a
    db.commit()


def test_overdue_check_on_the_morning_list_not_before_and_apart_from_flags(
    app: Flask, client: FlaskClient, auth: AuthActions, db: Session, world: World
) -> None:
    _starts(db, world, date(2026, 5, 1))  # first round due 2026-05-31
    assert assessment_docs.overdue_for(db, world.sato, date(2026, 5, 31)) == []  # due today
    due = assessment_docs.overdue_for(db, world.sato, TODAY)
    assert {(o.client.id, o.days_over) for o in due} == {(world.client_a.id, 10)}
    assert len(due) == 2  # both checks (stability, natural) are due at the start
    assert assessment_docs.overdue_for(db, world.suzuki, TODAY) == []  # not their client
    db.add(
        Flag(
            office_id=world.office.id,
            client_id=world.client_c.id,
            kind="trend",
            severity=Severity.HIGH,
            score=2.0,
            reasons=[{"code": "mood_low", "text": "気分が下がっています", "values": {}}],
            first_date=TODAY,
            last_date=TODAY,
            assignee_id=world.sato.id,
        )
    )
    db.commit()
    flags_before = [f.id for f in alert_list(db, world.sato)]
    auth.login("sato")
    page = client.get("/alerts").get_data(as_text=True)
    start = page.index('id="duties-checks"')
    end = page.index("</section>", start)
    box = page[start:end]
    assert "田中 健太" in box and "の期限 (2026-05-31) を 10日過ぎています" in box
    assert "気分が下がっています" not in box  # the flag is in the list, not in the box
    assert "気分が下がっています" in page[end:]
    assert [f.id for f in alert_list(db, world.sato)] == flags_before  # the order unchanged
    # a supporter's sheet sent: that check is done, the other one stays
    sheet = docs.start(
        db,
        world.client_a,
        DocKind.ASSESSMENT_STABILITY,
        TODAY.isoformat(),
        {"answers": {}, "notes": {}},
        by=world.sato,
        now=NOW,
    )
    docs.send(db, sheet, by=world.sato, now=NOW)
    db.commit()
    left = assessment_docs.overdue_for(db, world.sato, TODAY)
    assert [o.check.kind for o in left] == [DocKind.ASSESSMENT_NATURAL]
    # before the due day: no box
    app.config["CLOCK"] = lambda: datetime(2026, 5, 31, 0, 0, tzinfo=NOW.tzinfo)
    assert 'id="duties-checks"' not in client.get("/alerts").get_data(as_text=True)


def test_overdue_check_in_the_digest_every_morning_until_done(db: Session, world: World) -> None:
    world.sato.email = "sato@example.jp"
    _starts(db, world, date(2026, 5, 11))  # first round due TODAY (2026-06-10)
    digest_office(db, world.office, TODAY, _ctx(NOW))
    db.commit()
    assert db.scalars(select(Notification).where(Notification.kind == "digest")).all() == []
    digest_office(db, world.office, date(2026, 6, 11), _ctx(NOW))
    db.commit()
    mail = db.scalars(select(Notification).where(Notification.kind == "digest")).one()
    assert mail.staff_id == world.sato.id
    assert "定期チェックの期限を過ぎています 1件" in mail.body  # one client, two checks
    assert "田中" not in mail.body  # counts only by default


def _consent(db: Session, world: World) -> None:
    handover.record_decision(db, world.client_a, "agency", "center", None, by=world.sato, now=NOW)
    form = {
        "consent_by": "田中 健太",
        "consent_on": "2026-06-01",
        "consent_evidence": "署名した同意書",
        "receiver_name": "みなと障害者就業・生活支援センター",
        "receiver_person": "山田 花子",
    }
    handover.record_handover(db, world.client_a, form, by=world.sato, now=NOW)


def test_the_package_carries_the_confirmed_resource_map(db: Session, world: World) -> None:
    _consent(db, world)
    empty = handover.make_package(db, world.client_a, by=world.sato, now=NOW)
    assert "資源マップはありません" in empty.body["resource_map"]
    body = {"crisis": [{"who": "夜間相談窓口", "what": "夜の不安", "phone": "03-1234-5678"}]}
    rmap = docs.start(db, world.client_a, DocKind.RESOURCE_MAP, "map", body, by=world.sato, now=NOW)
    docs.send(db, rmap, by=world.sato, now=NOW)
    docs.confirm(db, rmap, channel="web", private_items=[], now=NOW)
    db.commit()
    pkg = handover.make_package(db, world.client_a, by=world.sato, now=NOW)
    assert "夜間相談窓口" in pkg.body["resource_map"] and "03-1234-5678" in pkg.body["resource_map"]
    assert "とても困ったとき" in pkg.body["resource_map"]
    keys = [s.key for s in docs.sections_of(pkg)]
    assert keys.index("resource_map") == keys.index("contacts") + 1
    docs.send(db, pkg, by=world.sato, now=NOW)
    assert pkg.status == DocStatus.CONFIRMED
    handover.disclose(db, world.client_a, pkg, ["resource_map"], None, by=world.sato, now=NOW)
    db.commit()
    log = db.scalars(select(DisclosureLog)).one()
    assert log.items == [{"key": "resource_map", "title": "資源マップ (相談先)"}]


def test_notice_from_the_computed_end_of_a_client_with_only_a_hire_date(
    db: Session, world: World
) -> None:
    a = world.client_a
    a.service_start = None
    a.service_end = None
    # hired 2023-05-11: the service starts 2023-11-11 and ends 2026-11-10, 5 months away
    a.hire_date = date(2023, 5, 11)
    db.commit()
    assert handover.computed_end(a) == date(2026, 11, 10)
    assert handover.ensure_notices(db, [world.office.id], TODAY, NOW) == 1
    assert handover.ensure_notices(db, [world.office.id], TODAY, NOW) == 0  # once
    db.commit()
    notice = db.scalars(select(HandoverNotice)).one()
    assert (notice.client_id, notice.months, notice.service_end) == (
        a.id,
        6,
        date(2026, 11, 10),
    )
    assert [n.id for n in handover.open_notices(db, world.sato)] == [notice.id]
    # a hire date further back (the end already passed) or later (over 6 months): nothing
    a.hire_date = date(2024, 5, 11)
    db.commit()
    assert handover.open_notices(db, world.sato) == []  # that notice was for the old end
    assert handover.ensure_notices(db, [world.office.id], TODAY, NOW) == 0
