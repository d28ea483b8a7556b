"""Client documents: the monthly support report, the support plan, the handover package,
the assessments and the resource map share one table, one versioning rule and one
confirm-by-the-client page (services/documents.py).

A *series* is one client's document of one kind for one period (the report of 2026-11, the
plan starting 2026-12-01...). Its versions are numbered 1, 2, ...; exactly one is
``current``. A version the client confirmed is locked for good: a correction is a new
version copied from it, and the old one stays readable (``current`` false).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.models.base import Base, str_enum

if TYPE_CHECKING:
    from checkin.models.client import Client
    from checkin.models.office import StaffUser


class DocKind(enum.StrEnum):
    MONTHLY_REPORT = "monthly_report"  # 支援レポート (seed 003)
    SUPPORT_PLAN = "support_plan"  # 就労定着支援計画
    HANDOVER = "handover"  # 引継ぎ資料
    RESOURCE_MAP = "resource_map"  # 資源マップ
    ASSESSMENT_STABILITY = "assessment_stability"  # 職業生活の安定度チェック
    ASSESSMENT_NATURAL = "assessment_natural"  # ナチュラルサポートのチェック


class DocStatus(enum.StrEnum):
    DRAFT = "draft"  # staff are writing it; the client sees nothing
    SENT = "sent"  # waiting for the client to read and confirm
    RETURNED = "returned"  # the client sent a comment back ("ここが ちがいます")
    CONFIRMED = "confirmed"  # the client confirmed it (or it needs no confirmation): locked


class DocSide(enum.StrEnum):
    STAFF = "staff"
    CLIENT = "client"
    EMPLOYER = "employer"


class ClientDocument(Base):
    __tablename__ = "client_document"
    __table_args__ = (
        UniqueConstraint("client_id", "kind", "period", "side", "version"),
        Index("ix_client_document_series", "client_id", "kind", "period", "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    kind: Mapped[DocKind] = mapped_column(str_enum(DocKind, "doc_kind"))
    # "2026-11" for a monthly report; a date or round label for the other kinds.
    period: Mapped[str] = mapped_column(String(20))
    side: Mapped[DocSide] = mapped_column(str_enum(DocSide, "doc_side"), default=DocSide.STAFF)
    version: Mapped[int] = mapped_column(default=1)
    current: Mapped[bool] = mapped_column(default=True, server_default=true())
    status: Mapped[DocStatus] = mapped_column(
        str_enum(DocStatus, "doc_status"), default=DocStatus.DRAFT
    )
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Section keys the client asked not to share with the employer.
    private_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Raised on every save: a form carrying an older number is a conflict, not a lost edit.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    employer_user_id: Mapped[int | None] = mapped_column(ForeignKey("employer_user.id"))
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_channel: Mapped[str | None] = mapped_column(String(16))
    client_comment: Mapped[str | None] = mapped_column(Text)
    client_comment_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship()
    created_by: Mapped[StaffUser | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[StaffUser | None] = relationship(foreign_keys=[updated_by_id])
    approved_by: Mapped[StaffUser | None] = relationship(foreign_keys=[approved_by_id])
    sent_by: Mapped[StaffUser | None] = relationship(foreign_keys=[sent_by_id])

    @property
    def locked(self) -> bool:
        return self.status == DocStatus.CONFIRMED or not self.current
