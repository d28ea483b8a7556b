"""monthly cycle: meetings as contacts with their details, notes from the employer side

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import checkin.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("attendees", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("employer_attendee", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("video_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("video_conditions", sa.Boolean(), nullable=True))

    op.create_table(
        "employer_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("employer_user_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("employer_note_kind", "concern", "monthly_answer"), nullable=False),
        sa.Column(
            "topic", _enum("concern_topic", "late", "absence", "change", "other"), nullable=True
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_employer_note_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employer.id"], name=op.f("fk_employer_note_employer_id_employer")
        ),
        sa.ForeignKeyConstraint(
            ["employer_user_id"],
            ["employer_user.id"],
            name=op.f("fk_employer_note_employer_user_id_employer_user"),
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["flag.id"], name=op.f("fk_employer_note_flag_id_flag")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_employer_note_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_note")),
    )
    with op.batch_alter_table("employer_note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_employer_note_client_day", ["client_id", "local_date"], unique=False
        )


def downgrade() -> None:
    op.drop_table("employer_note")
    for column in ("video_conditions", "video_reason", "employer_attendee", "attendees", "place"):
        op.drop_column("contact", column)
