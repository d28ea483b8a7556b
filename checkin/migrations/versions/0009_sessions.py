"""session version: a logged-out session cookie stops working

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 18:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("staff_user", "employer_user"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
            )


def downgrade() -> None:
    # Plain DROP COLUMN (see 0008): a batch rebuild would drop tables others point at.
    op.drop_column("employer_user", "session_version")
    op.drop_column("staff_user", "session_version")
