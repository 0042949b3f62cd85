"""Per campaign and day, the figures of ``campaign_hours``: a long period on the
campaign page sums days (a year is about 365 rows per figure) instead of
hours (8,760); and the runs started, a figure of both (metric ``started``),
counted by a trigger on ``runs`` as each run is created (a run's campaign and
creation time never change, and no run is deleted), so that the runs of a
long period are not counted one by one either.

``campaign_days`` is kept by triggers on ``campaign_hours`` itself, so the
rules stay in one place (0008): each hour row inserted adds its ``n`` to its
day, each hour row bumped adds the difference, in the same statement and so
the same transaction as the step row, conversion or event that moved the
hour. The backfill sums the hours already counted.
"""

from __future__ import annotations

from alembic import op

from interpreter.store.migrations.shared import (
    create_figures_table,
    drop_postgres_trigger,
    postgres_trigger,
)

revision = "0012"
down_revision = "0011"

_COLUMNS = "workflow_id, day, metric, step_id, path, n"
_KEY = "(workflow_id, day, metric, step_id, path)"

_S_DAY = "substr(NEW.hour, 1, 10) || ' 00:00:00.000000'"
_STARTED = "'started', '', '', 1"
_S_STARTED = f"""
    CREATE TRIGGER campaign_hours_started AFTER INSERT ON runs
    BEGIN
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      VALUES (NEW.workflow_id, substr(NEW.created_at, 1, 13) || ':00:00.000000', {_STARTED})
      ON CONFLICT (workflow_id, hour, metric, step_id, path) DO UPDATE SET n = n + excluded.n;
    END
"""
_S_DAYS = tuple(
    f"""
    CREATE TRIGGER campaign_days_{name} AFTER {event} ON campaign_hours
    BEGIN
      INSERT INTO campaign_days ({_COLUMNS})
      VALUES (NEW.workflow_id, {_S_DAY}, NEW.metric, NEW.step_id, NEW.path, {delta})
      ON CONFLICT {_KEY} DO UPDATE SET n = n + excluded.n;
    END
    """
    for name, event, delta in (
        ("insert", "INSERT", "NEW.n"),
        ("update", "UPDATE OF n", "NEW.n - OLD.n"),
    )
)
SQLITE = (_S_STARTED, *_S_DAYS)

POSTGRES = (
    *postgres_trigger(
        "campaign_hours_started",
        "AFTER INSERT ON runs",
        "flow_campaign_hours_started",
        f"""
      INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)
      VALUES (NEW.workflow_id, date_trunc('hour', NEW.created_at, 'UTC'), {_STARTED})
      ON CONFLICT (workflow_id, hour, metric, step_id, path)
      DO UPDATE SET n = campaign_hours.n + EXCLUDED.n;""",
    ),
    *postgres_trigger(
        "campaign_days_fill",
        "AFTER INSERT OR UPDATE OF n ON campaign_hours",
        "flow_campaign_days",
        f"""
      INSERT INTO campaign_days ({_COLUMNS})
      VALUES (NEW.workflow_id, date_trunc('day', NEW.hour, 'UTC'), NEW.metric, NEW.step_id,
              NEW.path, CASE WHEN TG_OP = 'UPDATE' THEN NEW.n - OLD.n ELSE NEW.n END)
      ON CONFLICT {_KEY} DO UPDATE SET n = campaign_days.n + EXCLUDED.n;""",
    ),
)


def upgrade() -> None:
    create_figures_table("campaign_days", "day")
    postgres = op.get_bind().dialect.name == "postgresql"
    hour = (
        "date_trunc('hour', created_at, 'UTC')"
        if postgres
        else "substr(created_at, 1, 13) || ':00:00.000000'"
    )
    op.execute(
        "INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n) "
        f"SELECT workflow_id, {hour}, 'started', '', '', count(*) FROM runs "
        f"GROUP BY workflow_id, {hour}"
    )
    day = (
        "date_trunc('day', hour, 'UTC')"
        if postgres
        else "substr(hour, 1, 10) || ' 00:00:00.000000'"
    )
    op.execute(
        f"INSERT INTO campaign_days ({_COLUMNS}) "
        f"SELECT workflow_id, {day}, metric, step_id, path, sum(n) FROM campaign_hours "
        f"GROUP BY workflow_id, {day}, metric, step_id, path"
    )
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in (
            *drop_postgres_trigger("campaign_days_fill", "campaign_hours", "flow_campaign_days"),
            *drop_postgres_trigger("campaign_hours_started", "runs", "flow_campaign_hours_started"),
        ):
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER campaign_days_insert")
        op.execute("DROP TRIGGER campaign_days_update")
        op.execute("DROP TRIGGER campaign_hours_started")
    op.execute("DELETE FROM campaign_hours WHERE metric = 'started'")
    op.drop_table("campaign_days")
