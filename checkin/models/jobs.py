"""What the scheduler did: job runs, the last tick of each job, the leader lease, mails.

The scheduler keeps no state of its own: every job asks the database what is due and not yet
done, and records what it did here, so a restart (or a second process) can carry on safely.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from checkin.models.base import Base, str_enum


class RunStatus(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"


class JobRun(Base):
    """One unit of a job's work: one job, one office, one slot (usually the local date).

    A ``done`` row is written in the same transaction as the work itself, so it exists if and
    only if the work was committed; a partial unique index allows one ``done`` row per unit.
    Failed attempts are kept for the operations view.
    """

    __tablename__ = "job_run"
    __table_args__ = (
        Index(
            "uq_job_run_done",
            "job_id",
            "office_id",
            "slot",
            unique=True,
            sqlite_where=text("status = 'done'"),
            postgresql_where=text("status = 'done'"),
        ),
        Index("ix_job_run_job_started", "job_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    slot: Mapped[str] = mapped_column(String(32))  # e.g. the office-local date "2026-06-10"
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "job_run_status"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    duration_ms: Mapped[int]
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str | None] = mapped_column(String(128))


class JobState(Base):
    """The latest tick of each job (whether or not anything was due): for the ops view."""

    __tablename__ = "job_state"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime]
    last_finished_at: Mapped[datetime | None]
    last_duration_ms: Mapped[int | None]
    last_counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_ok_at: Mapped[datetime | None]
    holder: Mapped[str | None] = mapped_column(String(128))


class SchedulerLease(Base):
    """Leadership among scheduler processes: only the holder of an unexpired lease runs jobs.

    Taken and renewed with one conditional UPDATE (``holder = me OR expires_at < now``), which
    is atomic on SQLite and PostgreSQL alike.
    """

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after several attempts


class Notification(Base):
    """One mail to one staff member (an outbox row).

    ``dedupe_key`` is unique, so deciding to send the same mail twice fails at the database;
    rows are committed before sending and marked sent after, so a crash in between may send
    a mail twice but never loses one (for urgent flags a duplicate is the lesser harm).
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # digest, urgent, escalation
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus, "notification_status"), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]  # after a failed attempt: back off
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
