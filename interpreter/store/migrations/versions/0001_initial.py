"""The first schema: definitions, events, runs, steps, waits, inbox, cron ticks."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Document, Instant, Serial

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "definitions",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("source_text", sa.Text, nullable=False),
        sa.Column("files", Document, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(200), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("data", Document),
        sa.Column("ts", Instant, nullable=False),
        sa.Column("received_at", Instant, nullable=False),
    )
    op.create_index("events_name_received", "events", ["name", "received_at"])
    op.create_table(
        "runs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("workflow_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", Document, nullable=False),
        sa.Column("idempotency_key", sa.Text),
        sa.Column("trigger_event_id", sa.String(200)),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.Column("wake_at", Instant),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", Instant),
        sa.UniqueConstraint("workflow_id", "idempotency_key", name="runs_idempotency"),
    )
    op.create_index(
        "runs_due",
        "runs",
        ["wake_at"],
        sqlite_where=sa.text("wake_at IS NOT NULL"),
        postgresql_where=sa.text("wake_at IS NOT NULL"),
    )
    op.create_index("runs_workflow_status", "runs", ["workflow_id", "status", "created_at"])
    op.create_table(
        "steps",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.Column("visit", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("input", Document),
        sa.Column("output", Document),
        sa.Column("error", Document),
        sa.Column("started_at", Instant, nullable=False),
        sa.Column("finished_at", Instant, nullable=False),
        sa.UniqueConstraint("run_id", "step_id", "visit", "attempt", name="steps_attempt"),
    )
    op.create_table(
        "waits",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("step_id", sa.String(200)),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("event_name", sa.String(200), nullable=False),
        sa.Column("match_path", sa.Text),
        sa.Column("match_value", sa.Text),
        sa.Column("timeout_at", Instant),
        sa.Column("since", Instant, nullable=False),
    )
    op.create_index("waits_match", "waits", ["event_name", "match_path", "match_value"])
    op.create_index("waits_run", "waits", ["run_id"])
    op.create_table(
        "inbox",
        sa.Column("seq", Serial, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", Document),
        sa.Column("created_at", Instant, nullable=False),
    )
    op.create_index("inbox_run", "inbox", ["run_id", "seq"])
    op.create_table(
        "cron_ticks",
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column("tick_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", "tick_at"),
    )


def downgrade() -> None:
    for table in ("cron_ticks", "inbox", "waits", "steps", "runs", "events", "definitions"):
        op.drop_table(table)
