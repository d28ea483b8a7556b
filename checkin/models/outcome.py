"""What happened to a client, feedback on flags, and the ranking models trained from them.

Supporters record outcomes (欠勤, 休職, 危機, 離職) and mark flags useful or not; a weekly job
trains each office's learned ranking (:mod:`checkin.signals.ranker`) from them and stores it
here; the morning job re-ranks that office's flags with its active model.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, str_enum

if TYPE_CHECKING:
    from checkin.models.office import StaffUser


class OutcomeKind(enum.StrEnum):
    ABSENCE = "absence"  # 欠勤
    SICK_LEAVE = "sick_leave"  # 休職
    CRISIS = "crisis"  # 危機
    QUIT = "quit"  # 離職


class Outcome(Base):
    """Something that happened to a client (the label the learned ranking learns from).

    A supporter may correct the kind, date or note, or delete a wrong record. Deleting is
    soft (``deleted_at``): the row stays for the support record and the audit trail (its
    ``outcome.*`` events keep pointing at it), but the client page, the training labels and
    the quit date no longer see it."""

    __tablename__ = "outcome"
    __table_args__ = (Index("ix_outcome_office_date", "office_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    kind: Mapped[OutcomeKind] = mapped_column(str_enum(OutcomeKind, "outcome_kind"))
    occurred_on: Mapped[date]  # the office-local date it happened
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime]

    updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    recorded_by: Mapped[StaffUser] = relationship(foreign_keys=[recorded_by_id])


class FlagFeedback(Base):
    """A supporter's verdict on one flag: useful (役に立った) or not. One per flag; marking
    it again replaces the verdict (the audit log keeps both)."""

    __tablename__ = "flag_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    useful: Mapped[bool]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    at: Mapped[datetime]

    staff: Mapped[StaffUser] = relationship()


class RankerModel(Base):
    """One training of an office's learned ranking, or the record that it stayed on the rules.

    A trained row holds the model serialized with skops (``model_blob``; loaded only with an
    explicit list of trusted types, never with pickle). A fallback row has no blob, the
    rules' version and the reason. At most one row per office is active (partial unique
    index); the morning job uses it.
    """

    __tablename__ = "ranker_model"
    __table_args__ = (
        Index(
            "uq_ranker_model_active_office",
            "office_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("ix_ranker_model_office_trained", "office_id", "trained_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    version: Mapped[str] = mapped_column(String(64))
    trained_at: Mapped[datetime]
    trained_through: Mapped[date]  # the last morning whose candidates it learned from
    n_positive: Mapped[int]
    n_negative: Mapped[int]
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # test_auc, test_brier, ...
    features: Mapped[list[str] | None] = mapped_column(JSON)
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    model_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    blob_sha256: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=False)
