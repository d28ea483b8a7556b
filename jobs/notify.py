"""Supporter mails: the morning digest and the immediate mail for urgent flags."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from checkin.models import (
    Flag,
    HandoverNotice,
    MailDetail,
    Office,
    StaffLeave,
    StaffUser,
)
from checkin.services.delivery import at_once_clause, deliveries, staff_reach
from checkin.services.flags import alert_list
from checkin.services.monthly import count_items, due_duties
from jobs import messages
from jobs.base import JobContext, TickResult, local_now, run_per_office, today_if_past
from jobs.mail import queue, send_pending
from jobs.morning import morning_done

DIGEST_ID = "morning-digest"
URGENT_ID = "urgent-mail"

log = logging.getLogger(__name__)


def digest_slot(session: Session, office: Office, now: datetime) -> str | None:
    day = today_if_past(now, office, office.morning_hour, timedelta(0))
    if day is None or not morning_done(session, office, day):
        return None  # the digest reports this morning's list: wait until it is computed
    return day.isoformat()


def digest_office(session: Session, office: Office, day: date, ctx: JobContext) -> dict[str, int]:
    """One mail to each active staff member with an address and a non-empty alert list
    or this month's duties still open in its last week."""
    assert ctx.mail is not None
    staff = session.scalars(
        select(StaffUser)
        .where(
            StaffUser.office_id == office.id,
            StaffUser.active.is_(True),
            StaffUser.email.is_not(None),
        )
        .order_by(StaffUser.id)
    )
    away = on_leave(session, office, day)
    queued = 0
    told: set[int] = set()
    for person in staff:
        if person.id in away:
            continue  # their flags went to the backup; no mail into a holiday
        flags = alert_list(session, person)
        duties = count_items(due_duties(session, person, day))
        plans_due, notice_ids = plan_duties(session, person, day, office.mail_detail)
        if not flags and not duties["total"] and not plans_due:
            continue  # no "nothing today" mail: silence is the usual case
        told |= notice_ids
        mail = messages.digest_mail(
            person.name,
            flags,
            day,
            office.mail_detail,
            ctx.mail.public_base_url,
            duties=duties,
            plan_duties=plans_due,
        )
        queued += queue(
            session,
            kind="digest",
            dedupe_key=f"digest:{office.id}:{day}:{person.id}",
            staff=person,
            subject=mail.subject,
            body=mail.body,
            now=ctx.now,
        )
    mark_mailed(session, told, ctx.now)
    return {"mails_queued": queued}


def plan_duties(
    session: Session, person: StaffUser, day: date, detail: MailDetail
) -> tuple[list[str], set[int]]:
    """The digest's duty lines for ``person`` (overdue plan reviews, every morning until
    done; "no handover decision" notices, once: only those not mailed yet) and the ids of
    the notices they carry; periodic checks past their due day for their own clients, every
    morning until done) and the ids of the notices they carry."""
    from checkin.services import assessment_docs, handover, plans

    reviews = [r.client for r in plans.overdue_for(session, person, day)]
    notices = [n for n in handover.open_notices(session, person) if n.mailed_at is None]
    overdue = assessment_docs.overdue_for(session, person, day)
    checks = list(dict.fromkeys(o.client for o in overdue))
    lines = messages.plan_duty_lines(reviews, notices, detail, checks=checks)
    return lines, {n.id for n in notices}


def mark_mailed(session: Session, notice_ids: set[int], now: datetime) -> None:
    if not notice_ids:
        return
    for notice in session.scalars(select(HandoverNotice).where(HandoverNotice.id.in_(notice_ids))):
        notice.mailed_at = now


def morning_digest(ctx: JobContext) -> TickResult:
    if ctx.mail is None:
        return TickResult()

    def work(session: Session, office: Office, slot: str) -> dict[str, int]:
        return digest_office(session, office, date.fromisoformat(slot), ctx)

    result = run_per_office(ctx, DIGEST_ID, digest_slot, work)
    return result.merge(send_pending(ctx.factory, ctx.mailer, ctx.now))


def urgent_slot(session: Session, office: Office, now: datetime) -> str | None:
    return local_now(now, office).strftime("%Y-%m-%dT%H:%M:%S")


def on_leave(session: Session, office: Office, day: date) -> set[int]:
    return set(
        session.scalars(
            select(StaffLeave.staff_id)
            .join(StaffUser, StaffUser.id == StaffLeave.staff_id)
            .where(
                StaffUser.office_id == office.id,
                StaffLeave.starts_on <= day,
                StaffLeave.ends_on >= day,
            )
        )
    )


def urgent_office(
    session: Session, office: Office, ctx: JobContext, unreached: Counter[str]
) -> dict[str, int]:
    """Queue a mail for each open urgent flag's current request, to the people
    :func:`checkin.services.delivery.urgent_recipients` picks (the same answer the alert
    list and the overview show). A flag nobody can be mailed about is counted in
    ``unreached`` (the tick's outcome, not a run row per minute) and logged: the alert list,
    the overview and /ops/jobs show it as 「まだ だれにも 通知できていません」."""
    assert ctx.mail is not None
    today = local_now(ctx.now, office).date()
    flags = list(
        session.scalars(
            select(Flag)
            .where(
                Flag.office_id == office.id,
                at_once_clause(),  # urgent, or a concern the employer side wrote
                Flag.last_date >= today - timedelta(days=1),  # not last month's, on first start
            )
            .options(joinedload(Flag.client), joinedload(Flag.assignee))
            .order_by(Flag.id)
        ).unique()
    )
    people = staff_reach(session, office.id, today)
    states = deliveries(
        session, office, flags, today=today, now=ctx.now, mail_on=True, people=people
    )
    queued = 0
    for flag in flags:
        state = states[flag.id]
        if state.delivered:
            continue
        if not state.recipients:
            unreached["urgent_unreached"] += 1
            log.warning(
                "urgent flag %s (office %s): nobody can be mailed (%s)",
                flag.id,
                office.id,
                ", ".join(state.reasons),
            )
            continue
        for person in state.recipients:
            mail = messages.urgent_mail(
                person.name, flag, office.mail_detail, ctx.mail.public_base_url
            )
            queued += queue(
                session,
                kind="urgent",
                dedupe_key=f"{state.request_key}{person.id}",
                staff=person,
                subject=mail.subject,
                body=mail.body,
                now=ctx.now,
                flag_id=flag.id,
            )
    return {"mails_queued": queued}


def urgent_mail(ctx: JobContext) -> TickResult:
    """Every minute: queue a mail for each new urgent flag, then send what is pending
    (which also retries earlier failures, the digest's included)."""
    if ctx.mail is None:
        return TickResult()

    unreached: Counter[str] = Counter()

    def work(session: Session, office: Office, slot: str) -> dict[str, int]:
        return urgent_office(session, office, ctx, unreached)

    result = run_per_office(ctx, URGENT_ID, urgent_slot, work, record_empty=False)
    result.counts.update(unreached)
    return result.merge(send_pending(ctx.factory, ctx.mailer, ctx.now))
