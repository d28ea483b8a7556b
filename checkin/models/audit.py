"""Audit log: who did what to which record, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from checkin.models.base import Base
from checkin.timeutil import utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # staff, client, employer, system
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None]
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
