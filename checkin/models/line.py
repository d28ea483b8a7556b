"""LINE: accounts linked to clients, link codes, received webhook events, conversations and
the push log (pushes cost money on LINE plans; replies are free)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, str_enum
from checkin.models.client import Client


class LineAccount(Base):
    """A LINE user who wrote to (or followed) the bot; linked to a client by a link code.

    ``client_id`` is empty until linking: such a user only ever gets an explanation.
    """

    __tablename__ = "line_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    # One LINE user per client at a time (a new phone moves the link).
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), unique=True)
    first_seen_at: Mapped[datetime]
    linked_at: Mapped[datetime | None]
    unfollowed_at: Mapped[datetime | None]  # blocked the bot: no messages until they follow
    # Wrong link codes in a row, to stop guessing (reset by a success or after a day).
    failed_codes: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None]

    client: Mapped[Client | None] = relationship()

    @property
    def reachable(self) -> bool:
        return self.client_id is not None and self.unfollowed_at is None


class LineLinkCode(Base):
    """A one-time code staff give a client to link their LINE. Only a hash is stored."""

    __tablename__ = "line_link_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("line_account.id"))

    client: Mapped[Client] = relationship()


class LineEvent(Base):
    """Every webhook event, stored once: a redelivered or duplicated event changes nothing.

    Only what deduplication and troubleshooting need is kept: never the message text
    (health notes belong in ``checkin``, nowhere else).
    """

    __tablename__ = "line_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    redelivery: Mapped[bool] = mapped_column(default=False)


class LineConversation(Base):
    """A check-in conversation in progress: one per LINE account, deleted when done."""

    __tablename__ = "line_conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("line_account.id"), unique=True)
    local_date: Mapped[date]  # the day being recorded
    step: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Changes at every step; buttons carry it, so an old button cannot change a new answer.
    nonce: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    account: Mapped[LineAccount] = relationship()

    # Every UPDATE says "WHERE nonce = <the one I read>": of two taps handled at the same
    # time, the second fails (StaleDataError) instead of overwriting; LINE redelivers it
    # and it is then answered as a stale button.
    __mapper_args__ = {"version_id_col": nonce, "version_id_generator": False}  # noqa: RUF012


class PushStatus(enum.StrEnum):
    PENDING = "pending"  # about to push (a crash here is retried with the same retry key)
    SENT = "sent"
    FAILED = "failed"  # LINE refused or was unreachable; retried on the next run
    QUOTA = "quota"  # not sent: the month's push limit is reached
    BLOCKED = "blocked"  # not sent: the client blocked the bot
    ESCALATED = "escalated"  # not sent: silent for several reminders, the supporter was told
    HELD = "held"  # not sent: an escalation is still open with the supporter

    @property
    def not_reminded(self) -> bool:
        return self in (PushStatus.FAILED, PushStatus.QUOTA, PushStatus.BLOCKED)


class LinePushLog(Base):
    """The sent-log: at most one push of a kind per client and local date."""

    __tablename__ = "line_push_log"
    __table_args__ = (UniqueConstraint("client_id", "local_date", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    local_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))  # reminder
    status: Mapped[PushStatus] = mapped_column(str_enum(PushStatus, "push_status"))
    # Sent as X-Line-Retry-Key: LINE accepts a key once, so a retried push is not doubled.
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    error: Mapped[str | None] = mapped_column(String(200))

    client: Mapped[Client] = relationship()
