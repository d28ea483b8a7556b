"""Offices (就労定着支援事業所), staff and employers."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
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
