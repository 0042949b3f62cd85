"""Debounce: the bursts of trigger events waiting for a quiet period."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Document, Instant, Serial

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "bursts",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("burst_key", sa.Text, nullable=False),
        sa.Column("first_at", Instant, nullable=False),
        sa.Column("last_at", Instant, nullable=False),
        sa.Column("due_at", Instant, nullable=False),
        sa.Column("timeout_at", Instant),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("event", Document, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.UniqueConstraint("workflow_id", "burst_key", name="bursts_key"),
    )
    op.create_index("bursts_due", "bursts", ["due_at"])


def downgrade() -> None:
    op.drop_index("bursts_due", table_name="bursts")
    op.drop_table("bursts")
