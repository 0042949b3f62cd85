"""Fan-out cursors: how far each ``for_each`` visit has written its events."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Instant

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "fan_outs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.Column("visit", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=True),
        sa.Column("updated_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "step_id", "visit"),
    )


def downgrade() -> None:
    op.drop_table("fan_outs")
