"""What the dashboard reads fast: runs in creation order (all, by status, by
campaign), runs by trigger event, events by any string in their data, and the
runs each event resumed.

``event_terms`` and ``event_resumes`` are filled by triggers, so the engine's
writes stay as they are: every string leaf (lower-cased, up to 200 characters)
of a new event's data, and every wait step that matched an event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.migrations.shared import drop_postgres_trigger, postgres_trigger
from interpreter.store.types import Serial

revision = "0003"
down_revision = "0002"

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER event_terms_fill AFTER INSERT ON events WHEN NEW.data IS NOT NULL
    BEGIN
      INSERT OR IGNORE INTO event_terms (term, event_seq)
      SELECT DISTINCT lower(value), NEW.seq FROM json_tree(NEW.data)
      WHERE type = 'text' AND length(value) <= 200;
    END
    """,
    """
    CREATE TRIGGER event_resumes_fill AFTER INSERT ON steps
    WHEN NEW.kind = 'wait_for_event' AND json_valid(NEW.output)
         AND json_type(NEW.output, '$.id') = 'text'
    BEGIN
      INSERT OR IGNORE INTO event_resumes (event_id, run_id, step_id)
      VALUES (json_extract(NEW.output, '$.id'), NEW.run_id, NEW.step_id);
    END
    """,
)

_POSTGRES_TRIGGERS = (
    *postgres_trigger(
        "event_terms_fill",
        "AFTER INSERT ON events",
        "flow_event_terms_fill",
        """
      IF NEW.data IS NOT NULL THEN
        INSERT INTO event_terms (term, event_seq)
        SELECT DISTINCT lower(v #>> '{}'), NEW.seq
        FROM jsonb_path_query(NEW.data, 'strict $.**') AS v
        WHERE jsonb_typeof(v) = 'string' AND length(v #>> '{}') <= 200
        ON CONFLICT DO NOTHING;
      END IF;""",
    ),
    *postgres_trigger(
        "event_resumes_fill",
        "AFTER INSERT ON steps",
        "flow_event_resumes_fill",
        """
      IF NEW.kind = 'wait_for_event' AND jsonb_typeof(NEW.output) = 'object'
         AND jsonb_typeof(NEW.output -> 'id') = 'string' THEN
        INSERT INTO event_resumes (event_id, run_id, step_id)
        VALUES (NEW.output ->> 'id', NEW.run_id, NEW.step_id)
        ON CONFLICT DO NOTHING;
      END IF;""",
    ),
)


def upgrade() -> None:
    op.create_index("runs_created", "runs", ["created_at", "id"])
    op.create_index("runs_status_created", "runs", ["status", "created_at", "id"])
    op.create_index("runs_workflow_created", "runs", ["workflow_id", "created_at", "id"])
    op.create_index("runs_trigger_event", "runs", ["trigger_event_id"])
    op.create_table(
        "event_terms",
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("event_seq", Serial, nullable=False),
        sa.PrimaryKeyConstraint("term", "event_seq"),
    )
    op.create_table(
        "event_resumes",
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "run_id", "step_id"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(statement)
    # Events already stored get their terms once, here.
    if postgres:
        op.execute(
            "INSERT INTO event_terms (term, event_seq) SELECT DISTINCT lower(v #>> '{}'), e.seq "
            "FROM events e, jsonb_path_query(e.data, 'strict $.**') AS v "
            "WHERE e.data IS NOT NULL AND jsonb_typeof(v) = 'string' "
            "AND length(v #>> '{}') <= 200 ON CONFLICT DO NOTHING"
        )
    else:
        op.execute(
            "INSERT OR IGNORE INTO event_terms (term, event_seq) SELECT DISTINCT lower(j.value), "
            "e.seq FROM events e, json_tree(e.data) j WHERE e.data IS NOT NULL "
            "AND j.type = 'text' AND length(j.value) <= 200"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in (
            *drop_postgres_trigger("event_resumes_fill", "steps", "flow_event_resumes_fill"),
            *drop_postgres_trigger("event_terms_fill", "events", "flow_event_terms_fill"),
        ):
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER event_resumes_fill")
        op.execute("DROP TRIGGER event_terms_fill")
    op.drop_table("event_resumes")
    op.drop_table("event_terms")
    for name in (
        "runs_trigger_event",
        "runs_workflow_created",
        "runs_status_created",
        "runs_created",
    ):
        op.drop_index(name, table_name="runs")
