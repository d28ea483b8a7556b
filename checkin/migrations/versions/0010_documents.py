"""client documents: reports, plans, handover packages, assessments, resource maps

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import checkin.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "monthly_report",
    "support_plan",
    "handover",
    "resource_map",
    "assessment_stability",
    "assessment_natural",
)


def _enum(name: str, values: Sequence[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "client_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("doc_kind", KINDS), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("side", _enum("doc_side", ("staff", "client", "employer")), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "status",
            _enum("doc_status", ("draft", "sent", "returned", "confirmed")),
            nullable=False,
        ),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("private_items", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("employer_user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_channel", sa.String(length=16), nullable=True),
        sa.Column("client_comment", sa.Text(), nullable=True),
        sa.Column(
            "client_comment_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_client_document_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_client_document_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_client_document_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_user_id"],
            ["employer_user.id"],
            name=op.f("fk_client_document_employer_user_id_employer_user"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_user.id"],
            name=op.f("fk_client_document_updated_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["staff_user.id"],
            name=op.f("fk_client_document_approved_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["staff_user.id"], name=op.f("fk_client_document_sent_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_document")),
        sa.UniqueConstraint(
            "client_id",
            "kind",
            "period",
            "side",
            "version",
            name=op.f("uq_client_document_client_id_kind_period_side_version"),
        ),
    )
    op.create_index("ix_client_document_office_id", "client_document", ["office_id"])
    op.create_index(
        "ix_client_document_series", "client_document", ["client_id", "kind", "period", "side"]
    )


def downgrade() -> None:
    op.drop_index("ix_client_document_series", table_name="client_document")
    op.drop_index("ix_client_document_office_id", table_name="client_document")
    op.drop_table("client_document")
