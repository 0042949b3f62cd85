"""Conversion goals: one conversion per run, counted by campaign and the run's
creation time; goal subscriptions that outlive their run are swept by the end
of their attribution window.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Document, Instant

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "conversions",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("run_created_at", Instant, nullable=False),
        sa.Column("converted_at", Instant, nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("last_email_step", sa.String(200)),
        sa.Column("paths", Document, nullable=False),
        sa.Column("after_finish", sa.Boolean, nullable=False),
    )
    op.create_index(
        "conversions_workflow_created", "conversions", ["workflow_id", "run_created_at"]
    )
    op.create_index(
        "waits_goal_until",
        "waits",
        ["timeout_at"],
        sqlite_where=sa.text("purpose = 'goal'"),
        postgresql_where=sa.text("purpose = 'goal'"),
    )


def downgrade() -> None:
    op.drop_index("waits_goal_until", "waits")
    op.drop_index("conversions_workflow_created", "conversions")
    op.drop_table("conversions")
