"""The migrations are history: a new database must get, step by step, the very
schema that databases upgraded long ago have. Each step's schema is
fingerprinted here (on SQLite the text ``sqlite_master`` keeps; on
PostgreSQL the columns, indexes, triggers and the source of each trigger
function), so an edit to a migration that has shipped, or to the SQL they
share in ``migrations/shared.py``, fails this test. A new migration adds
its line; an old line never changes."""

from __future__ import annotations

import hashlib

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text

from interpreter.store.database import _alembic_config, normalize_url

# revision -> (SQLite, PostgreSQL) fingerprint of the schema after it.
FINGERPRINTS = {
    "0001": ("d302e2bcd0be06df", "28b0e65e5e3e1e81"),
    "0002": ("59051d84aaf36434", "0ded930fb2811742"),
    "0003": ("9d51f890f83f9fc0", "6ba91aa79ad32ff1"),
    "0004": ("2786ad4d6a7c1325", "6b2e2b56f4ad36dc"),
    "0005": ("05cc298bbabb8ffc", "9355930613cbbc17"),
    "0006": ("bd98e1d85e28c609", "b82347a96c2d1bf2"),
    "0007": ("a802ee23db4b1fc7", "ef0f18eec9f887fc"),
    "0008": ("eb8911fe62a6d755", "8423d809d644e5fc"),
    "0009": ("aef74ce0ba89fda8", "39873243c0a5df0f"),
    "0010": ("367d571a47c8fc15", "a31dfa19b4e8781d"),
    "0011": ("447b4eac85bf0633", "f19f0b047dec7381"),
    "0012": ("82d16e5900853707", "9d02053cbfbf83d7"),
}

_POSTGRES_SCHEMA = (
    "SELECT table_name || '.' || column_name || ' ' || data_type || ' '"
    " || is_nullable || ' ' || coalesce(column_default, '')"
    " FROM information_schema.columns WHERE table_schema = 'public'",
    "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "SELECT tgrelid::regclass::text || ' ' || tgname || ' ' || tgtype::text"
    " || ' ' || tgfoid::regproc::text FROM pg_trigger WHERE NOT tgisinternal",
    "SELECT proname || ' ' || prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
)


def _schema(connection: Connection) -> str:
    if connection.dialect.name == "postgresql":
        rows = [row[0] for query in _POSTGRES_SCHEMA for row in connection.execute(text(query))]
    else:
        master = "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master"
        rows = [row[0] for row in connection.execute(text(master))]
    return "\n".join(sorted(rows))


def fingerprints(url: str) -> dict[str, str]:
    """The schema's fingerprint after each revision, applied one at a time."""
    scripts = ScriptDirectory.from_config(_alembic_config())
    revisions = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    engine = create_engine(normalize_url(url))
    found = {}
    try:
        for revision in revisions:
            with engine.begin() as connection:
                command.upgrade(_alembic_config(connection), revision)
                schema = _schema(connection)
            found[revision] = hashlib.sha256(schema.encode()).hexdigest()[:16]
    finally:
        engine.dispose()
    return found


def test_every_migration_builds_the_schema_it_always_built(db_url: str) -> None:
    dialect = 1 if db_url.startswith("postgresql") else 0
    found = fingerprints(db_url)
    assert len(found) == len(FINGERPRINTS) >= 12  # every revision, each checked
    assert found == {revision: pair[dialect] for revision, pair in FINGERPRINTS.items()}
