"""Throttle and send-rate queues: the start time reserved for each action attempt."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Instant

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "throttle_turns",
        sa.Column("queue", sa.String(400), nullable=False),
        sa.Column("holder", sa.String(400), nullable=False),
        sa.Column("start_at", Instant, nullable=False),
        sa.Column("started", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("queue", "holder"),
    )
    op.create_index("throttle_turns_start", "throttle_turns", ["queue", "start_at"])


def downgrade() -> None:
    op.drop_index("throttle_turns_start", "throttle_turns")
    op.drop_table("throttle_turns")
