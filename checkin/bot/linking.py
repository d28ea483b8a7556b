"""Binding a LINE user to a client with a one-time code that staff hand out.

Codes are 8 digits (easy to type on any phone, also full-width), live 48 hours, work once,
and only their hash is stored. A LINE user who sends wrong codes five times in a day is
stopped, so 10^8 codes cannot be guessed through the bot.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.models import (
    Client,
    ClientStatus,
    LineAccount,
    LineConversation,
    LineLinkCode,
    StaffUser,
)
from checkin.services import audit

CODE_TTL = timedelta(hours=48)
MAX_FAILED_CODES = 5
FAILED_WINDOW = timedelta(hours=24)


def hash_code(code: str) -> str:
    return hashlib.sha256(f"line-link:{code}".encode()).hexdigest()


def normalize_code(text: str) -> str | None:
    """The 8 digits of a code as typed ("1234-5678", "１２３４５６７８", "1234 5678")."""
    s = unicodedata.normalize("NFKC", text)
    for ch in " -ー‐−_":
        s = s.replace(ch, "")
    return s if len(s) == 8 and s.isascii() and s.isdigit() else None


def issue_code(
    session: Session, client: Client, *, now: datetime, actor: StaffUser | None = None
) -> tuple[str, LineLinkCode]:
    """A new code for ``client``; earlier unused codes stop working. Returns "1234-5678"."""
    for old in session.scalars(
        select(LineLinkCode).where(
            LineLinkCode.client_id == client.id,
            LineLinkCode.used_at.is_(None),
            LineLinkCode.expires_at > now,
        )
    ):
        old.expires_at = now
    while True:
        digits = f"{secrets.randbelow(10**8):08d}"
        if (
            session.scalar(
                select(LineLinkCode.id).where(LineLinkCode.code_hash == hash_code(digits))
            )
            is None
        ):
            break
    row = LineLinkCode(
        client_id=client.id,
        code_hash=hash_code(digits),
        created_at=now,
        created_by_id=actor.id if actor else None,
        expires_at=now + CODE_TTL,
    )
    session.add(row)
    audit.record(
        session, "line.code.issue", office_id=client.office_id, actor=actor, client_id=client.id
    )
    return f"{digits[:4]}-{digits[4:]}", row


def live_code(session: Session, client: Client, *, now: datetime) -> LineLinkCode | None:
    return session.scalar(
        select(LineLinkCode)
        .where(
            LineLinkCode.client_id == client.id,
            LineLinkCode.used_at.is_(None),
            LineLinkCode.expires_at > now,
        )
        .order_by(LineLinkCode.id.desc())
    )


def account_for(session: Session, line_user_id: str, *, now: datetime) -> LineAccount:
    """The LINE user's row, created on first contact (not yet linked to anyone)."""
    account = session.scalar(select(LineAccount).where(LineAccount.line_user_id == line_user_id))
    if account is None:
        account = LineAccount(line_user_id=line_user_id, first_seen_at=now, failed_codes=0)
        session.add(account)
        session.flush()
    return account


def account_of(session: Session, client: Client) -> LineAccount | None:
    return session.scalar(select(LineAccount).where(LineAccount.client_id == client.id))


class LinkOutcome(enum.Enum):
    LINKED = "linked"
    ALREADY = "already"  # this LINE user is already this client's
    OTHER_CLIENT = "other_client"  # this LINE user belongs to someone else: refuse
    INVALID = "invalid"  # wrong, expired, used, or the client is not active
    LOCKED = "locked"  # too many wrong codes


def link_with_code(
    session: Session, account: LineAccount, code: str, *, now: datetime
) -> tuple[LinkOutcome, Client | None]:
    if (
        account.failed_codes >= MAX_FAILED_CODES
        and account.last_failed_at is not None
        and now - account.last_failed_at < FAILED_WINDOW
    ):
        return LinkOutcome.LOCKED, None
    row = session.scalar(select(LineLinkCode).where(LineLinkCode.code_hash == hash_code(code)))
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or row.client.status != ClientStatus.ACTIVE
    ):
        if account.last_failed_at is None or now - account.last_failed_at >= FAILED_WINDOW:
            account.failed_codes = 0
        account.failed_codes += 1
        account.last_failed_at = now
        return LinkOutcome.INVALID, None
    client = row.client
    if account.client_id == client.id:
        return LinkOutcome.ALREADY, client
    if account.client_id is not None:
        # Never quietly move a LINE user from one client's record to another's.
        return LinkOutcome.OTHER_CLIENT, None
    previous = account_of(session, client)
    if previous is not None:  # the client changed phones: the old LINE user stops getting data
        previous.client_id = None
        previous.linked_at = None
        drop_conversation(session, previous)
        session.flush()
    row.used_at = now
    row.used_by_id = account.id
    account.client_id = client.id
    account.linked_at = now
    account.failed_codes = 0
    account.last_failed_at = None
    audit.record(
        session,
        "line.link",
        office_id=client.office_id,
        actor_type="client",
        actor_id=client.id,
        client_id=client.id,
        detail={"moved_from_other_line_user": previous is not None},
    )
    return LinkOutcome.LINKED, client


def unlink(
    session: Session, client: Client, *, now: datetime, actor: StaffUser | None = None
) -> bool:
    account = account_of(session, client)
    if account is None:
        return False
    account.client_id = None
    account.linked_at = None
    drop_conversation(session, account)
    audit.record(
        session, "line.unlink", office_id=client.office_id, actor=actor, client_id=client.id
    )
    return True


def drop_conversation(session: Session, account: LineAccount) -> None:
    conv = session.scalar(select(LineConversation).where(LineConversation.account_id == account.id))
    if conv is not None:
        session.delete(conv)
