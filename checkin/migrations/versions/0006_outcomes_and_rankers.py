"""outcome labels, flag feedback and the stored learned rankers (issue #4)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 17:11:56.391302
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import checkin.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "ranker_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("trained_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trained_through", sa.Date(), nullable=False),
        sa.Column("n_positive", sa.Integer(), nullable=False),
        sa.Column("n_negative", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=True),
        sa.Column("fallback_reason", sa.Text(), nullable=True),
        sa.Column("model_blob", sa.LargeBinary(), nullable=True),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_ranker_model_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranker_model")),
    )
    with op.batch_alter_table("ranker_model", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ranker_model_office_trained", ["office_id", "trained_at"], unique=False
        )
        batch_op.create_index(
            "uq_ranker_model_active_office",
            ["office_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "absence",
                "sick_leave",
                "crisis",
                "quit",
                name="outcome_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_outcome_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_outcome_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff_user.id"], name=op.f("fk_outcome_recorded_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome")),
    )
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_outcome_office_date", ["office_id", "occurred_on"], unique=False)

    op.create_table(
        "flag_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_flag_feedback_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["flag.id"], name=op.f("fk_flag_feedback_flag_id_flag")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_flag_feedback_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_flag_feedback_staff_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_feedback")),
        sa.UniqueConstraint("flag_id", name=op.f("uq_flag_feedback_flag_id")),
    )
    with op.batch_alter_table("flag_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_feedback_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_flag_feedback_office_id"), ["office_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("flag_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flag_feedback_office_id"))
        batch_op.drop_index(batch_op.f("ix_flag_feedback_client_id"))

    op.drop_table("flag_feedback")
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_office_date")
        batch_op.drop_index(batch_op.f("ix_outcome_client_id"))

    op.drop_table("outcome")
    with op.batch_alter_table("ranker_model", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ranker_model_active_office",
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )
        batch_op.drop_index("ix_ranker_model_office_trained")

    op.drop_table("ranker_model")
