"""Only one scheduler process runs jobs; the real BlockingScheduler wiring works."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from checkin.db import make_engine, make_session_factory
from checkin.models import JobRun, JobState, SchedulerLease
from jobs.base import TickResult
from jobs.lease import DEFAULT_TTL, SAFETY_MARGIN, Lease
from jobs.morning import morning_signals
from jobs.registry import JobSpec
from jobs.scheduler import (
    DEFAULT_HEARTBEAT,
    HEARTBEAT_ID,
    STAGGER,
    SchedulerApp,
    takeover_bound,
)
from tests.conftest import World
from tests.jobs.conftest import done_runs

T0 = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo: the morning is due
BOUND = 15.0  # seconds: the most any wait below may take before the test fails
_SHIFT = T0 - datetime.now(UTC)


def shifted_now() -> datetime:
    """A running clock that started at T0, for the real scheduler."""
    return datetime.now(UTC) + _SHIFT


@pytest.fixture
def second_factory(engine: Engine, database_url: str) -> Iterator[sessionmaker[Session]]:
    """Another engine on the same database, as a second process would have."""
    other = make_engine(database_url)
    yield make_session_factory(other)
    other.dispose()


def wait_for(cond: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_the_lease_goes_to_one_holder_until_it_expires_or_is_released(
    factory: sessionmaker[Session], second_factory: sessionmaker[Session]
) -> None:
    a = Lease(factory, "a", ttl=timedelta(seconds=60))
    b = Lease(second_factory, "b", ttl=timedelta(seconds=60))
    assert a.acquire(T0)
    assert not b.acquire(T0 + timedelta(seconds=1))
    assert a.acquire(T0 + timedelta(seconds=30))  # renewal pushes the expiry
    assert not b.acquire(T0 + timedelta(seconds=80))
    assert a.held(T0 + timedelta(seconds=40)) and not b.held(T0 + timedelta(seconds=40))
    # a stops renewing (crashed): b takes over once the lease has expired.
    assert b.acquire(T0 + timedelta(seconds=91))
    assert not a.acquire(T0 + timedelta(seconds=92))
    # A clean shutdown releases at once.
    b.release(T0 + timedelta(seconds=100))
    assert a.acquire(T0 + timedelta(seconds=101))
    lease = a.current()
    assert (
        lease is not None
        and lease.holder == "a"
        and lease.acquired_at == T0 + timedelta(seconds=101)
    )


def test_two_scheduler_processes_at_once_run_each_job_once(
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    second_factory: sessionmaker[Session],
) -> None:
    spec = JobSpec("morning-signals", timedelta(minutes=5), morning_signals)
    apps = [
        SchedulerApp(factory, jobs=[spec], clock=lambda: T0, holder="one"),
        SchedulerApp(second_factory, jobs=[spec], clock=lambda: T0, holder="two"),
    ]
    start = threading.Barrier(2)
    results: dict[str, dict[str, TickResult | None]] = {}
    errors: list[BaseException] = []

    def run(app: SchedulerApp) -> None:
        try:
            start.wait(timeout=BOUND)
            for _ in range(3):  # a few ticks each, interleaved
                results.setdefault(app.holder, {}).update(app.run_due())
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=BOUND)
    assert not errors
    ran = [h for h, r in results.items() if r["morning-signals"] is not None]
    assert len(ran) == 1, results  # the other stood by
    assert len(done_runs(db, "morning-signals")) == 2  # once per office, not twice
    holders = set(db.scalars(select(JobRun.holder)))
    assert holders == set(ran)


def test_the_real_blocking_scheduler_runs_the_jobs_and_only_one_of_two_does(
    db: Session,
    world: World,
    factory: sessionmaker[Session],
    second_factory: sessionmaker[Session],
) -> None:
    ticks: dict[str, int] = {"one": 0, "two": 0}

    def counting(holder: str) -> JobSpec:
        def tick(ctx):  # type: ignore[no-untyped-def]
            ticks[holder] += 1
            return morning_signals(ctx)

        return JobSpec("morning-signals", timedelta(seconds=0.05), tick)

    apps = [
        SchedulerApp(
            f,
            jobs=[counting(h)],
            holder=h,
            clock=lambda: shifted_now(),
            heartbeat=timedelta(seconds=0.05),
        )
        for f, h in ((factory, "one"), (second_factory, "two"))
    ]
    scheds = [app.build(BlockingScheduler(timezone=UTC)) for app in apps]
    assert {j.id for j in scheds[0].get_jobs()} == {HEARTBEAT_ID, "morning-signals"}
    threads = [threading.Thread(target=s.start, daemon=True) for s in scheds]
    for t in threads:
        t.start()
    try:
        wait_for(lambda: sum(ticks.values()) >= 4, "a few ticks")
        wait_for(lambda: len(done_runs(db, "morning-signals")) == 2, "the morning of both offices")
    finally:
        for s in scheds:  # stop both before releasing, or the standby would take over
            s.shutdown(wait=True)
        for app in apps:
            app.shutdown()
        for t in threads:
            t.join(timeout=BOUND)
    assert not any(t.is_alive() for t in threads)
    leader = db.scalar(select(JobState.holder).where(JobState.job_id == "morning-signals"))
    assert leader in ("one", "two")
    assert ticks["two" if leader == "one" else "one"] == 0  # the standby never ran a tick
    db.expire_all()
    lease = db.get(SchedulerLease, "scheduler")
    assert lease is not None and lease.expires_at <= shifted_now()


def test_two_real_processes_at_once_do_nothing_twice(
    db: Session, world: World, database_url: str
) -> None:
    # Due at any hour of the day (from 00:00 local), so the real clock does not matter.
    world.office.morning_hour = world.other_office.morning_hour = 1
    db.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_SMTP")}
    env["CHECKIN_DATABASE_URL"] = database_url
    cmd = [sys.executable, "-m", "checkin.cli", "jobs", "run-due"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    for p, out in zip(procs, outputs, strict=True):
        # Each either ran the jobs or found the other holding the lease; neither failed.
        assert ("morning-signals:" in out and p.returncode == 0) or "holds the lease" in out, out
    runs = done_runs(db, "morning-signals")
    assert len(runs) == 2 and len(set(runs)) == 2  # one per office, whoever ran it


def test_the_promised_takeover_adds_up_to_at_most_90_seconds() -> None:
    # docs/scheduler.md: a standby takes over within 90 s of the leader's death.
    assert takeover_bound() <= timedelta(seconds=90)
    assert DEFAULT_HEARTBEAT * 5 <= DEFAULT_TTL - SAFETY_MARGIN  # a few missed beats are fine


def test_a_standby_takes_the_lease_and_runs_every_job_within_the_bound(
    factory: sessionmaker[Session], second_factory: sessionmaker[Session]
) -> None:
    ran: list[str] = []

    def spec(job_id: str) -> JobSpec:
        return JobSpec(job_id, timedelta(minutes=30), lambda ctx: ran.append(job_id) or 0)

    specs = [spec("slow-a"), spec("slow-b"), spec("slow-c")]
    clock = [T0]
    leader = SchedulerApp(factory, jobs=specs, clock=lambda: clock[0], holder="leader")
    standby = SchedulerApp(second_factory, jobs=specs, clock=lambda: clock[0], holder="standby")
    sched = standby.build(BackgroundScheduler(timezone=UTC))
    sched.start(paused=True)  # the test beats by hand, on the pinned clock
    try:
        far = datetime.now(UTC) + timedelta(minutes=30)
        for s in specs:  # as if each job had just run: the next tick is 30 minutes away
            sched.modify_job(s.id, next_run_time=far)
        # The leader beats at T0, T0+10 s, ...; the standby 3 s after each.
        beat = DEFAULT_HEARTBEAT
        for k in range(4):
            clock[0] = T0 + beat * k
            assert leader.heartbeat()
            clock[0] += timedelta(seconds=3)
            assert not standby.heartbeat()
        # The leader is killed just before its next beat (the worst moment).
        died = T0 + beat * 4 - timedelta(seconds=0.1)
        taken = None
        for k in range(4, 40):
            clock[0] = T0 + beat * k + timedelta(seconds=3)
            if standby.heartbeat():
                taken = clock[0]
                break
            assert not any(j.next_run_time < far for j in sched.get_jobs() if j.id != HEARTBEAT_ID)
        assert taken is not None
        assert taken - died <= takeover_bound(jobs=len(specs)) - STAGGER * (len(specs) - 1)
        # Every job is due now (one second apart), not in 30 minutes.
        due = sorted(j.next_run_time for j in sched.get_jobs() if j.id != HEARTBEAT_ID)
        assert len(due) == len(specs)
        assert due[-1] - datetime.now(UTC) <= STAGGER * len(specs)
        # And the old leader, back from a pause, no longer holds it.
        assert not leader.heartbeat()
    finally:
        sched.shutdown(wait=False)
