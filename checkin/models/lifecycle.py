"""A client's time with the office: service period overrides, support stage history and
employment status events (issue 15; rules in docs/lifecycle.md)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, str_enum
from checkin.models.client import Stage

if TYPE_CHECKING:
    from checkin.models.office import StaffUser


class EmploymentKind(enum.StrEnum):
    EMPLOYED = "employed"  # 在職を確認 (still employed, on this day)
    CHANGED_JOB = "changed_job"  # 転職 (the day is the new job's first day)
    LEFT = "left"  # 離職 (the day is the last day employed, 退職日)
    ON_LEAVE = "on_leave"  # 休職 (still employed, absent from this day)


class ServicePeriodOverride(Base):
    """The service period set by hand instead of the rule, with the reason. Every row is
    kept; the newest is the current one (and is copied to ``Client.service_start/end``)."""

    __tablename__ = "service_period_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    start: Mapped[date | None]
    end: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]

    recorded_by: Mapped[StaffUser] = relationship()


class StageChange(Base):
    """One change of a client's support stage: who, when, from, to and why."""

    __tablename__ = "stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(str_enum(Stage, "stage_change_from"))
    to_stage: Mapped[Stage] = mapped_column(str_enum(Stage, "stage_change_to"))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    changed_at: Mapped[datetime]

    changed_by: Mapped[StaffUser | None] = relationship()


class EmploymentEvent(Base):
    """The client's employment on a day, also after the service ended (for the retention
    rate). ``state_from`` is the first day of the state the event starts (the day after
    ``on`` for a departure, else ``on``); ``grace_until`` (departures only) is the last
    day a new job may start and the person still count as employed (1 month, see
    docs/lifecycle.md). Both are computed by ``services/lifecycle.py``."""

    __tablename__ = "employment_event"
    __table_args__ = (Index("ix_employment_event_client_state", "client_id", "state_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    kind: Mapped[EmploymentKind] = mapped_column(str_enum(EmploymentKind, "employment_kind"))
    on: Mapped[date]
    state_from: Mapped[date]
    grace_until: Mapped[date | None]
    employer_name: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    recorded_by: Mapped[StaffUser | None] = relationship()
