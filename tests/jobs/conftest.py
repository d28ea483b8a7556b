"""Helpers for driving the jobs with a controlled clock on the test database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import Channel, CheckIn, Client, JobRun, RunStatus
from jobs.base import JobContext


def add_entry(
    db: Session, client: Client, day: date, *, mood: int = 3, wants_contact: bool = False
) -> None:
    db.add(
        CheckIn(
            client_id=client.id,
            local_date=day,
            mood=mood,
            fatigue=3,
            wants_contact=wants_contact,
            channel=Channel.WEB,
        )
    )
    db.commit()


def done_runs(db: Session, job_id: str) -> list[tuple[int, str]]:
    db.expire_all()
    return sorted(
        (r.office_id, r.slot)
        for r in db.scalars(
            select(JobRun).where(JobRun.job_id == job_id, JobRun.status == RunStatus.DONE)
        )
    )


@pytest.fixture
def make_ctx(factory: sessionmaker[Session]) -> Callable[..., JobContext]:
    def make(now: datetime, **kwargs: object) -> JobContext:
        return JobContext(factory=factory, now=now, holder="test", **kwargs)  # type: ignore[arg-type]

    return make
