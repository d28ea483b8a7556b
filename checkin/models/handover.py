"""The end of the service and the handover (引継ぎ, seed 002 end of service, seed 003).

``Handover`` holds one client's decision (no handover needed / hand over to an agency / the
client declined) with who decided and when, the client's written consent (who, when, the
evidence), the receiving agency and person, and the case meeting. ``HandoverNotice`` stores
that the supporter and the service manager were told, six and three months before the end,
that no decision is recorded: once per threshold, never every morning. ``DisclosureLog`` is
the transfer record (APPI 第三者提供の記録): exactly which items went to whom and when.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, str_enum

if TYPE_CHECKING:
    from checkin.models.client import Client
    from checkin.models.office import StaffUser


class HandoverDecision(enum.StrEnum):
    NOT_NEEDED = "not_needed"  # 引継ぎ不要
    AGENCY = "agency"  # 関係機関へ引き継ぐ
    DECLINED = "declined"  # 本人が希望しない


class AgencyKind(enum.StrEnum):
    CENTER = "center"  # 障害者就業・生活支援センター
    EMPLOYER = "employer"  # 企業の自社支援 (ジョブコーチ等)
    OTHER = "other"  # その他の機関


class Handover(Base):
    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), unique=True)
    decision: Mapped[HandoverDecision | None] = mapped_column(
        str_enum(HandoverDecision, "handover_decision")
    )
    agency_kind: Mapped[AgencyKind | None] = mapped_column(str_enum(AgencyKind, "agency_kind"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The client's written consent to the handover.
    consent_by: Mapped[str | None] = mapped_column(String(200))  # who signed
    consent_on: Mapped[date | None]
    consent_evidence: Mapped[str | None] = mapped_column(Text)  # what the paper says, where
    consent_file: Mapped[str | None] = mapped_column(String(300))  # a scanned file's reference
    consent_recorded_at: Mapped[datetime | None]
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    receiver_name: Mapped[str | None] = mapped_column(String(200))  # the receiving agency
    receiver_person: Mapped[str | None] = mapped_column(String(200))
    meeting_on: Mapped[date | None]  # ケース会議
    updated_at: Mapped[datetime]

    client: Mapped[Client] = relationship()
    decided_by: Mapped[StaffUser | None] = relationship(foreign_keys=[decided_by_id])
    consent_recorded_by: Mapped[StaffUser | None] = relationship(
        foreign_keys=[consent_recorded_by_id]
    )

    @property
    def has_consent(self) -> bool:
        return bool(
            self.consent_by
            and self.consent_on
            and ((self.consent_evidence or "").strip() or (self.consent_file or "").strip())
        )


class HandoverNotice(Base):
    """ "No handover decision, N months before the end" was told: once per threshold."""

    __tablename__ = "handover_notice"
    __table_args__ = (UniqueConstraint("client_id", "months", "service_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    months: Mapped[int]  # 6 or 3
    service_end: Mapped[date]  # the end it was counted from (a moved end is a new notice)
    created_at: Mapped[datetime]
    mailed_at: Mapped[datetime | None]
    seen_at: Mapped[datetime | None]
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    client: Mapped[Client] = relationship()


class DisclosureLog(Base):
    """One disclosure of a client's information to a third party."""

    __tablename__ = "disclosure_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    recipient_person: Mapped[str | None] = mapped_column(String(200))
    # [{"key": "plan", "title": "支援計画"}...]: the titles as they were when given.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("client_document.id"))
    document_version: Mapped[int | None]
    consent_on: Mapped[date | None]
    method: Mapped[str | None] = mapped_column(String(200))  # 手渡し, 郵送...
    disclosed_at: Mapped[datetime]
    by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))

    by: Mapped[StaffUser] = relationship()
