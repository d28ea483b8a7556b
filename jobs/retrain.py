"""Weekly retraining of each office's learned ranking (Sunday night, office-local time).

The slot is the Sunday's date: due from ``RETRAIN_HOUR`` that Sunday until the next one, so
a scheduler that was down on Sunday night catches up on Monday, and a unit is done once per
week. The model learns from the mornings up to that Sunday (entries through Saturday), so a
late run learns exactly what the Sunday run would have.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from checkin.models import Office
from checkin.services.ranking import train_office
from jobs.base import JobContext, TickResult, local_at, local_now, run_per_office

JOB_ID = "ranker-retrain"
RETRAIN_WEEKDAY = 6  # Sunday (Monday = 0)
RETRAIN_HOUR = 22  # after the day's check-ins, long before the next morning's job


def retrain_slot(session: Session, office: Office, now: datetime) -> str | None:
    """The latest Sunday whose ``RETRAIN_HOUR`` has passed in the office's zone."""
    today = local_now(now, office).date()
    sunday = today - timedelta(days=(today.weekday() - RETRAIN_WEEKDAY) % 7)
    if now < local_at(sunday, RETRAIN_HOUR, office):
        sunday -= timedelta(days=7)
    return sunday.isoformat()


def retrain_rankers(ctx: JobContext) -> TickResult:
    def work(session: Session, office: Office, slot: str) -> dict[str, int]:
        res = train_office(session, office, date.fromisoformat(slot), now=ctx.now)
        row = res.row
        return {
            "trained": int(res.trained),
            "stayed_on_rules": int(not res.trained),
            "positives": row.n_positive,
            "negatives": row.n_negative,
        }

    return run_per_office(ctx, JOB_ID, retrain_slot, work)
