"""Forget what the bot no longer needs (``checkin line-remind`` calls this on every run).

Webhook event ids are kept 30 days, long enough for any redelivery by LINE; unfinished
conversations hold health answers and are dropped after 2 days (they could not be resumed
anyway: a conversation counts only for its own day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Result, delete
from sqlalchemy.orm import Session

from checkin.models import LineConversation, LineEvent

KEEP_EVENTS = timedelta(days=30)
KEEP_CONVERSATIONS = timedelta(days=2)


@dataclass(frozen=True)
class Pruned:
    events: int
    conversations: int


def prune(session: Session, *, now: datetime) -> Pruned:
    events = session.execute(delete(LineEvent).where(LineEvent.received_at < now - KEEP_EVENTS))
    conversations = session.execute(
        delete(LineConversation).where(LineConversation.updated_at < now - KEEP_CONVERSATIONS)
    )
    return Pruned(_rows(events), _rows(conversations))


def _rows(result: Result[Any]) -> int:
    return int(getattr(result, "rowcount", 0) or 0)  # a CursorResult for a DELETE
