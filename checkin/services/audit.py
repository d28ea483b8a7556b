"""Writing the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from checkin.models import AuditEvent, StaffUser
from checkin.timeutil import utcnow


def record(
    session: Session,
    action: str,
    *,
    office_id: int | None,
    actor: StaffUser | None = None,
    actor_type: str | None = None,
    actor_id: int | None = None,
    target: Any = None,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at or utcnow(),
        office_id=office_id,
        actor_type=actor_type or ("staff" if actor is not None else "system"),
        actor_id=actor.id if actor is not None else actor_id,
        action=action,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        client_id=client_id,
        detail=detail,
    )
    session.add(event)
    return event
