"""A LINE message when staff send a client a document to read and confirm (a monthly
report, a plan...): 「よんで かくにん する ものが あります」 with the signed link to the
client's documents (``/me/<signed>/docs``, the self-view link's rules: 7 days, that client
only).

Pushes cost quota, so they share the reminders' sent-log and monthly count: at most one
such push per client and day (a second document sent the same day is in the same list),
nothing over the month's limit, nothing to a client who blocked the bot. A push that
fails is not retried: the client still sees the link on their check-in page and in the
reply to 「きろくを みる」.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.bot.conversation import docs_text
from checkin.bot.messenger import Message, Messenger, SendError
from checkin.bot.reminders import pushes_this_month, retry_key
from checkin.models import Client, ClientStatus, LineAccount, LinePushLog, PushStatus

log = logging.getLogger(__name__)

DOC_KIND = "document"


def push_document_notice(
    session: Session,
    client: Client,
    *,
    waiting: int,
    now: datetime,
    messenger: Messenger | None,
    monthly_limit: int,
    make_url: Callable[[Client, LineAccount], str],
) -> PushStatus | None:
    """Tell a LINE client that something waits for them; None when there is nobody to
    tell (LINE not set up, the client not linked or not active). The caller commits."""
    if messenger is None or waiting <= 0 or client.status != ClientStatus.ACTIVE:
        return None
    account = session.scalar(select(LineAccount).where(LineAccount.client_id == client.id))
    if account is None:
        return None
    today = now.astimezone(ZoneInfo(client.office.timezone)).date()
    existing = session.scalar(
        select(LinePushLog).where(
            LinePushLog.client_id == client.id,
            LinePushLog.local_date == today,
            LinePushLog.kind == DOC_KIND,
        )
    )
    if existing is not None and existing.status == PushStatus.SENT:
        return PushStatus.SENT  # told today already; the list behind the link is live
    used = pushes_this_month(session, client.office_id, today)
    if existing is not None and existing.status == PushStatus.PENDING:
        used -= 1  # counted as possibly sent; being tried again now
    entry = existing or LinePushLog(
        office_id=client.office_id,
        client_id=client.id,
        local_date=today,
        kind=DOC_KIND,
        status=PushStatus.PENDING,
        retry_key=retry_key(client.id, today, DOC_KIND),
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    entry.updated_at = now
    if account.unfollowed_at is not None:
        entry.status = PushStatus.BLOCKED
        return entry.status
    if used >= monthly_limit:
        entry.status = PushStatus.QUOTA
        return entry.status
    entry.attempts += 1
    try:
        messenger.push(
            account.line_user_id,
            [Message(docs_text(make_url(client, account), waiting))],
            retry_key=entry.retry_key,
        )
    except SendError as e:
        log.warning("document notice not pushed: %s", e)
        entry.status = PushStatus.FAILED
        entry.error = str(e)[:200]
        return entry.status
    entry.status = PushStatus.SENT
    entry.error = None
    return entry.status
