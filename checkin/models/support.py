"""Support given and what may be shared: contact records, consents, employer accounts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from checkin.models.base import Base, Timestamped, str_enum

if TYPE_CHECKING:
    from checkin.models.client import Client
    from checkin.models.office import Employer, StaffUser


class ContactKind(enum.StrEnum):
    CALL = "call"  # 電話
    MESSAGE = "message"  # メッセージ・メール
    MEETING = "meeting"  # 面談 (対面)
    VIDEO = "video"  # 面談 (オンライン)
    WORKPLACE_VISIT = "workplace_visit"  # 職場訪問
    EMPLOYER = "employer"  # 企業への連絡


class Contact(Timestamped, Base):
    """One act of support: a call, a meeting, a visit... optionally answering a flag."""

    __tablename__ = "contact"
    # The last contact of each client (the overview reads it for every client of the office).
    __table_args__ = (Index("ix_contact_client_occurred", "client_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "contact_kind"))
    occurred_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id"))
    # A meeting (kinds meeting and video) is this one record, with its details: where,
    # who attended (Attendee values), and for a video meeting why it was not face to face
    # and that the conditions of seed 003 held (two-way, the client seen, the client's
    # wish and no burden on them).
    place: Mapped[str | None] = mapped_column(String(200))
    attendees: Mapped[list[str] | None] = mapped_column(JSON)
    employer_attendee: Mapped[str | None] = mapped_column(String(200))
    video_reason: Mapped[str | None] = mapped_column(String(300))
    video_conditions: Mapped[bool | None]

    client: Mapped[Client] = relationship()
    staff: Mapped[StaffUser] = relationship()

    @property
    def is_meeting(self) -> bool:
        return self.kind in MEETING_KINDS


class Attendee(enum.StrEnum):
    CLIENT = "client"  # 本人
    SUPPORTER = "supporter"  # 支援員
    EMPLOYER = "employer"  # 企業の方


MEETING_KINDS = frozenset({ContactKind.MEETING, ContactKind.VIDEO})
# Contacts with the employer side for the monthly effort duty (seed 003).
EMPLOYER_CONTACT_KINDS = frozenset({ContactKind.EMPLOYER, ContactKind.WORKPLACE_VISIT})


class ConsentScope(enum.StrEnum):
    TREND = "trend"  # mood, fatigue and sleep: weekly averages
    ANSWER_RATE = "answer_rate"
    FLAGS = "flags"  # that a flag was raised and how serious (never the reasons)
    NOTES = "notes"  # the client's own notes
    REPORTS = "reports"  # the parts of confirmed support reports the client agreed to share
    # The employer side fills the periodic checks and sees their combined charts
    # (services/assessments.py); never the client's own answers item by item.
    ASSESSMENT = "assessment"
    # the employer may write to the office: a concern (気になること) and the answer to
    # the monthly employer contact (never read access to anything)
    EMPLOYER_VOICE = "employer_notes"


class Consent(Base):
    """The client's consent to share chosen summaries with one recipient.

    Recorded by staff with its evidence (e.g. the signed form's reference); revocation takes
    effect on the next request. Closed employment never shares anything with the employer,
    whatever is recorded here.
    """

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    recipient_type: Mapped[str] = mapped_column(String(16))  # employer, agency
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    agency_name: Mapped[str | None] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    client: Mapped[Client] = relationship()
    employer: Mapped[Employer | None] = relationship()
    recorded_by: Mapped[StaffUser] = relationship(foreign_keys=[recorded_by_id])


class EmployerUser(Timestamped, Base):
    """A person at an employer (boss or HR) who may see consented summaries."""

    __tablename__ = "employer_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Raised at logout: every session cookie issued before it stops working.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    employer: Mapped[Employer] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
