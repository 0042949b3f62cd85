"""The step each run is at, indexed with its campaign and status, so the
dashboard counts the runs sleeping or waiting at each step ("120 sleeping
here") and lists the runs at a step without reading state documents; and a
``campaign_hours`` figure more (the rules of 0008): skipped, an
``email.send`` row that is ok with a ``skipped`` string (suppressed,
unsubscribed, capped, quiet_hours), counted per step with the why as its
path, so a campaign page sums hours instead of reading every step row.

Runs saved before this migration have no step until their next save; their
skipped sends are counted once, here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.migrations import shared

revision = "0011"
down_revision = "0010"


_INSERT = shared.HOURS_INSERT + " "
_S_SKIPPED = (
    "s.kind = 'email.send' AND s.status = 'ok' AND json_valid(s.output) "
    "AND json_type(s.output, '$.skipped') = 'text'"
)
_P_SKIPPED = (
    "s.kind = 'email.send' AND s.status = 'ok' AND jsonb_typeof(s.output -> 'skipped') = 'string'"
)

SQLITE = (
    f"""
    CREATE TRIGGER campaign_hours_skipped AFTER INSERT ON steps
    WHEN {_S_SKIPPED.replace("s.", "NEW.")}
    BEGIN
      {_INSERT}
      SELECT r.workflow_id, {shared.S_HOUR}, 'skipped', NEW.step_id,
        json_extract(NEW.output, '$.skipped'), 1
      FROM runs r WHERE r.id = NEW.run_id {shared.S_BUMP};
    END
    """,
)
POSTGRES = (
    *shared.postgres_trigger(
        "campaign_hours_skipped",
        "AFTER INSERT ON steps",
        "flow_campaign_hours_skipped",
        f"""
      IF {_P_SKIPPED.replace("s.", "NEW.")} THEN
        {_INSERT}
        SELECT r.workflow_id, {shared.P_HOUR}, 'skipped', NEW.step_id, NEW.output ->> 'skipped', 1
        FROM runs r WHERE r.id = NEW.run_id {shared.P_BUMP};
      END IF;""",
    ),
)


def upgrade() -> None:
    op.add_column("runs", sa.Column("step_id", sa.String(200)))
    op.create_index(
        "runs_workflow_status_step", "runs", ["workflow_id", "status", "step_id", "created_at"]
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    hour, why = (
        (shared.P_HOUR, "s.output ->> 'skipped'")
        if postgres
        else (shared.S_HOUR, "json_extract(s.output, '$.skipped')")
    )
    op.execute(
        _INSERT + f"SELECT r.workflow_id, {hour}, 'skipped', s.step_id, {why}, count(*) "
        f"FROM steps s JOIN runs r ON r.id = s.run_id "
        f"WHERE {_P_SKIPPED if postgres else _S_SKIPPED} "
        f"GROUP BY r.workflow_id, {hour}, s.step_id, {why}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in shared.drop_postgres_trigger(
            "campaign_hours_skipped", "steps", "flow_campaign_hours_skipped"
        ):
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER campaign_hours_skipped")
    op.execute("DELETE FROM campaign_hours WHERE metric = 'skipped'")
    op.drop_index("runs_workflow_status_step", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("step_id")
