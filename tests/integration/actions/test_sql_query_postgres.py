"""sql.query against real PostgreSQL, when FLOW_TEST_POSTGRES_URL names one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy

from interpreter.actions.base import ActionContext
from interpreter.actions.sql_query import SqlQueryAction
from interpreter.errors import ActionError

MakeContext = Callable[..., ActionContext]
POSTGRES_URL = os.environ.get("FLOW_TEST_POSTGRES_URL", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="FLOW_TEST_POSTGRES_URL is not set"),
]


@pytest.fixture
def schema() -> Iterator[str]:
    """A unique schema with a users table, dropped afterwards."""
    name = f"flow_test_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        connection.exec_driver_sql(
            f'CREATE TABLE "{name}".users (email text PRIMARY KEY, plan text,'
            " price numeric(10, 2), seen timestamptz)"
        )
        connection.exec_driver_sql(
            f"INSERT INTO \"{name}\".users VALUES ('ada@example.com', 'pro', 19.99,"
            " '2024-05-01 12:00:00+00'), ('bob@example.com', 'free', 0, NULL)"
        )
    try:
        yield name
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        engine.dispose()


@pytest.fixture
def action() -> Iterator[SqlQueryAction]:
    action = SqlQueryAction()
    yield action
    action.close()


def test_rows_are_json_friendly(
    schema: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    output = action(
        {
            "url": POSTGRES_URL,
            "query": f'SELECT email, plan, price, seen FROM "{schema}".users WHERE email = :email',
            "params": {"email": "ada@example.com"},
        },
        make_context(),
    )
    [row] = output["rows"]
    assert row["price"] == 19.99
    assert row["seen"].startswith("2024-05-01T12:00:00")


def test_a_hidden_write_is_stopped_by_the_read_only_transaction(
    schema: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    query = f'WITH gone AS (DELETE FROM "{schema}".users RETURNING 1) SELECT count(*) FROM gone'
    with pytest.raises(ActionError) as caught:
        action({"url": POSTGRES_URL, "query": query}, make_context())
    assert caught.value.retryable is False
    count = action(
        {"url": POSTGRES_URL, "query": f'SELECT count(*) AS n FROM "{schema}".users'},
        make_context(),
    )
    assert count == {"rows": [{"n": 2}]}


def test_write_true_commits(schema: str, action: SqlQueryAction, make_context: MakeContext) -> None:
    output = action(
        {
            "url": POSTGRES_URL,
            "query": f'UPDATE "{schema}".users SET plan = :plan WHERE plan = :old',
            "params": {"plan": "pro", "old": "free"},
            "write": True,
        },
        make_context(),
    )
    assert output == {"rows": [], "rowcount": 1}
    plans = action(
        {"url": POSTGRES_URL, "query": f'SELECT DISTINCT plan FROM "{schema}".users'},
        make_context(),
    )
    assert plans == {"rows": [{"plan": "pro"}]}


def test_bound_parameters_resist_injection(
    schema: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    output = action(
        {
            "url": POSTGRES_URL,
            "query": f'SELECT plan FROM "{schema}".users WHERE email = :e',
            "params": {"e": "x' OR '1'='1"},
        },
        make_context(),
    )
    assert output == {"rows": []}


def test_a_missing_table_is_not_retryable(
    schema: str, action: SqlQueryAction, make_context: MakeContext
) -> None:
    with pytest.raises(ActionError) as caught:
        action({"url": POSTGRES_URL, "query": f'SELECT * FROM "{schema}".nowhere'}, make_context())
    assert caught.value.retryable is False
    password = sqlalchemy.make_url(POSTGRES_URL).password
    if password:
        assert str(password) not in str(caught.value)
