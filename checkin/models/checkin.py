"""Daily check-ins: one per client per local date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, Timestamped, str_enum
from checkin.models.client import Channel, Client

NOTE_MAX_CHARS = 1000


class CheckIn(Timestamped, Base):
    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("client_id", "local_date"),
        CheckConstraint("mood BETWEEN 1 AND 5", name="mood_range"),
        CheckConstraint("fatigue BETWEEN 1 AND 5", name="fatigue_range"),
        CheckConstraint("sleep_quality BETWEEN 1 AND 5", name="sleep_quality_range"),
        CheckConstraint("sleep_hours >= 0 AND sleep_hours <= 24", name="sleep_hours_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    local_date: Mapped[date]
    mood: Mapped[int]  # 1 very bad .. 5 very good
    fatigue: Mapped[int]  # 1 not tired .. 5 exhausted
    sleep_hours: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    sleep_quality: Mapped[int | None]  # 1 slept badly .. 5 slept well
    note: Mapped[str | None] = mapped_column(Text)
    wants_contact: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))

    client: Mapped[Client] = relationship()
