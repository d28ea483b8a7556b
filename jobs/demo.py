"""The demo's morning at start: ``checkin demo`` runs it before its scheduler starts.

The demo office keeps an ordinary morning hour (7:00), so its settings page reads like a
real office's; but a demo started at 3:00 or at 15:00 should show the morning at once. So
the demo runs this morning's units for its office now, whatever the hour: the morning
signals and, with e-mail on, the digest (then sends it). Each unit records its ``done`` row
for today's slot, exactly as the scheduler would, so the scheduler never repeats them at
7:00; a second start on the same day finds them done and does nothing.
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from checkin.models import Office
from jobs.base import (
    JobContext,
    TickResult,
    _record_failure,
    is_done,
    local_now,
    run_per_office,
    short_error,
)
from jobs.mail import Mailer, MailSettings, send_pending
from jobs.morning import JOB_ID as MORNING_ID
from jobs.morning import _run_batch
from jobs.notify import DIGEST_ID, digest_office


def run_demo_morning(
    factory: sessionmaker[Session],
    office_id: int,
    now: datetime,
    *,
    mail: MailSettings | None = None,
    mailer: Mailer | None = None,
) -> TickResult:
    """This morning's signals and digest for the demo office, now (each once a day)."""
    ctx = JobContext(factory=factory, now=now, mail=mail, mailer=mailer, holder="demo")
    result = TickResult()
    with factory() as session:
        office = session.get(Office, office_id)
        if office is None:
            return result
        slot = local_now(now, office).date().isoformat()
        morning_done = is_done(session, MORNING_ID, office_id, slot)
    if morning_done:
        result.counts["already_done"] += 1
    else:
        started = time.monotonic()
        try:
            _run_batch(ctx, slot, [office_id], result)
        except Exception as exc:  # recorded as the scheduler would; the demo goes on
            result.errors.append(short_error(exc))
            _record_failure(ctx, MORNING_ID, office_id, slot, started, exc)
    if mail is None:
        return result

    def today(session: Session, office: Office, now: datetime) -> str | None:
        return slot if office.id == office_id else None

    def work(session: Session, office: Office, slot: str) -> dict[str, int]:
        return digest_office(session, office, datetime.fromisoformat(slot).date(), ctx)

    result.merge(run_per_office(ctx, DIGEST_ID, today, work))
    return result.merge(send_pending(factory, mailer, now))
