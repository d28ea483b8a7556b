"""support plan reviews and the handover: decision, consent, notices, disclosure log

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import checkin.models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "not_needed",
                "agency",
                "declined",
                name="handover_decision",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "agency_kind",
            sa.Enum(
                "center",
                "employer",
                "other",
                name="agency_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("consent_by", sa.String(length=200), nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("consent_evidence", sa.Text(), nullable=True),
        sa.Column("consent_file", sa.String(length=300), nullable=True),
        sa.Column(
            "consent_recorded_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("consent_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("receiver_name", sa.String(length=200), nullable=True),
        sa.Column("receiver_person", sa.String(length=200), nullable=True),
        sa.Column("meeting_on", sa.Date(), nullable=True),
        sa.Column("updated_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_handover_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["consent_recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_handover_consent_recorded_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff_user.id"], name=op.f("fk_handover_decided_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_handover_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover")),
        sa.UniqueConstraint("client_id", name=op.f("uq_handover_client_id")),
    )
    op.create_index(op.f("ix_handover_office_id"), "handover", ["office_id"])

    op.create_table(
        "handover_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("service_end", sa.Date(), nullable=False),
        sa.Column("created_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mailed_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_handover_notice_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_handover_notice_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["seen_by_id"], ["staff_user.id"], name=op.f("fk_handover_notice_seen_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_notice")),
        sa.UniqueConstraint(
            "client_id",
            "months",
            "service_end",
            name=op.f("uq_handover_notice_client_id_months_service_end"),
        ),
    )
    op.create_index(op.f("ix_handover_notice_office_id"), "handover_notice", ["office_id"])

    op.create_table(
        "disclosure_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("recipient_person", sa.String(length=200), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("document_version", sa.Integer(), nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=200), nullable=True),
        sa.Column("disclosed_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["staff_user.id"], name=op.f("fk_disclosure_log_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_disclosure_log_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["client_document.id"],
            name=op.f("fk_disclosure_log_document_id_client_document"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_disclosure_log_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_log")),
    )
    op.create_index(op.f("ix_disclosure_log_client_id"), "disclosure_log", ["client_id"])
    op.create_index(op.f("ix_disclosure_log_office_id"), "disclosure_log", ["office_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_disclosure_log_office_id"), table_name="disclosure_log")
    op.drop_index(op.f("ix_disclosure_log_client_id"), table_name="disclosure_log")
    op.drop_table("disclosure_log")
    op.drop_index(op.f("ix_handover_notice_office_id"), table_name="handover_notice")
    op.drop_table("handover_notice")
    op.drop_index(op.f("ix_handover_office_id"), table_name="handover")
    op.drop_table("handover")
