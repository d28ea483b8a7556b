"""Escalation: flags nobody acknowledged by the office's escalation hour go to the backup
supporter and the service manager, once per flag (``Flag.escalated_at``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from checkin.models import Flag, FlagStatus, Office, Role, Severity, StaffUser
from checkin.services import audit
from jobs import messages
from jobs.base import JobContext, TickResult, local_at, run_per_office, today_if_past
from jobs.mail import queue, send_pending
from jobs.morning import morning_done

JOB_ID = "flag-escalation"
# Watch flags never escalate: they are for the next meeting, not for today.
ESCALATE = (Severity.URGENT, Severity.HIGH)


def escalation_slot(session: Session, office: Office, now: datetime) -> str | None:
    day = today_if_past(now, office, office.escalation_hour, lead=timedelta(0))
    # After today's morning only, so that its new flags are there to be escalated.
    if day is None or not morning_done(session, office, day):
        return None
    return day.isoformat()


def due_flags(session: Session, office: Office, day: date) -> list[Flag]:
    """Open (never acknowledged) flags already on the list at the morning hour of ``day``
    or raised by that day's morning run.

    A flag raised during the day (a wants-contact saved at 9:55) had its immediate mail and
    escalates only at the next day's escalation hour if still open.
    """
    return list(
        session.scalars(
            select(Flag)
            .where(
                Flag.office_id == office.id,
                Flag.status == FlagStatus.OPEN,
                Flag.escalated_at.is_(None),
                Flag.severity.in_(ESCALATE),
                or_(
                    Flag.created_at <= local_at(day, office.morning_hour, office),
                    # raised by this day's morning run, even one caught up late
                    and_(Flag.source == "morning", Flag.first_date <= day),
                ),
            )
            .options(joinedload(Flag.client), joinedload(Flag.assignee))
            .order_by(Flag.id)
        ).unique()
    )


def escalate_office(
    session: Session, office: Office, day: date, *, now: datetime, ctx: JobContext
) -> dict[str, int]:
    flags = due_flags(session, office, day)
    managers = list(
        session.scalars(
            select(StaffUser).where(
                StaffUser.office_id == office.id,
                StaffUser.role == Role.SERVICE_MANAGER,
                StaffUser.active.is_(True),
            )
        )
    )
    to: dict[int, list[Flag]] = defaultdict(list)
    staff_by_id = {m.id: m for m in managers}
    for flag in flags:
        flag.escalated_at = now
        recipients = {m.id for m in managers}
        backup = flag.client.backup_supporter
        if (
            backup is not None
            and backup.active
            and backup.office_id == office.id
            and backup.id != flag.assignee_id
        ):
            recipients.add(backup.id)
            staff_by_id[backup.id] = backup
        recipients.discard(flag.assignee_id or -1)  # never escalate to the one who ignored it
        for sid in recipients:
            to[sid].append(flag)
        audit.record(
            session,
            "flag.escalate",
            office_id=office.id,
            actor_type="system",
            target=flag,
            client_id=flag.client_id,
            detail={"to": sorted(recipients), "hour": office.escalation_hour},
        )
    queued = 0
    if ctx.mail is not None:
        for sid, items in to.items():
            staff = staff_by_id[sid]
            mail = messages.escalation_mail(
                staff.name,
                items,
                office.escalation_hour,
                office.mail_detail,
                ctx.mail.public_base_url,
                whole_office=staff.role in (Role.SERVICE_MANAGER, Role.ADMIN),
            )
            queued += queue(
                session,
                kind="escalation",
                dedupe_key=f"escalation:{office.id}:{day}:{sid}",
                staff=staff,
                subject=mail.subject,
                body=mail.body,
                now=now,
            )
    session.flush()
    return {"flags_escalated": len(flags), "mails_queued": queued}


def escalate_flags(ctx: JobContext) -> TickResult:
    def work(session: Session, office: Office, slot: str) -> dict[str, int]:
        return escalate_office(session, office, date.fromisoformat(slot), now=ctx.now, ctx=ctx)

    result = run_per_office(ctx, JOB_ID, escalation_slot, work)
    return result.merge(send_pending(ctx.factory, ctx.mailer, ctx.now))
