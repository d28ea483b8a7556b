"""The morning signals: each office's flags, ready before its morning hour."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from checkin.models import Office
from checkin.services.morning import run_office_morning
from jobs.base import JobContext, TickResult, is_done, run_per_office, today_if_past

JOB_ID = "morning-signals"
# The morning's flags are computed from this long before the office's morning hour on. Only
# today's morning is ever due: a morning missed on an earlier day is superseded by today's,
# which looks at the same history.
LEAD = timedelta(hours=1)


def morning_slot(session: Session, office: Office, now: datetime) -> str | None:
    day = today_if_past(now, office, office.morning_hour, LEAD)
    return day.isoformat() if day else None


def morning_done(session: Session, office: Office, day: date) -> bool:
    return is_done(session, JOB_ID, office.id, day.isoformat())


def morning_signals(ctx: JobContext) -> TickResult:
    def work(session: Session, office: Office, slot: str) -> dict[str, int]:
        res = run_office_morning(session, office, date.fromisoformat(slot), now=ctx.now)
        return {"clients": res.clients, "flags_created": res.created, "flags_updated": res.updated}

    return run_per_office(ctx, JOB_ID, morning_slot, work)
