"""The morning signals job: due before each office's morning hour, once per local date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import jobs.morning
from checkin.models import Flag, JobRun, JobState, Office, RunStatus
from checkin.services.links import issue_link
from jobs.base import JobContext
from jobs.morning import JOB_ID, morning_signals
from jobs.registry import JobSpec
from jobs.scheduler import SchedulerApp
from tests.conftest import World
from tests.jobs.conftest import add_entry, done_runs

DAY = date(2026, 6, 10)  # a Wednesday
YESTERDAY = date(2026, 6, 9)


def tokyo(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A Tokyo wall-clock time as UTC (Japan is UTC+9 all year: no daylight saving)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def flags(db: Session, office_id: int | None = None) -> int:
    db.expire_all()
    q = select(func.count(Flag.id))
    if office_id is not None:
        q = q.where(Flag.office_id == office_id)
    return db.scalar(q) or 0


def test_nothing_is_due_before_the_lead_time(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    res = morning_signals(make_ctx(tokyo(5, 59)))
    assert res.counts["not_due"] == 2
    assert done_runs(db, JOB_ID) == []


def test_a_normal_morning_runs_each_office_once_before_the_morning_hour(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    res = morning_signals(make_ctx(tokyo(6, 0)))
    assert res.errors == []
    assert res.counts["units_done"] == 2
    assert done_runs(db, JOB_ID) == [
        (world.office.id, "2026-06-10"),
        (world.other_office.id, "2026-06-10"),
    ]
    flag = db.scalar(
        select(Flag).where(Flag.client_id == world.client_a.id, Flag.kind == "contact")
    )
    assert flag is not None and flag.first_date == DAY
    run = db.scalar(select(JobRun).where(JobRun.office_id == world.office.id))
    assert run is not None
    assert run.started_at == tokyo(6, 0) and run.duration_ms >= 0 and run.holder == "test"
    assert run.counts is not None and run.counts["clients"] == 3


def test_a_double_run_does_nothing_twice(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    first = morning_signals(make_ctx(tokyo(6, 5)))
    n = flags(db)
    second = morning_signals(make_ctx(tokyo(6, 10)))
    assert first.counts["units_done"] == 2
    assert second.counts["units_done"] == 0 and second.counts["already_done"] == 2
    assert flags(db) == n
    assert len(done_runs(db, JOB_ID)) == 2


def test_a_missed_morning_is_caught_up_when_the_scheduler_starts(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    # The process was down from 05:00 to 09:30 Tokyo time: the first tick at start runs it.
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    assert morning_signals(make_ctx(tokyo(5, 0))).counts["units_done"] == 0
    late = morning_signals(make_ctx(tokyo(9, 30)))
    assert late.counts["units_done"] == 2
    assert db.scalar(select(Flag).where(Flag.kind == "contact")) is not None
    # The next day is a new slot again.
    nxt = morning_signals(make_ctx(tokyo(6, 0, DAY + timedelta(days=1))))
    assert nxt.counts["units_done"] == 2
    assert [s for _, s in done_runs(db, JOB_ID)].count("2026-06-11") == 2


class Crash(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


def test_a_crash_in_the_middle_loses_nothing_and_the_rerun_finishes(
    db: Session, world: World, make_ctx: Callable[..., JobContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_entry(db, world.client_a, YESTERDAY, wants_contact=True)
    # the other office's client got a card a month ago and never answered
    issue_link(db, world.other_client, now=tokyo(10, day=DAY - timedelta(days=30)))
    db.commit()
    real = jobs.morning.run_offices_morning

    def crash_with_second_office(
        session: Session, offices: list[Office], morning: date, **kw: object
    ):  # type: ignore[no-untyped-def]
        if any(o.id == world.other_office.id for o in offices):
            raise Crash()
        return real(session, offices, morning, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs.morning, "run_offices_morning", crash_with_second_office)
    with pytest.raises(Crash):
        morning_signals(make_ctx(tokyo(6, 30)))
    # Both offices shared one batch (one transaction): nothing is half done.
    assert done_runs(db, JOB_ID) == []
    assert flags(db) == 0

    monkeypatch.setattr(jobs.morning, "run_offices_morning", real)
    res = morning_signals(make_ctx(tokyo(6, 35)))
    assert res.counts["units_done"] == 2 and res.counts["already_done"] == 0
    assert len(done_runs(db, JOB_ID)) == 2
    assert flags(db, world.office.id) > 0
    assert flags(db, world.other_office.id) > 0  # the other office's silent client
    before = flags(db)
    res = morning_signals(make_ctx(tokyo(6, 40)))
    assert res.counts["already_done"] == 2 and res.counts["units_done"] == 0
    assert flags(db) == before


def test_an_error_in_one_office_is_recorded_and_the_others_go_on(
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = jobs.morning.run_offices_morning

    def broken_first_office(session: Session, offices: list[Office], morning: date, **kw: object):  # type: ignore[no-untyped-def]
        if any(o.id == world.office.id for o in offices):
            raise RuntimeError("signals exploded\nSQL parameters: 田中 健太")
        return real(session, offices, morning, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs.morning, "run_offices_morning", broken_first_office)
    spec = JobSpec(JOB_ID, timedelta(minutes=5), morning_signals)
    app = SchedulerApp(factory, jobs=[spec], clock=lambda: tokyo(6, 30))
    res = app.run_job(spec)
    assert res is not None and res.counts["units_failed"] == 1
    assert done_runs(db, JOB_ID) == [(world.other_office.id, "2026-06-10")]
    failed = db.scalar(select(JobRun).where(JobRun.status == RunStatus.FAILED))
    assert failed is not None and failed.office_id == world.office.id
    assert failed.error == "RuntimeError: signals exploded"  # first line only: no client data
    state = db.get(JobState, JOB_ID)
    assert state is not None and state.last_error is not None
    assert "signals exploded" in state.last_error and state.last_ok_at is None

    # Fixed: the next tick retries only the failed office.
    monkeypatch.setattr(jobs.morning, "run_offices_morning", real)
    app.clock = lambda: tokyo(6, 35)
    res = app.run_job(spec)
    assert res is not None and res.counts["units_done"] == 1 and res.counts["already_done"] == 1
    db.expire_all()
    state = db.get(JobState, JOB_ID)
    assert state is not None and state.last_error is None and state.last_ok_at == tokyo(6, 35)


def test_each_office_runs_at_its_own_local_time(
    db: Session, world: World, make_ctx: Callable[..., JobContext]
) -> None:
    world.other_office.timezone = "UTC"
    world.other_office.morning_hour = 8
    db.commit()
    tokyo_id, utc_id = world.office.id, world.other_office.id
    # 09:00 Tokyo = 00:00 UTC: Tokyo's morning of the 10th is due, the UTC office's is not.
    morning_signals(make_ctx(datetime(2026, 6, 10, 0, 0, tzinfo=UTC)))
    assert done_runs(db, JOB_ID) == [(tokyo_id, "2026-06-10")]
    # 06:59 UTC: still before 07:00 (08:00 minus the hour of lead) in the UTC office.
    morning_signals(make_ctx(datetime(2026, 6, 10, 6, 59, tzinfo=UTC)))
    assert len(done_runs(db, JOB_ID)) == 1
    morning_signals(make_ctx(datetime(2026, 6, 10, 7, 0, tzinfo=UTC)))
    assert done_runs(db, JOB_ID) == [(tokyo_id, "2026-06-10"), (utc_id, "2026-06-10")]
    # 21:00 UTC is 06:00 on the 11th in Tokyo but still the 10th in the UTC office.
    morning_signals(make_ctx(datetime(2026, 6, 10, 21, 0, tzinfo=UTC)))
    assert done_runs(db, JOB_ID) == [
        (tokyo_id, "2026-06-10"),
        (tokyo_id, "2026-06-11"),
        (utc_id, "2026-06-10"),
    ]


@pytest.mark.parametrize("day", [date(2026, 1, 15), date(2026, 3, 30), date(2026, 10, 26)])
def test_japan_has_no_daylight_saving_the_morning_is_always_21_utc(
    db: Session, world: World, make_ctx: Callable[..., JobContext], day: date
) -> None:
    # Dates next to the European/US clock changes: Tokyo does not move.
    eve = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)
    morning_signals(make_ctx(eve + timedelta(hours=20, minutes=59)))
    assert done_runs(db, JOB_ID) == []
    morning_signals(make_ctx(eve + timedelta(hours=21)))
    assert {slot for _, slot in done_runs(db, JOB_ID)} == {day.isoformat()}


def test_due_offices_share_one_signals_pass(
    db: Session, world: World, make_ctx: Callable[..., JobContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = jobs.morning.run_offices_morning
    passes: list[list[int]] = []

    def counting(session: Session, offices: list[Office], morning: date, **kw: object):  # type: ignore[no-untyped-def]
        passes.append([o.id for o in offices])
        return real(session, offices, morning, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs.morning, "run_offices_morning", counting)
    res = morning_signals(make_ctx(tokyo(6, 30)))
    assert res.counts["units_done"] == 2
    assert passes == [sorted([world.office.id, world.other_office.id])]
    runs = db.scalars(select(JobRun).where(JobRun.job_id == JOB_ID)).all()
    assert {r.counts["clients"] for r in runs if r.counts} == {3, 1}  # per office counts
