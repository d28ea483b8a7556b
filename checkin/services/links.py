"""Personal check-in links: an unguessable token per client, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import CheckinLink, Client, ClientStatus, StaffUser
from checkin.services import audit


def hash_token(token: str) -> str:
    # The token carries 256 bits of randomness, so a plain SHA-256 is enough (no salt or
    # slow hash needed) and lets us look it up by equality.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(
    session: Session, client: Client, *, now: datetime, actor: StaffUser | None = None
) -> str:
    """Create a new link for ``client``, revoking any earlier one. Returns the raw token."""
    revoke_links(session, client, now=now, actor=actor, audit_it=False)
    token = secrets.token_urlsafe(32)
    session.add(
        CheckinLink(
            client_id=client.id,
            token_hash=hash_token(token),
            created_at=now,
            created_by_id=actor.id if actor else None,
        )
    )
    audit.record(
        session, "link.issue", office_id=client.office_id, actor=actor, client_id=client.id
    )
    return token


def revoke_links(
    session: Session,
    client: Client,
    *,
    now: datetime,
    actor: StaffUser | None = None,
    audit_it: bool = True,
) -> int:
    links = session.scalars(
        select(CheckinLink).where(
            CheckinLink.client_id == client.id, CheckinLink.revoked_at.is_(None)
        )
    ).all()
    for link in links:
        link.revoked_at = now
        link.revoked_by_id = actor.id if actor else None
    if audit_it and links:
        audit.record(
            session, "link.revoke", office_id=client.office_id, actor=actor, client_id=client.id
        )
    return len(links)


def client_for_token(session: Session, token: str, *, now: datetime) -> Client | None:
    """The active client a live token belongs to, or None for a wrong or revoked token."""
    if not token or len(token) > 128:
        return None
    link = session.scalar(
        select(CheckinLink).where(
            CheckinLink.token_hash == hash_token(token), CheckinLink.revoked_at.is_(None)
        )
    )
    if link is None or link.client.status != ClientStatus.ACTIVE:
        return None
    link.last_used_at = now
    return link.client


def active_link(session: Session, client: Client) -> CheckinLink | None:
    return session.scalar(
        select(CheckinLink).where(
            CheckinLink.client_id == client.id, CheckinLink.revoked_at.is_(None)
        )
    )
