"""What the employer side writes to the office (where the client consented to it)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, str_enum

if TYPE_CHECKING:
    from checkin.models.client import Client
    from checkin.models.support import EmployerUser


class EmployerNoteKind(enum.StrEnum):
    CONCERN = "concern"  # 気になること: reaches the supporter at once as a flag
    MONTHLY_ANSWER = "monthly_answer"  # the answer to the monthly employer contact


class ConcernTopic(enum.StrEnum):
    LATE = "late"  # 遅刻
    ABSENCE = "absence"  # 欠勤・早退
    CHANGE = "change"  # 職場の変化 (異動・仕事内容・上司)
    OTHER = "other"  # その他


class EmployerNote(Base):
    """One note from a person at the employer: who, when, what kind, their words."""

    __tablename__ = "employer_note"
    __table_args__ = (Index("ix_employer_note_client_day", "client_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"))
    employer_user_id: Mapped[int] = mapped_column(ForeignKey("employer_user.id"))
    kind: Mapped[EmployerNoteKind] = mapped_column(str_enum(EmployerNoteKind, "employer_note_kind"))
    topic: Mapped[ConcernTopic | None] = mapped_column(str_enum(ConcernTopic, "concern_topic"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    local_date: Mapped[date]  # the office's day it was written (the month it belongs to)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id"))

    client: Mapped[Client] = relationship()
    employer_user: Mapped[EmployerUser] = relationship()
