"""The ``sql.query`` action, on SQLAlchemy engines cached per URL.

Parameters are always bound, never formatted into the text. A query is read-only
unless the step says ``write: true``, and that is enforced by the database, not
only by looking at the text: SQLite connections run with ``PRAGMA
query_only=ON`` and PostgreSQL reads run in a ``READ ONLY`` transaction that is
rolled back. The keyword check before that turns the common mistake into a
clear message.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url

from interpreter.actions._arguments import (
    optional_bool,
    optional_mapping,
    reject_unknown,
    require_str,
)
from interpreter.actions._sql_values import json_value
from interpreter.actions.base import JSON, ActionContext
from interpreter.errors import ActionError

MAX_ROWS = 10_000
MAX_ENGINES = 16
_ARGUMENTS = frozenset({"url", "query", "params", "write"})
_STREAM_ARGUMENTS = frozenset({"url", "query", "params"})
_READ_KEYWORDS = frozenset({"select", "with", "values", "explain", "show", "table"})
_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.DOTALL)
# SQLite reports both "the file is busy" and "the query is wrong" as
# OperationalError; only these messages are worth another try.
_SQLITE_TRANSIENT = ("database is locked", "unable to open", "disk i/o", "busy")
# PostgreSQL SQLSTATE classes that describe the server's condition, not the query:
# connection (08), serialization/deadlock (40), resources (53), shutdown (57), system (58).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})


class SqlQueryAction:
    """``with: {url, query, params?, write?}`` -> ``{rows}`` (plus ``rowcount`` when writing)."""

    name: str = "sql.query"

    def outside_effect(self, arguments: Mapping[str, JSON]) -> bool:
        return arguments.get("write") is True  # a read-only query changes nothing

    def __init__(self, *, max_engines: int = MAX_ENGINES, max_rows: int = MAX_ROWS) -> None:
        self._engines: OrderedDict[tuple[str, bool], Engine] = OrderedDict()
        self._max_engines = max_engines
        self._max_rows = max_rows
        self._lock = threading.Lock()

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        reject_unknown(arguments, _ARGUMENTS, self.name)
        raw_url = require_str(arguments, "url", self.name)
        query = require_str(arguments, "query", self.name)
        params = dict(optional_mapping(arguments, "params", self.name) or {})
        write = optional_bool(arguments, "write", self.name, default=False)
        url = _parse_url(raw_url)
        if not write:
            _check_read_only_text(query)
            _check_sqlite_file_exists(url)
        engine = self._engine(url, write)
        try:
            with engine.connect() as connection:
                return self._run(connection, query, params, write)
        except sqlalchemy_exc.SQLAlchemyError as error:
            raise _action_error(error, url) from None

    def stream(
        self, arguments: Mapping[str, JSON], *, page: int = 1000
    ) -> Iterator[dict[str, JSON]]:
        """The rows of a read-only query one by one, fetched ``page`` at a time
        (a server-side cursor on PostgreSQL), so that a fan-out reads an
        audience of any size without holding it. The same read-only rules and
        errors as a call; no row limit."""
        url, query, params = self._read_arguments(arguments, "for_each.query")
        engine = self._engine(url, False)
        try:
            with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                result = connection.execution_options(yield_per=page).execute(_text(query), params)
                for row in result.mappings():
                    yield {str(key): json_value(value) for key, value in row.items()}
                connection.rollback()
        except sqlalchemy_exc.SQLAlchemyError as error:
            raise _action_error(error, url) from None

    def count(self, arguments: Mapping[str, JSON]) -> int:
        """How many rows the read-only query gives (a fan-out's total)."""
        url, query, params = self._read_arguments(arguments, "for_each.query")
        counting = f"SELECT count(*) FROM ({query.strip().rstrip(';')}) AS counted_rows"
        try:
            with self._engine(url, False).connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                total = connection.execute(_text(counting), params).scalar()
                connection.rollback()
        except sqlalchemy_exc.SQLAlchemyError as error:
            raise _action_error(error, url) from None
        return int(total or 0)

    def _read_arguments(
        self, arguments: Mapping[str, JSON], where: str
    ) -> tuple[URL, str, dict[str, Any]]:
        reject_unknown(arguments, _STREAM_ARGUMENTS, where)
        url = _parse_url(require_str(arguments, "url", where))
        query = require_str(arguments, "query", where)
        params = dict(optional_mapping(arguments, "params", where) or {})
        _check_read_only_text(query)
        _check_sqlite_file_exists(url)
        return url, query, params

    def _run(self, connection: Connection, query: str, params: dict[str, Any], write: bool) -> JSON:
        if not write and connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        result = connection.execute(_text(query), params)
        rows: list[dict[str, JSON]] = []
        if result.returns_rows:
            for row in result.mappings():
                if len(rows) == self._max_rows:
                    raise ActionError(
                        f"sql.query: the query returned more than {self._max_rows} rows;"
                        " add a LIMIT",
                        retryable=False,
                    )
                rows.append({str(key): json_value(value) for key, value in row.items()})
        if not write:
            # Nothing to keep, and on PostgreSQL this ends the read-only transaction.
            connection.rollback()
            return {"rows": rows}
        rowcount = result.rowcount
        connection.commit()
        return {"rows": rows, "rowcount": rowcount}

    def _engine(self, url: URL, write: bool) -> Engine:
        key = (_url_key(url), write)
        with self._lock:
            engine = self._engines.get(key)
            if engine is not None:
                self._engines.move_to_end(key)
                return engine
            engine = _create_engine(url, write)
            self._engines[key] = engine
            if len(self._engines) > self._max_engines:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    def close(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


@lru_cache(maxsize=64)
def _parse_url(raw: str) -> URL:
    """The URL of ``raw`` (cached: a step runs with the same URL thousands of times)."""
    try:
        return make_url(raw)
    except sqlalchemy_exc.ArgumentError:
        # The raw text may hold a password: never repeat it.
        raise ActionError("sql.query: 'url' is not a database URL", retryable=False) from None


@lru_cache(maxsize=256)
def _text(query: str) -> sqlalchemy.TextClause:
    """The statement for a query text, built once: SQLAlchemy then finds its
    compiled form in the engine's cache without re-parsing the text."""
    return sqlalchemy.text(query)


@lru_cache(maxsize=64)
def _url_key(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _create_engine(url: URL, write: bool) -> Engine:
    try:
        engine = sqlalchemy.create_engine(url, pool_pre_ping=url.get_backend_name() != "sqlite")
    except (sqlalchemy_exc.ArgumentError, sqlalchemy_exc.NoSuchModuleError) as error:
        raise ActionError(
            f"sql.query: cannot use {_safe_url(url)}: {_one_line(error)}", retryable=False
        ) from None
    if engine.dialect.name == "sqlite" and not write:

        @sqlalchemy_event.listens_for(engine, "connect")
        def _query_only(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()

    return engine


def _check_sqlite_file_exists(url: URL) -> None:
    # SQLite creates a missing file on connect: a misspelt path would read an
    # empty database and fail with a confusing "no such table".
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return
    if database.startswith("file:") or url.query.get("uri"):
        return
    if not Path(database).exists():
        raise ActionError(f"sql.query: no SQLite database at {database}", retryable=False)


def _check_read_only_text(query: str) -> None:
    stripped = _LEADING_NOISE.sub("", query)
    match = re.match(r"[A-Za-z]+", stripped)
    keyword = match.group(0).lower() if match else ""
    if keyword not in _READ_KEYWORDS:
        raise ActionError(
            f"sql.query: {keyword.upper() or 'this statement'} is not a read;"
            " set 'write: true' to change data",
            retryable=False,
        )


def _action_error(error: sqlalchemy_exc.SQLAlchemyError, url: URL) -> ActionError:
    original = getattr(error, "orig", None) or error
    message = _one_line(original)
    password = url.password
    if password:
        message = message.replace(str(password), "***")
    retryable = _is_transient(error, original, url)
    return ActionError(f"sql.query: {message} ({_safe_url(url)})", retryable=retryable)


def _is_transient(error: sqlalchemy_exc.SQLAlchemyError, original: object, url: URL) -> bool:
    if isinstance(error, sqlalchemy_exc.DBAPIError) and error.connection_invalidated:
        return True
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str) and len(sqlstate) == 5:
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES
    if isinstance(error, sqlalchemy_exc.TimeoutError | sqlalchemy_exc.DisconnectionError):
        return True
    if isinstance(error, sqlalchemy_exc.InterfaceError):
        return True
    if isinstance(error, sqlalchemy_exc.OperationalError):
        if url.get_backend_name() == "sqlite":
            text = str(original).lower()
            return any(marker in text for marker in _SQLITE_TRANSIENT)
        return True
    return False


def _safe_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _one_line(value: object) -> str:
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    return (lines[0] if lines else type(value).__name__)[:300]
