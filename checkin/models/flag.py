"""Risk flags raised by the signals and handled on the morning alert list."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, Timestamped, str_enum
from checkin.models.client import Client
from checkin.models.office import StaffUser


class Severity(enum.StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    WATCH = "watch"

    @property
    def rank(self) -> int:
        return {"urgent": 0, "high": 1, "watch": 2}[self.value]


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Flag(Timestamped, Base):
    """One ongoing issue of one kind for one client.

    While a flag is not resolved, later mornings update it instead of raising a new one
    (at most one unresolved flag per client and kind, enforced by a partial unique index).
    """

    __tablename__ = "flag"
    __table_args__ = (
        Index(
            "uq_flag_unresolved_client_kind",
            "client_id",
            "kind",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_flag_office_status", "office_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # contact, crisis, trend, missing
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "severity"))
    score: Mapped[float] = mapped_column(Float)
    # [{"code": ..., "text": plain Japanese, "values": {...}}]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    first_date: Mapped[date]  # the morning (local date) it was first shown
    last_date: Mapped[date]  # the latest morning the condition was still seen
    status: Mapped[FlagStatus] = mapped_column(
        str_enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    acted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    acted_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="morning")  # morning, immediate
    model_version: Mapped[str | None] = mapped_column(String(64))
    # Off the list until this local date (a supporter's "not before"); worse news reopens it.
    snoozed_until: Mapped[date | None]
    # Set once when the flag, still unacknowledged at the office's escalation hour, went to
    # the backup supporter and the service manager.
    escalated_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship()
    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id])
    acted_by: Mapped[StaffUser | None] = relationship(foreign_keys=[acted_by_id])
