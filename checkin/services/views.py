"""Who looked at a client: staff views of a client's health pages, in the audit log.

Every staff GET of a client's page (the client page, its timeline data, a flag opened from
a mail) is recorded as an audit event naming who, when and which page. To keep the log
readable, one event per staff member, client and page per :data:`VIEW_WINDOW`: reloading
the page or moving along the timeline within ten minutes adds nothing; a look ten minutes
later is a new event. Exports of one client (``export``) and the employer's views and
exports (``employer.view``, ``employer.export``) are recorded where they happen; the page
"who looked at this client" (:func:`client_views`) lists all of them, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from checkin.models import AuditEvent, StaffUser
from checkin.services import audit

VIEW_WINDOW = timedelta(minutes=10)
# page -> audit action (each has its sentence in audit_text.SENTENCES)
VIEW_ACTIONS = {
    "detail": "client.view",
    "timeline": "client.timeline.view",
    "flag": "flag.view",
}
# What "who looked at this client" lists: staff views, exports, the employer's views.
LOOKED_ACTIONS = (*VIEW_ACTIONS.values(), "export", "employer.view", "employer.export")
PAGE_SIZE = 50


def record_view(
    session: Session, staff: StaffUser, client_id: int, page: str, *, now: datetime
) -> bool:
    """Record that ``staff`` looked at ``page`` of the client, unless the same person looked
    at the same page of the same client within :data:`VIEW_WINDOW`. True when recorded.
    Does not commit."""
    action = VIEW_ACTIONS[page]
    seen = session.scalar(
        select(
            exists().where(
                AuditEvent.client_id == client_id,
                AuditEvent.action == action,
                AuditEvent.actor_type == "staff",
                AuditEvent.actor_id == staff.id,
                AuditEvent.at > now - VIEW_WINDOW,
            )
        )
    )
    if seen:
        return False
    audit.record(
        session, action, office_id=staff.office_id, actor=staff, client_id=client_id, at=now
    )
    return True


@dataclass(frozen=True)
class ViewPage:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def client_views(session: Session, client_id: int, page: int = 1) -> ViewPage:
    """One page of the views, exports and employer views of a client, newest first."""
    where = (AuditEvent.client_id == client_id, AuditEvent.action.in_(LOOKED_ACTIONS))
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    return ViewPage(events, page, pages, total)
