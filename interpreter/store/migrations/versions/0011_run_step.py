"""The step each run is at, indexed with its campaign and status, so the
dashboard counts the runs sleeping or waiting at each step ("120 sleeping
here") and lists the runs at a step without reading state documents.

Runs saved before this migration have no step until their next save.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.add_column("runs", sa.Column("step_id", sa.String(200)))
    op.create_index(
        "runs_workflow_status_step", "runs", ["workflow_id", "status", "step_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("runs_workflow_status_step", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("step_id")
