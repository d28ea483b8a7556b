"""Retention: anonymizing a client's records after the keeping period, and pruning what was
kept only to deliver a message (docs/retention.md).

Support records are kept at least 5 years after the service ends (the record-keeping rule
for 就労定着支援). After that, or earlier on a lawful request (with its reason), an
administrator anonymizes the client: the name, every free text (notes of check-ins,
contacts, flags and outcomes, a consent's evidence, the notes in the audit log's details),
the check-in links and everything LINE knew are removed; the answers' numbers, the dates,
the flags, contacts, outcomes and consents stay as rows, so the office's counts (check-ins,
flags, contacts, retention figures) do not move. Anonymizing again changes nothing more.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from checkin.models import (
    AuditEvent,
    CheckIn,
    CheckinLink,
    Client,
    ClientDocument,
    ClientStatus,
    Consent,
    Contact,
    Flag,
    LineAccount,
    LineConversation,
    LineEvent,
    LineLinkCode,
    LinePushLog,
    Notification,
    NotificationStatus,
    Outcome,
    StaffUser,
)
from checkin.services import audit
from checkin.services.errors import ValidationError, _l
from checkin.timeutil import local_date

RETENTION_YEARS = 5
# Stored mail bodies (kept to send and retry them) and the LINE push log (kept for the
# month's push count and the silent-streak check) are pruned after these periods.
KEEP_MAIL_BODIES = timedelta(days=30)
KEEP_PUSH_LOG = timedelta(days=90)
ANONYMOUS_NAME = "匿名 %d"


class Refusal(enum.Enum):
    NOT_ENDED = "not_ended"  # active or paused: end the service first
    NO_END_DATE = "no_end_date"  # ended, but when is not recorded
    TOO_EARLY = "too_early"  # less than 5 years after the service ended


class Refused(Exception):
    """The records may not be anonymized yet (``reason``; ``keep_until``: from when)."""

    def __init__(self, reason: Refusal, keep_until: date | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.keep_until = keep_until

    def english(self) -> str:
        if self.reason is Refusal.NOT_ENDED:
            return (
                "the client's service has not ended: end it first (records of an active"
                " client are never anonymized)"
            )
        if self.reason is Refusal.NO_END_DATE:
            return (
                "the client's service end date is not recorded, so the 5 years cannot be"
                " counted: record it, or give --lawful-request with its reason"
            )
        return (
            f"the records must be kept until {self.keep_until} (5 years after the service"
            " ended); earlier only on a lawful request: --lawful-request 'reason'"
        )

    def message(self) -> str:
        if self.reason is Refusal.NOT_ENDED:
            return _l("支援が終わっていない利用者は匿名化できません。先に支援を終了してください。")
        if self.reason is Refusal.NO_END_DATE:
            return _l(
                "支援終了日が記録されていないため、5年の保存期間を数えられません。"
                "支援終了日を記録するか、法令に基づく請求の理由を書いてください。"
            )
        return _l(
            "記録は %(day)s まで (支援終了から5年) 保存が必要です。"
            "それより前に匿名化できるのは、法令に基づく請求があるときだけです"
            " (理由を書いてください)。",
            day=str(self.keep_until),
        )


def keep_until(service_end: date) -> date:
    """The first day the records may be anonymized: 5 years after the service ended."""
    try:
        return service_end.replace(year=service_end.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return date(service_end.year + RETENTION_YEARS, 3, 1)


def check_allowed(client: Client, today: date, lawful_request: str | None) -> None:
    """Raise :class:`Refused` unless the client's records may be anonymized today."""
    if client.status != ClientStatus.ENDED:
        raise Refused(Refusal.NOT_ENDED)
    if lawful_request:
        return
    if client.service_end is None:
        raise Refused(Refusal.NO_END_DATE)
    until = keep_until(client.service_end)
    if today < until:
        raise Refused(Refusal.TOO_EARLY, until)


@dataclass(frozen=True)
class Anonymized:
    already: bool  # it had been anonymized before: only leftovers were cleared
    counts: dict[str, int]


