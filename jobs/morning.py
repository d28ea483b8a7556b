"""The morning signals: each office's flags, ready before its morning hour.

Due offices are computed in batches (like ``checkin run-signals``): the offices whose
morning falls on the same date share one read, one signals pass and one write, up to
``OFFICES_PER_PASS`` per transaction, with each office's ``done`` run row in that same
transaction. If a batch fails, it is rolled back and its offices are redone one by one, so
an error in one office is recorded for that office only and the others go on.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import JobRun, Office, RunStatus
from checkin.services.morning import OFFICES_PER_PASS, MorningResult, run_offices_morning
from checkin.signals import RULES_VERSION
from jobs.base import (
    JobContext,
    TickResult,
    _record_failure,
    _run,
    is_done,
    short_error,
    today_if_past,
)

log = logging.getLogger(__name__)

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


def _counts(res: MorningResult) -> dict[str, int]:
    return {
        "clients": res.clients,
        "flags_created": res.created,
        "flags_updated": res.updated,
        "ranked_by_model": int(res.model_version != RULES_VERSION),
    }


def _due(ctx: JobContext, result: TickResult) -> dict[str, list[int]]:
    """Office ids per due slot (the local date), leaving out the units already done."""
    due: dict[str, list[int]] = defaultdict(list)
    with ctx.factory() as session:
        offices = list(session.scalars(select(Office).order_by(Office.id)))
        slots = {o.id: morning_slot(session, o, ctx.now) for o in offices}
        wanted = {s for s in slots.values() if s is not None}
        done = (
            set(
                session.execute(
                    select(JobRun.office_id, JobRun.slot).where(
                        JobRun.job_id == JOB_ID,
                        JobRun.status == RunStatus.DONE,
                        JobRun.slot.in_(wanted),
                    )
                ).all()
            )
            if wanted
            else set()
        )
    for office_id, slot in slots.items():
        if slot is None:
            result.counts["not_due"] += 1
        elif (office_id, slot) in done:
            result.counts["already_done"] += 1
        else:
            due[slot].append(office_id)
    return due


def _run_batch(ctx: JobContext, slot: str, office_ids: list[int], result: TickResult) -> bool:
    """One transaction for several offices; False (nothing committed) if it failed."""
    started = time.monotonic()
    with ctx.factory() as session:
        try:
            offices = list(
                session.scalars(select(Office).where(Office.id.in_(office_ids)).order_by(Office.id))
            )
            # Another process may have done some since we looked: never twice.
            offices = [o for o in offices if not is_done(session, JOB_ID, o.id, slot)]
            result.counts["already_done"] += len(office_ids) - len(offices)
            if not offices:
                return True
            results = run_offices_morning(session, offices, date.fromisoformat(slot), now=ctx.now)
            for res in results:
                counts = _counts(res)
                session.add(_run(ctx, JOB_ID, res.office_id, slot, RunStatus.DONE, started, counts))
                result.counts.update(counts)
            session.commit()
        except Exception:
            session.rollback()
            if len(office_ids) == 1:
                raise
            log.exception("%s: batch of %d offices failed; one by one", JOB_ID, len(office_ids))
            return False
    result.counts["units_done"] += len(offices)
    log.info("%s slot %s: %d offices in one pass", JOB_ID, slot, len(offices))
    return True


def morning_signals(ctx: JobContext) -> TickResult:
    result = TickResult()
    for slot, office_ids in _due(ctx, result).items():
        for i in range(0, len(office_ids), OFFICES_PER_PASS):
            if not ctx.still_leader():
                result.counts["stopped_not_leader"] += 1
                return result
            chunk = office_ids[i : i + OFFICES_PER_PASS]
            if len(chunk) > 1 and _run_batch(ctx, slot, chunk, result):
                continue
            for office_id in chunk:  # one by one: a failure stays with its office
                started = time.monotonic()
                try:
                    _run_batch(ctx, slot, [office_id], result)
                except Exception as exc:
                    log.exception("%s office %s slot %s failed", JOB_ID, office_id, slot)
                    result.counts["units_failed"] += 1
                    result.errors.append(f"office {office_id}: {short_error(exc)}")
                    _record_failure(ctx, JOB_ID, office_id, slot, started, exc)
    return result
