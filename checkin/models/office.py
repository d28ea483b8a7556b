"""Offices (就労定着支援事業所), staff and employers."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from checkin.models.base import Base, Timestamped, str_enum

if TYPE_CHECKING:
    from checkin.models.client import Client


class MailDetail(enum.StrEnum):
    COUNTS = "counts"  # only how many flags of each severity
    INITIALS = "initials"  # plus the client's masked name (田○ 健○) and the kind of flag
    NAMES = "names"  # plus the client's full name and the kind of flag


class Office(Timestamped, Base):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    # Local hour at which the morning signals must be ready (jobs/ reads it).
    morning_hour: Mapped[int] = mapped_column(default=7)
    # Local hour at which flags nobody has acknowledged go to the backup and the manager.
    escalation_hour: Mapped[int] = mapped_column(default=10, server_default="10")
    # How much supporters' mails may say about clients: counts, initials or names (never
    # the reasons): health details stay behind the login.
    # No CHECK constraint here: adding one to an existing SQLite table means rebuilding it,
    # which the foreign keys pointing at office forbid; SQLAlchemy validates the values.
    mail_detail: Mapped[MailDetail] = mapped_column(
        Enum(
            MailDetail,
            name="mail_detail",
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        default=MailDetail.COUNTS,
        server_default=MailDetail.COUNTS.value,
    )

    # What clients see after 「相談したい」 and on an old card: how to reach the office.
    phone: Mapped[str | None] = mapped_column(String(40))
    # Opening hours in the office's zone: weekdays as digits with Monday=0 ("01234"),
    # from opens_at to closes_at. Closed days (OfficeClosedDay) are closed all day.
    open_weekdays: Mapped[str] = mapped_column(String(7), default="01234", server_default="01234")
    opens_at: Mapped[time | None]
    closes_at: Mapped[time | None]

    staff: Mapped[list[StaffUser]] = relationship(back_populates="office")
    clients: Mapped[list[Client]] = relationship(back_populates="office")


class Role(enum.StrEnum):
    ADMIN = "admin"
    SERVICE_MANAGER = "service_manager"  # サービス管理責任者
    SUPPORTER = "supporter"  # 就労定着支援員


class StaffUser(Timestamped, Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(str_enum(Role, "staff_role"), default=Role.SUPPORTER)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Set when an administrator set the password: the person must choose their own at login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Raised at logout: every session cookie issued before it stops working.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    office: Mapped[Office] = relationship(back_populates="staff")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class StaffLeave(Base):
    """A period when a staff member is away; their flags go to the backup supporter."""

    __tablename__ = "staff_leave"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class Employer(Timestamped, Base):
    """The client's workplace (企業). Employer accounts and consents attach here later."""

    __tablename__ = "employer"
    __table_args__ = (UniqueConstraint("office_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))

    office: Mapped[Office] = relationship()


class OfficeClosedDay(Base):
    """A day the office is closed (holidays, year end): no expected check-in, no reminder."""

    __tablename__ = "office_closed_day"
    __table_args__ = (UniqueConstraint("office_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    day: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))


class SetupToken(Base):
    """A one-time link for a staff member to set their password (first run, or a reset).

    Only the SHA-256 of the token is stored; it works once (used_at) and until expires_at.
    """

    __tablename__ = "setup_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """One login attempt (staff or employer), for throttling per account and per address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_login_at", "kind", "login", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # staff, employer
    login: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    success: Mapped[bool]