def anonymize_client(
    session: Session,
    client: Client,
    *,
    now: datetime,
    actor: StaffUser | None = None,
    lawful_request: str | None = None,
    via: str = "cli",
) -> Anonymized:
    """Anonymize ``client``'s records (see the module). Raises :class:`Refused` when the
    keeping period is not over and no lawful request is given. Does not commit."""
    lawful_request = (lawful_request or "").strip() or None
    if lawful_request is not None and len(lawful_request) > 500:
        raise ValidationError({"lawful_request": _l("理由は500文字までにしてください。")})
    already = client.anonymized_at is not None
    if not already:
        check_allowed(client, local_date(now, client.office.timezone), lawful_request)
    old_names = [n for n in (client.name, client.name_kana) if n and not already]
    counts: Counter[str] = Counter()
    cid = client.id

    def run(stmt: Any, key: str) -> None:
        n = int(getattr(session.execute(stmt), "rowcount", 0) or 0)
        if n:
            counts[key] += n

    client.name = ANONYMOUS_NAME % cid
    client.name_kana = None
    session.flush()
    run(
        update(CheckIn)
        .where(CheckIn.client_id == cid, CheckIn.note.is_not(None))
        .values(note=None),
        "checkin_notes",
    )
    run(
        update(Contact)
        .where(Contact.client_id == cid, Contact.note.is_not(None))
        .values(note=None),
        "contact_notes",
    )
    run(
        update(Flag).where(Flag.client_id == cid, Flag.note.is_not(None)).values(note=None),
        "flag_notes",
    )
    run(
        update(Outcome)
        .where(Outcome.client_id == cid, Outcome.note.is_not(None))
        .values(note=None),
        "outcome_notes",
    )
    run(
        update(Consent).where(Consent.client_id == cid, Consent.evidence != "").values(evidence=""),
        "consent_evidence",
    )
    run(
        update(CheckinLink)
        .where(CheckinLink.client_id == cid, CheckinLink.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id if actor else None),
        "links_revoked",
    )
    run(
        update(CheckinLink)
        .where(CheckinLink.client_id == cid, CheckinLink.card_token.is_not(None))
        .values(card_token=None),
        "card_tokens",
    )
    # LINE: the account (its LINE user id), codes, conversations, events and push log.
    accounts = session.execute(
        select(LineAccount.id, LineAccount.line_user_id).where(LineAccount.client_id == cid)
    ).all()
    account_ids = [a.id for a in accounts]
    if account_ids:
        run(delete(LineConversation).where(LineConversation.account_id.in_(account_ids)), "line")
        run(
            delete(LineEvent).where(LineEvent.line_user_id.in_([a.line_user_id for a in accounts])),
            "line",
        )
    run(
        delete(LineLinkCode).where(
            or_(LineLinkCode.client_id == cid, LineLinkCode.used_by_id.in_(account_ids))
        ),
        "line",
    )
    if account_ids:
        run(delete(LineAccount).where(LineAccount.id.in_(account_ids)), "line")
    run(delete(LinePushLog).where(LinePushLog.client_id == cid), "line")
    # Mails that named the client or were about one of their flags.
    flag_ids = select(Flag.id).where(Flag.client_id == cid).scalar_subquery()
    about: list[ColumnElement[bool]] = [Notification.flag_id.in_(flag_ids)]
    about += [Notification.body.contains(n, autoescape=True) for n in old_names]
    about += [Notification.subject.contains(n, autoescape=True) for n in old_names]
    run(
        update(Notification)
        .where(or_(*about), or_(Notification.body != "", Notification.subject != ""))
        .values(body="", subject="")
        .execution_options(synchronize_session=False),
        "mail_bodies",
    )
    # Free text in the audit log's details (a flag's note when it was acknowledged).
    for event in session.scalars(select(AuditEvent).where(AuditEvent.client_id == cid)):
        if isinstance(event.detail, dict) and "note" in event.detail:
            event.detail = {k: v for k, v in event.detail.items() if k != "note"}
            counts["audit_notes"] += 1
    counts.update(_blank_documents(session, cid))
    counts.update(_blank_handover(session, cid))
    if not already:
        client.anonymized_at = now
        detail: dict[str, Any] = {"via": via, "lawful_request": lawful_request is not None}
        if lawful_request is not None:
            detail["reason"] = lawful_request
        audit.record(
            session,
            "client.anonymize",
            office_id=client.office_id,
            actor=actor,
            actor_type=None if actor is not None else ("cli" if via == "cli" else "system"),
            target=client,
            client_id=cid,
            detail=detail,
            at=now,
        )
    session.flush()
    return Anonymized(already, dict(counts))


def _blank_documents(session: Session, client_id: int) -> dict[str, int]:
    """Blank the written text of the client's documents (reports, plans, assessments...):
    the rows stay, so the office's count of reports per month stays right."""
    n = 0
    for doc in session.scalars(select(ClientDocument).where(ClientDocument.client_id == client_id)):
        if doc.body or doc.client_comment:
            doc.body = {}
            doc.client_comment = None
            n += 1
    return {"documents": n} if n else {}


def _blank_handover(session: Session, client_id: int) -> dict[str, int]:
    """The handover's free text (the decision's note, who signed the consent and its
    evidence, how a disclosure was made). The rows stay: the decision, the dates, the
    receiving agency and each disclosure's items are the transfer record."""
    from checkin.models import DisclosureLog, Handover

    n = 0
    for row in session.scalars(select(Handover).where(Handover.client_id == client_id)):
        if row.decision_note or row.consent_by or row.consent_evidence or row.consent_file:
            row.decision_note = None
            # The consent stays recorded as given: a placeholder, never the name.
            row.consent_by = "-" if row.consent_by else None
            row.consent_evidence = "-" if row.consent_evidence else None
            row.consent_file = None if not row.consent_file else "-"
            n += 1
    for log in session.scalars(select(DisclosureLog).where(DisclosureLog.client_id == client_id)):
        if log.method:
            log.method = None
            n += 1
    return {"handover": n} if n else {}


@dataclass(frozen=True)
class Pruned:
    mail_bodies: int
    push_logs: int
    events: int
    conversations: int


def prune_delivery_data(session: Session, *, now: datetime) -> Pruned:
    """Forget what was kept only to deliver a message: the bodies of mails sent or given up
    more than 30 days ago (the row stays: it stops a mail being sent twice), the LINE push
    log older than 90 days, webhook event ids older than 30 days and stale conversations."""
    from checkin.bot.housekeeping import prune

    mails = session.execute(
        update(Notification)
        .where(
            Notification.created_at < now - KEEP_MAIL_BODIES,
            Notification.status != NotificationStatus.PENDING,
            or_(Notification.body != "", Notification.subject != ""),
        )
        .values(body="", subject="")
        .execution_options(synchronize_session=False)
    )
    cutoff = local_date(now - KEEP_PUSH_LOG, "UTC")
    pushes = session.execute(delete(LinePushLog).where(LinePushLog.local_date < cutoff))
    line = prune(session, now=now)
    return Pruned(
        mail_bodies=int(getattr(mails, "rowcount", 0) or 0),
        push_logs=int(getattr(pushes, "rowcount", 0) or 0),
        events=line.events,
        conversations=line.conversations,
    )
