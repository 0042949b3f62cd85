"""The suppression list: addresses no campaign email may be sent to."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Instant

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", Instant, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
