"""sql.query against a real SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.sql_query import SqlQueryAction
from interpreter.errors import ActionError

MakeContext = Callable[..., ActionContext]


@pytest.fixture
def database(tmp_path: Path) -> str:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE users (email TEXT PRIMARY KEY, plan TEXT, price NUMERIC, seen TIMESTAMP);
            INSERT INTO users VALUES ('ada@example.com', 'pro', 19.99, '2024-05-01 12:00:00');
            INSERT INTO users VALUES ('bob@example.com', 'free', 0, NULL);
            """
        )
    connection.close()
    return f"sqlite:///{path}"


@pytest.fixture
def action() -> Iterator[SqlQueryAction]:
    action = SqlQueryAction()
    yield action
    action.close()


def count_users(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        count: int = connection.execute("SELECT count(*) FROM users").fetchone()[0]
    connection.close()
    return count


def test_rows_come_back_as_maps(
    database: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    output = action(
        {
            "url": database,
            "query": "SELECT email, plan, price FROM users WHERE email = :email",
            "params": {"email": "ada@example.com"},
        },
        make_context(),
    )
    assert output == {"rows": [{"email": "ada@example.com", "plan": "pro", "price": 19.99}]}


def test_parameters_are_bound_not_spliced(
    database: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    for hostile in ("x' OR '1'='1", "x'; DROP TABLE users; --"):
        output = action(
            {
                "url": database,
                "query": "SELECT plan FROM users WHERE email = :e",
                "params": {"e": hostile},
                "write": True,
            },
            make_context(),
        )
        assert output["rows"] == []
    assert count_users(database) == 2


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM users",
        "  -- looks harmless\n UPDATE users SET plan = 'pro'",
        "INSERT INTO users (email) VALUES ('eve@example.com')",
        "DROP TABLE users",
        "PRAGMA query_only=OFF",
    ],
)
def test_writes_are_refused_without_write_true(
    database: str, action: SqlQueryAction, make_context: MakeContext, query: str
) -> None:
    with pytest.raises(ActionError) as caught:
        action({"url": database, "query": query}, make_context())
    assert caught.value.retryable is False
    assert count_users(database) == 2


def test_a_write_hidden_behind_with_is_stopped_by_the_database(
    database: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    # Passes the keyword check; only the read-only connection stops it.
    query = "WITH doomed AS (SELECT 1) DELETE FROM users"
    with pytest.raises(ActionError) as caught:
        action({"url": database, "query": query}, make_context())
    assert caught.value.retryable is False
    assert "readonly" in str(caught.value).replace("-", "").replace(" ", "")
    assert count_users(database) == 2


def test_write_true_writes_and_reports_the_rowcount(
    database: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    # A read first, so a pooled read-only connection exists and must not be reused.
    action({"url": database, "query": "SELECT 1"}, make_context())
    output = action(
        {
            "url": database,
            "query": "UPDATE users SET plan = :plan WHERE email = :email",
            "params": {"plan": "pro", "email": "bob@example.com"},
            "write": True,
        },
        make_context(),
    )
    assert output == {"rows": [], "rowcount": 1}
    plans = action(
        {"url": database, "query": "SELECT plan FROM users ORDER BY email"}, make_context()
    )
    assert plans == {"rows": [{"plan": "pro"}, {"plan": "pro"}]}


@pytest.mark.parametrize(
    "query", ["SELECT plan FROM nowhere", "SELEC plan FROM users", "SELECT nope FROM users"]
)
def test_a_wrong_query_is_not_retryable(
    database: str, action: SqlQueryAction, make_context: MakeContext, query: str
) -> None:
    with pytest.raises(ActionError) as caught:
        action({"url": database, "query": query}, make_context())
    assert caught.value.retryable is False
    assert "\n" not in str(caught.value)


def test_a_locked_database_is_retryable(
    database: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    locker = sqlite3.connect(database.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ActionError) as caught:
            action(
                {
                    "url": database + "?timeout=0",
                    "query": "UPDATE users SET plan = 'x'",
                    "write": True,
                },
                make_context(),
            )
    finally:
        locker.rollback()
        locker.close()
    assert caught.value.retryable is True


def test_a_missing_database_file_is_not_created(
    tmp_path: Path, action: SqlQueryAction, make_context: MakeContext
) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(ActionError) as caught:
        action({"url": f"sqlite:///{missing}", "query": "SELECT 1"}, make_context())
    assert caught.value.retryable is False
    assert not missing.exists()


def test_the_password_never_appears_in_errors(
    action: SqlQueryAction, make_context: MakeContext
) -> None:
    with pytest.raises(ActionError) as caught:
        action(
            {"url": "postgresql+psycopg://u:hunter2@127.0.0.1:1/db", "query": "SELECT 1"},
            make_context(),
        )
    assert "hunter2" not in str(caught.value)
    assert caught.value.retryable is True
    with pytest.raises(ActionError) as bad_url:
        action({"url": "not a url :hunter2", "query": "SELECT 1"}, make_context())
    assert "hunter2" not in str(bad_url.value)
