"""What several migrations write alike: a PostgreSQL row trigger (a plpgsql
function and the trigger that runs it), and the ``campaign_hours`` table
shape and SQL of 0008, 0011 and 0012.

These texts are frozen. The migrations that use them have run on real
databases, and PostgreSQL keeps a function's source as written, so changing
a text here would make a new database differ from an upgraded one:
``tests/integration/store/test_store_migrations_frozen.py`` fingerprints the
schema after every step and fails. A new rule gets a new name, or stays in
its migration."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Instant

HOURS_INSERT = "INSERT INTO campaign_hours (workflow_id, hour, metric, step_id, path, n)"

# A run's creation hour as each database keeps it, and the bump of a figure
# already counted in that hour.
S_HOUR = "substr(r.created_at, 1, 13) || ':00:00.000000'"
S_BUMP = "ON CONFLICT (workflow_id, hour, metric, step_id, path) DO UPDATE SET n = n + excluded.n"
P_HOUR = "date_trunc('hour', r.created_at, 'UTC')"
P_BUMP = (
    "ON CONFLICT (workflow_id, hour, metric, step_id, path) "
    "DO UPDATE SET n = campaign_hours.n + EXCLUDED.n"
)


def postgres_trigger(trigger: str, when: str, function: str, body: str) -> tuple[str, str]:
    """``CREATE FUNCTION function()`` doing ``body`` (its lines after BEGIN,
    each from a new line) and returning NULL, and ``CREATE TRIGGER trigger``
    running it for each row ``when`` (``AFTER INSERT ON steps``)."""
    return (
        f"""
    CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN{body}
      RETURN NULL;
    END $$
    """,
        f"""
    CREATE TRIGGER {trigger} {when}
    FOR EACH ROW EXECUTE FUNCTION {function}()
    """,
    )


def drop_postgres_trigger(trigger: str, table: str, function: str) -> tuple[str, str]:
    """What ``postgres_trigger`` created, dropped: the trigger, then its function."""
    return (f"DROP TRIGGER {trigger} ON {table}", f"DROP FUNCTION {function}()")


def create_figures_table(name: str, period: str) -> None:
    """A table of the dashboard's figures per campaign and ``period`` (the
    hourly ``campaign_hours`` of 0008, the daily ``campaign_days`` of 0012)."""
    op.create_table(
        name,
        sa.Column("workflow_id", sa.String(200), nullable=False),
        sa.Column(period, Instant, nullable=False),
        sa.Column("metric", sa.String(16), nullable=False),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", period, "metric", "step_id", "path"),
    )
