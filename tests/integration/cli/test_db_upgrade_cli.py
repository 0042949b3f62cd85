"""``flow db upgrade`` says what it did: created the schema, migrated it from
an older revision, or found it current (tests/integration/store covers the
same on PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from interpreter.store.database import MIGRATIONS, head_revision, normalize_url
from tests._cli import run_flow

OLDER = "0009"


def _at_an_older_revision(db_url: str) -> None:
    """A database as an earlier flow left it: migrated only up to OLDER."""
    engine = create_engine(normalize_url(db_url))
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, OLDER)
    finally:
        engine.dispose()


def test_db_upgrade_says_created_then_current(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'flow.db'}"
    head = head_revision()
    first = run_flow(("db", "upgrade", "--db", db), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"created the schema at revision {head} in {db}"
    again = run_flow(("db", "upgrade", "--db", db), cwd=tmp_path)
    assert again.stdout.strip() == (
        f"the schema of {db} is current (revision {head}); nothing to do"
    )
    as_json = json.loads(
        run_flow(("db", "upgrade", "--db", db, "--format", "json"), cwd=tmp_path).stdout
    )
    assert as_json == {"outcome": "current", "from": head, "revision": head, "database": db}


def test_db_upgrade_says_it_migrated_an_older_schema(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'old.db'}"
    _at_an_older_revision(db)
    result = run_flow(("db", "upgrade", "--db", db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"migrated the schema of {db} from revision {OLDER} to {head_revision()}"
    )
