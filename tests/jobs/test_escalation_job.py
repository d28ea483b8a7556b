"""Escalation: still unacknowledged at the office's escalation hour -> backup and manager."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, Flag, FlagStatus
from checkin.services.flags import act_on_flag, alert_list, upsert_candidates
from checkin.signals import contact_candidate
from jobs.base import JobContext
from jobs.escalation import JOB_ID, escalate_flags
from jobs.morning import morning_signals
from tests.conftest import World
from tests.jobs.conftest import add_entry, done_runs
from tests.jobs.test_morning_job import DAY, YESTERDAY, tokyo


def contact_flag(db: Session, world: World) -> Flag:
    db.expire_all()
    flag = db.scalar(
        select(Flag).where(Flag.client_id == world.client_a.id, Flag.kind == "contact")
    )
    assert flag is not None
    return flag


def test_an_unacknowledged_flag_escalates_once_at_the_escalation_hour(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    morning_signals(make_ctx(tokyo(6, 30)))
    assert escalate_flags(make_ctx(tokyo(9, 59))).counts["units_done"] == 0
    assert contact_flag(db, world).escalated_at is None
    # The backup supporter does not see the client's flag before it escalates.
    assert contact_flag(db, world).id not in {f.id for f in alert_list(db, world.suzuki)}

    res = escalate_flags(make_ctx(tokyo(10, 0)))
    assert res.errors == [] and res.counts["units_done"] == 2
    flag = contact_flag(db, world)
    assert flag.escalated_at == tokyo(10, 0) and flag.status == FlagStatus.OPEN
    assert flag.id in {f.id for f in alert_list(db, world.suzuki)}  # now the backup sees it
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "flag.escalate", AuditEvent.target_id == flag.id
        )
    )
    assert event is not None and event.actor_type == "system"
    assert event.detail is not None
    assert set(event.detail["to"]) == {world.suzuki.id, world.manager.id}

    # Later ticks, and the next day while it is still open: never again.
    n_events = len(list(db.scalars(select(AuditEvent).where(AuditEvent.action == "flag.escalate"))))
    assert escalate_flags(make_ctx(tokyo(10, 5))).counts["already_done"] == 2
    morning_signals(make_ctx(tokyo(6, 30, DAY + timedelta(days=1))))
    escalate_flags(make_ctx(tokyo(10, 0, DAY + timedelta(days=1))))
    assert contact_flag(db, world).escalated_at == tokyo(10, 0)
    assert (
        db.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.action == "flag.escalate", AuditEvent.target_id == flag.id)
            .offset(1)
        )
        is None
    )
    assert done_runs(db, JOB_ID)[-1][1] == "2026-06-11"
    assert n_events >= 1


def test_acknowledged_flags_and_flags_raised_during_the_day_do_not_escalate(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    morning_signals(make_ctx(tokyo(6, 30)))
    act_on_flag(db, world.sato, contact_flag(db, world).id, "acknowledge", None, now=tokyo(8))
    # Client B asks for contact at 9:55: the immediate mail covers today.
    late = upsert_candidates(
        db,
        world.office,
        DAY,
        [contact_candidate(world.client_b.id, DAY)],
        now=tokyo(9, 55),
        source="immediate",
    ).touched[0]
    db.commit()
    escalate_flags(make_ctx(tokyo(10, 0)))
    db.expire_all()
    assert contact_flag(db, world).escalated_at is None
    assert db.get(Flag, late.id).escalated_at is None  # type: ignore[union-attr]
    # Still open at the next day's escalation hour: now it escalates.
    morning_signals(make_ctx(tokyo(6, 30, date(2026, 6, 11))))
    escalate_flags(make_ctx(tokyo(10, 0, date(2026, 6, 11))))
    db.expire_all()
    assert db.get(Flag, late.id).escalated_at == tokyo(10, 0, date(2026, 6, 11))  # type: ignore[union-attr]


def test_escalation_waits_for_the_morning_and_follows_the_office_setting(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    world.office.escalation_hour = 12
    db.commit()
    # The morning has not run (scheduler down): nothing escalates before it has.
    assert escalate_flags(make_ctx(tokyo(10, 30))).counts["not_due"] == 2
    morning_signals(make_ctx(tokyo(11, 0)))  # caught up late
    res = escalate_flags(make_ctx(tokyo(11, 59)))
    assert done_runs(db, JOB_ID) == [(world.other_office.id, "2026-06-10")]  # 10:00 there
    assert contact_flag(db, world).escalated_at is None
    res = escalate_flags(make_ctx(tokyo(12, 0)))
    assert res.counts["units_done"] == 1
    assert contact_flag(db, world).escalated_at == tokyo(12, 0)
