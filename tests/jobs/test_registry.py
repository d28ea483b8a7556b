"""The job list: fixed ids, and a new session job added in one line."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checkin.cli import main
from checkin.models import AuditEvent, JobState
from checkin.services import audit
from jobs.lease import Lease
from jobs.registry import JOBS, JobSpec, session_job
from jobs.scheduler import SchedulerApp
from tests.conftest import World
from tests.jobs.test_morning_job import tokyo


def test_job_ids_are_fixed_and_unique() -> None:
    ids = [j.id for j in JOBS]
    assert ids == [
        "morning-signals",
        "flag-escalation",
        "morning-digest",
        "line-reminders",
        "urgent-mail",
        "ranker-retrain",
        "delivery-data-prune",
    ]
    assert len(set(ids)) == len(ids)


def test_a_session_job_like_the_line_reminders_plugs_in_with_one_line(
    db: Session, world: World, factory: sessionmaker[Session]
) -> None:
    sent: list[tuple[datetime, Any]] = []

    # The shape the LINE work exposes: send_due_reminders(session, *, now, messenger).
    def send_due_reminders(session: Session, *, now: datetime, messenger: Any) -> int:
        audit.record(session, "reminder.sent", office_id=world.office.id, actor_type="system")
        sent.append((now, messenger))
        return 1

    messenger = object()
    spec = JobSpec(
        "line-reminders",
        timedelta(minutes=1),
        session_job(send_due_reminders, messenger=lambda ctx: messenger),
    )
    app = SchedulerApp(factory, jobs=[*JOBS, spec], clock=lambda: tokyo(8))
    res = app.run_due()["line-reminders"]
    assert res is not None and res.counts["done"] == 1
    assert sent == [(tokyo(8), messenger)]
    assert db.scalar(select(AuditEvent.action)) == "reminder.sent"  # committed
    state = db.get(JobState, "line-reminders")
    assert state is not None and state.last_counts == {"done": 1}


def test_checkin_jobs_run_due_runs_everything_once_or_refuses_while_a_scheduler_runs(
    world: World,
    factory: sessionmaker[Session],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHECKIN_DATABASE_URL", database_url)
    monkeypatch.delenv("CHECKIN_SMTP_HOST", raising=False)
    result = CliRunner().invoke(main, ["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "morning-signals:" in result.output and "flag-escalation:" in result.output
    # A running scheduler holds the lease: the command does nothing.
    Lease(factory, "the-scheduler").acquire(datetime.now().astimezone())
    result = CliRunner().invoke(main, ["jobs", "run-due"])
    assert result.exit_code != 0 and "holds the lease" in result.output
