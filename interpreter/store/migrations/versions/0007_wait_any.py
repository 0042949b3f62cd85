"""An event resumes a wait with ``any`` too: ``event_resumes`` takes the event id
from a wait step's output that is the event (``$.id``, a single wait) or holds
it (``$.event.id``, the ``{index, name, event}`` of a wait with ``any``).
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"

_SQLITE_TRIGGER = """
    CREATE TRIGGER event_resumes_fill AFTER INSERT ON steps
    WHEN NEW.kind = 'wait_for_event' AND json_valid(NEW.output)
         AND {condition}
    BEGIN
      INSERT OR IGNORE INTO event_resumes (event_id, run_id, step_id)
      VALUES ({event_id}, NEW.run_id, NEW.step_id);
    END
"""
_SQLITE_EITHER = (
    "(json_type(NEW.output, '$.id') = 'text' OR json_type(NEW.output, '$.event.id') = 'text')",
    "CASE WHEN json_type(NEW.output, '$.id') = 'text' THEN json_extract(NEW.output, '$.id') "
    "ELSE json_extract(NEW.output, '$.event.id') END",
)
_SQLITE_SINGLE = ("json_type(NEW.output, '$.id') = 'text'", "json_extract(NEW.output, '$.id')")

_POSTGRES_FUNCTION = """
    CREATE OR REPLACE FUNCTION flow_event_resumes_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      found text;
    BEGIN
      IF NEW.kind = 'wait_for_event' AND jsonb_typeof(NEW.output) = 'object' THEN
        IF jsonb_typeof(NEW.output -> 'id') = 'string' THEN
          found := NEW.output ->> 'id';
        ELSIF {any_form} THEN
          found := NEW.output #>> '{{event,id}}';
        END IF;
        IF found IS NOT NULL THEN
          INSERT INTO event_resumes (event_id, run_id, step_id)
          VALUES (found, NEW.run_id, NEW.step_id)
          ON CONFLICT DO NOTHING;
        END IF;
      END IF;
      RETURN NULL;
    END $$
"""
_POSTGRES_ANY = "jsonb_typeof(NEW.output #> '{event,id}') = 'string'"


def _replace(either: bool) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION.format(any_form=_POSTGRES_ANY if either else "false"))
        return
    condition, event_id = _SQLITE_EITHER if either else _SQLITE_SINGLE
    op.execute("DROP TRIGGER event_resumes_fill")
    op.execute(_SQLITE_TRIGGER.format(condition=condition, event_id=event_id))


def upgrade() -> None:
    _replace(either=True)


def downgrade() -> None:
    _replace(either=False)
