"""office settings, first run, accounts, reprintable cards

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 17:18:04.049666
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import checkin.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempt_address_at", ["address", "at"], unique=False)
        batch_op.create_index("ix_login_attempt_login_at", ["kind", "login", "at"], unique=False)

    op.create_table(
        "office_closed_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_office_closed_day_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_closed_day")),
        sa.UniqueConstraint("office_id", "day", name=op.f("uq_office_closed_day_office_id_day")),
    )
    with op.batch_alter_table("office_closed_day", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_office_closed_day_office_id"), ["office_id"], unique=False
        )

    op.create_table(
        "setup_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", checkin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", checkin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_setup_token_staff_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_setup_token_token_hash")),
    )
    with op.batch_alter_table("setup_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_setup_token_staff_id"), ["staff_id"], unique=False)

    with op.batch_alter_table("checkin_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_token", sa.String(length=255), nullable=True))

    with op.batch_alter_table("employer_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )

    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("open_weekdays", sa.String(length=7), server_default="01234", nullable=False)
        )
        batch_op.add_column(sa.Column("opens_at", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("closes_at", sa.Time(), nullable=True))

    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of office, staff_user or
    # checkin_link would drop the old table, which the foreign keys pointing at it forbid.
    op.drop_column("staff_user", "must_change_password")
    for column in ("closes_at", "opens_at", "open_weekdays", "phone"):
        op.drop_column("office", column)
    op.drop_column("employer_user", "must_change_password")
    op.drop_column("checkin_link", "card_token")
    op.drop_index("ix_setup_token_staff_id", table_name="setup_token")
    op.drop_table("setup_token")
    op.drop_index("ix_office_closed_day_office_id", table_name="office_closed_day")
    op.drop_table("office_closed_day")
    op.drop_index("ix_login_attempt_login_at", table_name="login_attempt")
    op.drop_index("ix_login_attempt_address_at", table_name="login_attempt")
    op.drop_table("login_attempt")
