"""Conversion goals: one conversion per run, counted by campaign and the run's
creation time; goal subscriptions that outlive their run are swept by the end
of their attribution window.

``campaign_hours`` is kept by triggers, as ``event_terms`` is (0003): per
campaign and hour of run creation, how many runs reached each step, took
each split path and converted (in all and per path), and how many emails
each email step sent and how many of those were opened and clicked. The
dashboard sums whole hours from here and counts the partial hours at a
period's edges from the rows themselves, by the same rules:
- reached: a run's first step row for a step that is not ``skipped``;
- path: a run's first ``split`` row for a step with that ``path``;
- won: a split path of a run that has a conversion (counted by whichever of
  the two rows comes second);
- converted: a conversion;
- sent: an ``email.send`` row that is ok, has an ``id`` and was not skipped;
- opened, clicked: a sent row whose ``id`` (lower-cased) is a string of an
  ``email.opened`` / ``email.clicked`` event's data (or the ``resend/``
  names), counted at the first such event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.migrations.shared import (
    P_BUMP,
    P_HOUR,
    S_BUMP,
    S_HOUR,
    create_figures_table,
    drop_postgres_trigger,
    postgres_trigger,
)
from interpreter.store.types import Document, Instant

Serial = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0008"
down_revision = "0007"

OPENED = "('email.opened', 'resend/email.opened')"
CLICKED = "('email.clicked', 'resend/email.clicked')"

# ---- SQLite ------------------------------------------------------------------

_S_SENT = (
    "s.kind = 'email.send' AND s.status = 'ok' AND json_extract(s.output, '$.id') IS NOT NULL "
    "AND json_extract(s.output, '$.skipped') IS NULL"
)


def _s_engaged(metric: str, names: str) -> str:
    return f"""
    CREATE TRIGGER campaign_hours_{metric} AFTER INSERT ON events
    WHEN NEW.name IN {names} AND json_valid(NEW.data)
    BEGIN
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {S_HOUR}, '{metric}', s.step_id, '', count(*)
      FROM (SELECT DISTINCT lower(value) AS term FROM json_tree(NEW.data) WHERE type = 'text') j
      JOIN email_sends s ON s.email_id = j.term
      JOIN runs r ON r.id = s.run_id
      WHERE NOT EXISTS (
        SELECT 1 FROM event_terms m JOIN events e ON e.seq = m.event_seq
        WHERE m.term = j.term AND e.name IN {names} AND e.seq < NEW.seq)
      GROUP BY r.workflow_id, {S_HOUR}, s.step_id
      {S_BUMP};
    END
    """


SQLITE = (
    f"""
    CREATE TRIGGER campaign_hours_reached AFTER INSERT ON steps
    WHEN NEW.status != 'skipped' AND NOT EXISTS (
      SELECT 1 FROM steps s WHERE s.run_id = NEW.run_id AND s.step_id = NEW.step_id
      AND s.status != 'skipped' AND s.seq != NEW.seq)
    BEGIN
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {S_HOUR}, 'reached', NEW.step_id, '', 1 FROM runs r
      WHERE r.id = NEW.run_id {S_BUMP};
    END
    """,
    f"""
    CREATE TRIGGER campaign_hours_path AFTER INSERT ON steps
    WHEN NEW.kind = 'split' AND json_valid(NEW.output)
      AND json_type(NEW.output, '$.path') = 'text' AND NOT EXISTS (
      SELECT 1 FROM steps s WHERE s.run_id = NEW.run_id AND s.step_id = NEW.step_id
      AND s.kind = 'split' AND s.seq != NEW.seq
      AND json_extract(s.output, '$.path') = json_extract(NEW.output, '$.path'))
    BEGIN
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {S_HOUR}, 'path', NEW.step_id, json_extract(NEW.output, '$.path'), 1
      FROM runs r WHERE r.id = NEW.run_id {S_BUMP};
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {S_HOUR}, 'won', NEW.step_id, json_extract(NEW.output, '$.path'), 1
      FROM runs r JOIN conversions c ON c.run_id = r.id WHERE r.id = NEW.run_id {S_BUMP};
    END
    """,
    f"""
    CREATE TRIGGER campaign_hours_sent AFTER INSERT ON steps
    WHEN NEW.kind = 'email.send' AND NEW.status = 'ok' AND json_valid(NEW.output)
      AND json_extract(NEW.output, '$.id') IS NOT NULL
      AND json_extract(NEW.output, '$.skipped') IS NULL
    BEGIN
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {S_HOUR}, 'sent', NEW.step_id, '', 1 FROM runs r
      WHERE r.id = NEW.run_id {S_BUMP};
      INSERT OR IGNORE INTO email_sends (email_id, step_seq, run_id, step_id)
      VALUES (lower(json_extract(NEW.output, '$.id')), NEW.seq, NEW.run_id, NEW.step_id);
    END
    """,
    f"""
    CREATE TRIGGER campaign_hours_converted AFTER INSERT ON conversions
    BEGIN
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {S_HOUR}, 'converted', '', '', 1 FROM runs r
      WHERE r.id = NEW.run_id {S_BUMP};
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {S_HOUR}, 'won', p.step_id, p.path, count(*)
      FROM (SELECT DISTINCT s.step_id, json_extract(s.output, '$.path') AS path FROM steps s
            WHERE s.run_id = NEW.run_id AND s.kind = 'split'
            AND json_type(s.output, '$.path') = 'text') p
      JOIN runs r ON r.id = NEW.run_id WHERE true
      GROUP BY r.workflow_id, {S_HOUR}, p.step_id, p.path {S_BUMP};
    END
    """,
    _s_engaged("opened", OPENED),
    _s_engaged("clicked", CLICKED),
)


# ---- PostgreSQL --------------------------------------------------------------

_P_SENT = (
    "s.kind = 'email.send' AND s.status = 'ok' AND s.output ->> 'id' IS NOT NULL "
    "AND jsonb_typeof(s.output) = 'object' AND NOT (s.output ? 'skipped' "
    "AND s.output -> 'skipped' <> 'null'::jsonb)"
)


def _p_engaged(metric: str, names: str) -> str:
    return f"""
      IF NEW.name IN {names} AND NEW.data IS NOT NULL THEN
        INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
        SELECT r.workflow_id, {P_HOUR}, '{metric}', s.step_id, '', count(*)
        FROM (SELECT DISTINCT lower(v #>> '{{}}') AS term
              FROM jsonb_path_query(NEW.data, 'strict $.**') AS v
              WHERE jsonb_typeof(v) = 'string') j
        JOIN email_sends s ON s.email_id = j.term
        JOIN runs r ON r.id = s.run_id
        WHERE NOT EXISTS (
          SELECT 1 FROM event_terms m JOIN events e ON e.seq = m.event_seq
          WHERE m.term = j.term AND e.name IN {names} AND e.seq < NEW.seq)
        GROUP BY r.workflow_id, {P_HOUR}, s.step_id
        {P_BUMP};
      END IF;"""


POSTGRES = (
    *postgres_trigger(
        "campaign_hours_steps",
        "AFTER INSERT ON steps",
        "flow_campaign_hours_steps",
        f"""
      IF NEW.status <> 'skipped' AND NOT EXISTS (
        SELECT 1 FROM steps s WHERE s.run_id = NEW.run_id AND s.step_id = NEW.step_id
        AND s.status <> 'skipped' AND s.seq <> NEW.seq) THEN
        INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
        SELECT r.workflow_id, {P_HOUR}, 'reached', NEW.step_id, '', 1 FROM runs r
        WHERE r.id = NEW.run_id {P_BUMP};
      END IF;
      IF NEW.kind = 'split' AND jsonb_typeof(NEW.output -> 'path') = 'string' AND NOT EXISTS (
        SELECT 1 FROM steps s WHERE s.run_id = NEW.run_id AND s.step_id = NEW.step_id
        AND s.kind = 'split' AND s.seq <> NEW.seq
        AND s.output ->> 'path' = NEW.output ->> 'path') THEN
        INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
        SELECT r.workflow_id, {P_HOUR}, 'path', NEW.step_id, NEW.output ->> 'path', 1
        FROM runs r WHERE r.id = NEW.run_id {P_BUMP};
        INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
        SELECT r.workflow_id, {P_HOUR}, 'won', NEW.step_id, NEW.output ->> 'path', 1
        FROM runs r JOIN conversions c ON c.run_id = r.id WHERE r.id = NEW.run_id {P_BUMP};
      END IF;
      IF NEW.kind = 'email.send' AND NEW.status = 'ok' AND jsonb_typeof(NEW.output) = 'object'
         AND NEW.output ->> 'id' IS NOT NULL
         AND NOT (NEW.output ? 'skipped' AND NEW.output -> 'skipped' <> 'null'::jsonb) THEN
        INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
        SELECT r.workflow_id, {P_HOUR}, 'sent', NEW.step_id, '', 1 FROM runs r
        WHERE r.id = NEW.run_id {P_BUMP};
        INSERT INTO email_sends (email_id, step_seq, run_id, step_id)
        VALUES (lower(NEW.output ->> 'id'), NEW.seq, NEW.run_id, NEW.step_id)
        ON CONFLICT DO NOTHING;
      END IF;""",
    ),
    *postgres_trigger(
        "campaign_hours_conversions",
        "AFTER INSERT ON conversions",
        "flow_campaign_hours_conversions",
        f"""
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {P_HOUR}, 'converted', '', '', 1 FROM runs r
      WHERE r.id = NEW.run_id {P_BUMP};
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      SELECT r.workflow_id, {P_HOUR}, 'won', p.step_id, p.path, count(*)
      FROM (SELECT DISTINCT s.step_id, s.output ->> 'path' AS path FROM steps s
            WHERE s.run_id = NEW.run_id AND s.kind = 'split'
            AND jsonb_typeof(s.output -> 'path') = 'string') p
      JOIN runs r ON r.id = NEW.run_id
      GROUP BY r.workflow_id, {P_HOUR}, p.step_id, p.path {P_BUMP};""",
    ),
    *postgres_trigger(
        "campaign_hours_events",
        "AFTER INSERT ON events",
        "flow_campaign_hours_events",
        f"""{_p_engaged("opened", OPENED)}{_p_engaged("clicked", CLICKED)}""",
    ),
)


DROP_SQLITE = tuple(
    f"DROP TRIGGER campaign_hours_{name}"
    for name in ("reached", "path", "sent", "converted", "opened", "clicked")
)
DROP_POSTGRES = tuple(
    statement
    for table in ("steps", "conversions", "events")
    for statement in drop_postgres_trigger(
        f"campaign_hours_{table}", table, f"flow_campaign_hours_{table}"
    )
)


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
    create_figures_table("campaign_hours", "hour")
    op.create_table(
        "email_sends",
        sa.Column("email_id", sa.String(200), nullable=False),
        sa.Column("step_seq", Serial, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("email_id", "step_seq"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    _backfill(postgres)
    op.create_index(
        "waits_goal_until",
        "waits",
        ["timeout_at"],
        sqlite_where=sa.text("purpose = 'goal'"),
        postgresql_where=sa.text("purpose = 'goal'"),
    )


def _backfill(postgres: bool) -> None:
    """Runs and steps stored before this revision: their hours, once (there are
    no conversions yet, so no converted or won figures)."""
    hour = P_HOUR if postgres else S_HOUR
    path = "s.output ->> 'path'" if postgres else "json_extract(s.output, '$.path')"
    is_text = (
        "jsonb_typeof(s.output -> 'path') = 'string'"
        if postgres
        else "json_type(s.output, '$.path') = 'text'"
    )
    sent = _P_SENT if postgres else _S_SENT
    insert = "INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n) "
    op.execute(
        insert + f"SELECT r.workflow_id, {hour}, 'reached', s.step_id, '', count(DISTINCT r.id) "
        "FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.status <> 'skipped' "
        f"GROUP BY r.workflow_id, {hour}, s.step_id"
    )
    op.execute(
        insert + f"SELECT r.workflow_id, {hour}, 'path', s.step_id, {path}, count(DISTINCT r.id) "
        f"FROM steps s JOIN runs r ON r.id = s.run_id WHERE s.kind = 'split' AND {is_text} "
        f"GROUP BY r.workflow_id, {hour}, s.step_id, {path}"
    )
    email = "lower(s.output ->> 'id')" if postgres else "lower(json_extract(s.output, '$.id'))"
    op.execute(
        "INSERT INTO email_sends (email_id, step_seq, run_id, step_id) "
        f"SELECT {email}, s.seq, s.run_id, s.step_id FROM steps s WHERE {sent}"
    )
    op.execute(
        insert + f"SELECT r.workflow_id, {hour}, 'sent', s.step_id, '', count(*) "
        f"FROM steps s JOIN runs r ON r.id = s.run_id WHERE {sent} "
        f"GROUP BY r.workflow_id, {hour}, s.step_id"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in DROP_POSTGRES if postgres else DROP_SQLITE:
        op.execute(statement)
    op.drop_table("email_sends")
    op.drop_table("campaign_hours")
    op.drop_index("waits_goal_until", "waits")
    op.drop_index("conversions_workflow_created", "conversions")
    op.drop_table("conversions")
