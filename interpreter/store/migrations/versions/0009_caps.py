"""Frequency caps: the emails sent to each address in each capped category."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Instant

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "sends",
        sa.Column("holder", sa.String(400), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("sent_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("holder", "address"),
    )
    op.create_index("sends_address_category", "sends", ["address", "category", "sent_at"])


def downgrade() -> None:
    op.drop_index("sends_address_category", table_name="sends")
    op.drop_table("sends")
