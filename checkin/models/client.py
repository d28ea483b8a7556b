"""Clients (利用者) and their personal check-in links."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, Timestamped, str_enum

if TYPE_CHECKING:
    from checkin.models.office import Employer, Office, StaffUser


class Stage(enum.StrEnum):
    """Support stages (seed 002 §7-9); alert sensitivity follows the stage."""

    EXPLORATION = "exploration"  # 模索期
    ADJUSTMENT = "adjustment"  # 順行期・調整期
    STABILITY = "stability"  # 安定期・自立拡大期
    SELF_DRIVING = "self_driving"  # 自走期・支援離脱期


class Disclosure(enum.StrEnum):
    OPEN = "open"  # オープン就労: the employer knows
    CLOSED = "closed"  # クローズ就労: never any employer access


class ClientStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class Channel(enum.StrEnum):
    WEB = "web"
    LINE = "line"
    IMPORT = "import"
    STAFF = "staff"


class Client(Timestamped, Base):
    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str | None] = mapped_column(String(200))
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    backup_supporter_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    hire_date: Mapped[date | None]
    service_start: Mapped[date | None]
    service_end: Mapped[date | None]
    stage: Mapped[Stage] = mapped_column(
        str_enum(Stage, "support_stage"), default=Stage.EXPLORATION
    )
    disclosure: Mapped[Disclosure] = mapped_column(
        str_enum(Disclosure, "disclosure"), default=Disclosure.OPEN
    )
    # Weekdays the client is expected to check in, as digits with Monday=0 ("01234").
    checkin_weekdays: Mapped[str] = mapped_column(String(7), default="01234")
    reminder_time: Mapped[time | None]
    channel_preference: Mapped[Channel] = mapped_column(
        str_enum(Channel, "channel"), default=Channel.WEB
    )
    status: Mapped[ClientStatus] = mapped_column(
        str_enum(ClientStatus, "client_status"), default=ClientStatus.ACTIVE
    )
    # Set when the client's records were anonymized (``checkin anonymize-client``): the
    # name, notes, links and LINE ids are gone; dates, answers and counts stay.
    anonymized_at: Mapped[datetime | None]

    office: Mapped[Office] = relationship(back_populates="clients")
    supporter: Mapped[StaffUser | None] = relationship(foreign_keys=[supporter_id])
    backup_supporter: Mapped[StaffUser | None] = relationship(foreign_keys=[backup_supporter_id])
    employer: Mapped[Employer | None] = relationship()

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(c) for c in self.checkin_weekdays)


class CheckinLink(Base):
    """A client's personal check-in URL. Only a hash of the token is stored."""

    __tablename__ = "checkin_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    last_used_at: Mapped[datetime | None]
    # The token sealed with the secret key while the card may still be printed again
    # (until the client first uses the link or the reprint window ends); then cleared.
    card_token: Mapped[str | None] = mapped_column(String(255))

    client: Mapped[Client] = relationship()
