"""Reminders by LINE push, driven only by database state (a missed or doubled run is harmless).

A reminder goes to a linked client who has not checked in by their ``reminder_time`` on one
of their expected weekdays that is not one of the office's closed days, at most once per
client and day (the sent-log's unique key, and a
retry key derived from it so LINE itself drops a push repeated after a crash). Pushes cost
money: they are counted per office and month against the plan's limit (and LINE's own count
where it can be read); at the limit nothing more is pushed. A client who stayed silent after
several reminders is not pushed again: their supporter gets a flag instead. Whoever could not
be reminded (limit, blocked, LINE error) is listed for the supporter on the alert page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.bot.conversation import START_DATA
from checkin.bot.messenger import Button, Message, Messenger, Quota, SendError
from checkin.models import (
    CheckIn,
    Client,
    ClientStatus,
    Flag,
    FlagStatus,
    LineAccount,
    LinePushLog,
    Office,
    PushStatus,
    StaffUser,
)
from checkin.services import flags as flag_service
from checkin.services.errors import _l
from checkin.services.office import is_closed
from checkin.signals import FlagCandidate, Reason

REMINDER = "reminder"
SILENT_KIND = "line_silent"  # flag kind: reminders went unanswered
SILENCE_LIMIT = 3  # unanswered reminders in a row, then the supporter is told instead
REMINDER_WINDOW = timedelta(hours=3)  # a late run still reminds, but not in the night
MAX_ATTEMPTS = 3
WARN_RATIO = 0.8

REMINDER_MESSAGE = Message(
    "きょうの 記録が まだです。30びょうで おわります。\n下の ボタンから はじめられます。",
    (Button("記録する", START_DATA),),
)

_KEY_NAMESPACE = uuid.UUID("5b0d6a8e-2f44-4e0b-9a55-8f3c1e7d2a10")


def retry_key(client_id: int, day: date, kind: str) -> str:
    """The same (client, day, kind) always gives the same X-Line-Retry-Key."""
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{client_id}/{day.isoformat()}/{kind}"))


@dataclass
class ReminderSummary:
    sent: int = 0
    failed: int = 0
    quota: int = 0  # not sent: monthly limit
    blocked: int = 0
    escalated: int = 0
    held: int = 0
    resolved: int = 0  # silence flags closed because the client answered again
    near_limit: list[tuple[int, int, int]] = field(default_factory=list)  # office, used, limit

    def as_text(self) -> str:
        s = (
            f"sent {self.sent}, failed {self.failed}, over the limit {self.quota}, "
            f"blocked {self.blocked}, escalated {self.escalated}, held {self.held}, "
            f"silence flags closed {self.resolved}"
        )
        for office_id, used, limit in self.near_limit:
            s += f"\noffice {office_id}: {used}/{limit} pushes this month"
        return s


def month_start(day: date) -> date:
    return day.replace(day=1)


def pushes_this_month(session: Session, office_id: int, today: date) -> int:
    # Pending rows may have gone out before a crash: count them, to stay under the limit.
    return (
        session.scalar(
            select(func.count())
            .select_from(LinePushLog)
            .where(
                LinePushLog.office_id == office_id,
                LinePushLog.status.in_([PushStatus.SENT, PushStatus.PENDING]),
                LinePushLog.local_date >= month_start(today),
                LinePushLog.local_date <= today,
            )
        )
        or 0
    )


def _due(
    session: Session, office: Office, today: date, local_now: datetime
) -> list[tuple[Client, LineAccount, LinePushLog | None]]:
    """Linked active clients whose reminder time has come today and who have not answered."""
    answered = select(CheckIn.client_id).where(CheckIn.local_date == today)
    rows = session.execute(
        select(Client, LineAccount)
        .join(LineAccount, LineAccount.client_id == Client.id)
        .where(
            Client.office_id == office.id,
            Client.status == ClientStatus.ACTIVE,
            Client.reminder_time.is_not(None),
            Client.id.not_in(answered),
        )
        .order_by(Client.id)
    ).all()
    logs = {
        log.client_id: log
        for log in session.scalars(
            select(LinePushLog).where(
                LinePushLog.office_id == office.id,
                LinePushLog.local_date == today,
                LinePushLog.kind == REMINDER,
            )
        )
    }
    out = []
    for client, account in rows:
        if today.weekday() not in client.weekdays or client.reminder_time is None:
            continue
        at = datetime.combine(today, client.reminder_time, local_now.tzinfo)
        if at <= local_now < at + REMINDER_WINDOW:
            out.append((client, account, logs.get(client.id)))
    return out


def _silent_streak(session: Session, client: Client, today: date) -> int:
    """Reminders sent since the client last answered (or since the last escalation)."""
    last_entry = session.scalar(
        select(func.max(CheckIn.local_date)).where(
            CheckIn.client_id == client.id, CheckIn.local_date < today
        )
    )
    last_escalation = session.scalar(
        select(func.max(LinePushLog.local_date)).where(
            LinePushLog.client_id == client.id, LinePushLog.status == PushStatus.ESCALATED
        )
    )
    since = max((d for d in (last_entry, last_escalation) if d is not None), default=date.min)
    return (
        session.scalar(
            select(func.count())
            .select_from(LinePushLog)
            .where(
                LinePushLog.client_id == client.id,
                LinePushLog.kind == REMINDER,
                LinePushLog.status == PushStatus.SENT,
                LinePushLog.local_date > since,
                LinePushLog.local_date < today,
            )
        )
        or 0
    )


def _open_silence_flag(session: Session, client: Client) -> Flag | None:
    return session.scalar(
        select(Flag).where(
            Flag.client_id == client.id,
            Flag.kind == SILENT_KIND,
            Flag.status != FlagStatus.RESOLVED,
        )
    )


def _resolve_answered(session: Session, office: Office, now: datetime) -> int:
    """Close silence flags of clients who have checked in since the flag was raised."""
    n = 0
    for flag in session.scalars(
        select(Flag).where(
            Flag.office_id == office.id,
            Flag.kind == SILENT_KIND,
            Flag.status != FlagStatus.RESOLVED,
        )
    ):
        answered = session.scalar(
            select(CheckIn.id).where(
                CheckIn.client_id == flag.client_id, CheckIn.local_date >= flag.first_date
            )
        )
        if answered is not None:
            flag.status = FlagStatus.RESOLVED
            flag.acted_at = now
            flag.note = "本人の記録が再開しました (自動)"
            n += 1
    return n


def _escalate(session: Session, office: Office, client: Client, today: date, now: datetime) -> None:
    reason = Reason(
        "line_silent",
        f"LINEのリマインドに{SILENCE_LIMIT}回続けて返事がありません。"
        "これ以上は送らずに止めています。連絡してください",
        {"reminders": SILENCE_LIMIT},
    )
    flag_service.upsert_candidates(
        session,
        office,
        today,
        [FlagCandidate(client.id, SILENT_KIND, "high", 60.0, (reason,))],
        now=now,
        source="immediate",
    )


def send_due_reminders(
    session: Session,
    *,
    now: datetime,
    messenger: Messenger,
    monthly_limit: int = 200,
    warn_ratio: float = WARN_RATIO,
) -> ReminderSummary:
    """Send what is due and not yet sent. The caller owns the transaction (commit after)."""
    summary = ReminderSummary()
    line_quota: Quota | None = None
    quota_read = False
    pushed = 0  # this run, for LINE's channel-wide count
    for office in session.scalars(select(Office).order_by(Office.id)).all():
        tz = ZoneInfo(office.timezone)
        local_now = now.astimezone(tz)
        today = local_now.date()
        summary.resolved += _resolve_answered(session, office, now)
        # A closed day (holiday, year end) is nobody's check-in day: no reminder.
        closed = is_closed(session, office.id, today)
        due = [] if closed else _due(session, office, today, local_now)
        used = pushes_this_month(session, office.id, today)
        for client, account, log in due:
            if log is not None and not (
                log.status in (PushStatus.PENDING, PushStatus.FAILED)
                and log.attempts < MAX_ATTEMPTS
            ):
                continue  # handled already: never twice
            existed = log is not None
            if log is None:
                log = LinePushLog(
                    office_id=office.id,
                    client_id=client.id,
                    local_date=today,
                    kind=REMINDER,
                    status=PushStatus.PENDING,
                    retry_key=retry_key(client.id, today, REMINDER),
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                )
                session.add(log)
                session.flush()  # the unique key stops a second scheduler here
            log.updated_at = now
            if account.unfollowed_at is not None:
                log.status = PushStatus.BLOCKED
                summary.blocked += 1
                continue
            if _open_silence_flag(session, client) is not None:
                log.status = PushStatus.HELD
                summary.held += 1
                continue
            if _silent_streak(session, client, today) >= SILENCE_LIMIT:
                _escalate(session, office, client, today, now)
                log.status = PushStatus.ESCALATED
                summary.escalated += 1
                continue
            if existed and log.status == PushStatus.PENDING:
                used -= 1  # counted above as possibly sent; it is being retried now
            remaining = monthly_limit - used
            if not quota_read:
                line_quota, quota_read = messenger.quota(), True
            if line_quota is not None and line_quota.limit is not None:
                remaining = min(remaining, line_quota.limit - line_quota.used - pushed)
            if remaining <= 0:
                log.status = PushStatus.QUOTA
                summary.quota += 1
                continue
            log.attempts += 1
            try:
                messenger.push(account.line_user_id, [REMINDER_MESSAGE], retry_key=log.retry_key)
            except SendError as e:
                log.status = PushStatus.FAILED
                log.error = str(e)[:200]
                summary.failed += 1
                continue
            log.status = PushStatus.SENT
            log.error = None
            used += 1
            pushed += 1
            summary.sent += 1
        if used >= warn_ratio * monthly_limit:
            summary.near_limit.append((office.id, used, monthly_limit))
    session.flush()
    return summary


# -- what staff see ---------------------------------------------------------------------------

NOT_REMINDED_LABELS = {
    PushStatus.QUOTA: _l("今月の送信上限"),
    PushStatus.BLOCKED: _l("LINEをブロック中"),
    PushStatus.FAILED: _l("LINEへの送信エラー"),
}


@dataclass(frozen=True)
class OfficeNotice:
    used: int
    limit: int
    near_limit: bool
    at_limit: bool
    not_reminded: list[tuple[Client, str]]  # today's clients who could not be reminded


def office_notice(
    session: Session,
    staff: StaffUser,
    *,
    now: datetime,
    monthly_limit: int = 200,
    everyone: bool = False,
    warn_ratio: float = WARN_RATIO,
) -> OfficeNotice | None:
    """The LINE notice on the alert list, or None when there is nothing to say."""
    office = staff.office
    today = local_date_of(now, office.timezone)
    used = pushes_this_month(session, office.id, today)
    q = (
        select(LinePushLog)
        .join(Client, Client.id == LinePushLog.client_id)
        .where(
            LinePushLog.office_id == office.id,
            LinePushLog.local_date == today,
            LinePushLog.kind == REMINDER,
            LinePushLog.status.in_(list(NOT_REMINDED_LABELS)),
        )
        .order_by(Client.name_kana, Client.name)
    )
    if not everyone:
        q = q.where(Client.supporter_id == staff.id)
    missed = [(log.client, NOT_REMINDED_LABELS[log.status]) for log in session.scalars(q)]
    near = used >= warn_ratio * monthly_limit
    if not missed and not near:
        return None
    return OfficeNotice(used, monthly_limit, near, used >= monthly_limit, missed)


def local_date_of(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()
