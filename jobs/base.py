"""What every job gets (:class:`JobContext`) and the per-office unit of work it runs.

A unit is (job, office, slot): the slot is usually the office-local date. The unit's work
and its ``done`` :class:`JobRun` row are committed in one transaction, so the row exists
exactly when the work does: a crash mid-unit leaves nothing half done, a rerun skips what is
done and finishes the rest.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from checkin.models import JobRun, Office, RunStatus

if TYPE_CHECKING:
    from jobs.mail import Mailer, MailSettings

log = logging.getLogger(__name__)

ERROR_MAX = 500


def _always() -> bool:
    return True


@dataclass
class JobContext:
    factory: sessionmaker[Session]
    now: datetime  # the tick's "now" (UTC, aware); tests pass a fixed one
    mail: MailSettings | None = None  # None: e-mail is off
    mailer: Mailer | None = None
    holder: str | None = None
    # False once this process may no longer be the leader: stop before the next unit.
    still_leader: Callable[[], bool] = _always


@dataclass
class TickResult:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: TickResult) -> TickResult:
        self.counts.update(other.counts)
        self.errors.extend(other.errors)
        return self


def short_error(exc: BaseException) -> str:
    """Exception class and first line only: the rest (SQL parameters) may hold client data."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:ERROR_MAX]


def local_now(now: datetime, office: Office) -> datetime:
    return now.astimezone(ZoneInfo(office.timezone))


def local_at(day: date, hour: int, office: Office) -> datetime:
    """The UTC-aware instant of ``hour``:00 on ``day`` in the office's time zone."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(office.timezone))


def today_if_past(now: datetime, office: Office, hour: int, lead: timedelta) -> date | None:
    """Today's local date once ``hour`` minus ``lead`` has passed there, else None."""
    today = local_now(now, office).date()
    return today if now >= local_at(today, hour, office) - lead else None


def is_done(session: Session, job_id: str, office_id: int, slot: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    JobRun.job_id == job_id,
                    JobRun.office_id == office_id,
                    JobRun.slot == slot,
                    JobRun.status == RunStatus.DONE,
                )
            )
        )
    )


# slot_for(session, office, now) -> the slot due now, or None when nothing is due yet.
SlotFor = Callable[[Session, Office, datetime], str | None]
# work(session, office, slot) -> counts. Must not commit: the caller owns the transaction.
Work = Callable[[Session, Office, str], dict[str, int]]


def run_per_office(
    ctx: JobContext,
    job_id: str,
    slot_for: SlotFor,
    work: Work,
    *,
    record_empty: bool = True,
) -> TickResult:
    """Run ``work`` for every office whose slot is due and not yet done, one transaction each.

    An ordinary exception in one office is recorded as a failed run and the other offices
    go on; the failed unit is retried by the next tick. Anything else (the process being
    stopped) propagates: what was committed stays, the rest is redone by the next tick.
    With ``record_empty=False`` a unit that did nothing leaves no row (for frequent ticks).
    """
    result = TickResult()
    with ctx.factory() as session:
        office_ids = list(session.scalars(select(Office.id).order_by(Office.id)))
    for office_id in office_ids:
        if not ctx.still_leader():
            result.counts["stopped_not_leader"] += 1
            break
        started = time.monotonic()
        session = ctx.factory()
        slot: str | None = None
        try:
            office = session.get(Office, office_id)
            if office is None:
                continue
            slot = slot_for(session, office, ctx.now)
            if slot is None:
                result.counts["not_due"] += 1
                continue
            if is_done(session, job_id, office_id, slot):
                result.counts["already_done"] += 1
                continue
            counts = work(session, office, slot)
            if not record_empty and not any(counts.values()):
                session.rollback()
                result.counts["nothing_to_do"] += 1
                continue
            session.add(_run(ctx, job_id, office_id, slot, RunStatus.DONE, started, counts))
            session.commit()
            result.counts["units_done"] += 1
            result.counts.update(counts)
            log.info("%s office %s slot %s: %s", job_id, office_id, slot, counts)
        except Exception as exc:
            session.rollback()
            log.exception("%s office %s slot %s failed", job_id, office_id, slot)
            result.counts["units_failed"] += 1
            result.errors.append(f"office {office_id}: {short_error(exc)}")
            if slot is not None:
                _record_failure(ctx, job_id, office_id, slot, started, exc)
        finally:
            session.close()
    return result


def _run(
    ctx: JobContext,
    job_id: str,
    office_id: int,
    slot: str,
    status: RunStatus,
    started: float,
    counts: dict[str, Any] | None,
    error: str | None = None,
) -> JobRun:
    elapsed = time.monotonic() - started
    return JobRun(
        job_id=job_id,
        office_id=office_id,
        slot=slot,
        status=status,
        started_at=ctx.now,
        finished_at=ctx.now + timedelta(seconds=elapsed),
        duration_ms=int(elapsed * 1000),
        counts=counts,
        error=error,
        holder=ctx.holder,
    )


def _record_failure(
    ctx: JobContext, job_id: str, office_id: int, slot: str, started: float, exc: Exception
) -> None:
    try:
        with ctx.factory() as session:
            session.add(
                _run(
                    ctx, job_id, office_id, slot, RunStatus.FAILED, started, None, short_error(exc)
                )
            )
            session.commit()
    except Exception:  # the database itself may be what failed
        log.exception("could not record the failure of %s office %s", job_id, office_id)
