"""Carrying out a ``for_each`` step's ``FanOut``: one event per item, written in
chunks under a durable cursor, each chunk committed only while this worker
still holds the run.

Exactly once rests on two things:

- each event's id is ``<run id>:<step id>:<index>`` and the store records an
  event id once, so whatever is written twice starts its runs once;
- the cursor (how many events are committed) is saved in the transaction that
  writes its chunk, after ``renew_leases`` confirmed the lease: a worker killed
  mid-way loses at most the chunk in hand, and the worker that takes the run
  over (once the lease expires) starts from the cursor.

The audience is never held: a query is streamed (``SqlQueryAction.stream``),
and only one chunk of events is in memory at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from interpreter.actions.sql_query import SqlQueryAction
from interpreter.core.model import FanOut, Input, StepFailed, StepSucceeded
from interpreter.daemon.ingest import EventIn, ingest
from interpreter.daemon.leases import BatchLease, LeaseLost, recorded_result
from interpreter.daemon.outcome import Outcome
from interpreter.daemon.secrets import redact
from interpreter.errors import ActionError, ExpressionError
from interpreter.language import cel
from interpreter.language.values import JSON
from interpreter.store.records import FanOutProgress

if TYPE_CHECKING:
    from interpreter.daemon.engine import Engine

# Events per transaction: large enough that a commit is cheap per event, small
# enough that a killed worker repeats little and a chunk stays well under the
# lease.
CHUNK = 1000
KIND = "for_each"

_DEFAULT_SQL = SqlQueryAction()


def fan_out(engine: Engine, outcome: Outcome, command: FanOut, lease: BatchLease) -> Input:
    """Emit the fan-out's events (from its cursor on) and answer as an action would."""
    state = outcome.state
    visit = state.visits.get(command.step_id, 1)
    done_row = outcome.recorded.get((command.step_id, visit, command.attempt))
    if done_row is not None and done_row.kind == KIND:
        outcome.ahead.append(done_row)
        return recorded_result(done_row)
    started = engine.clock.now()
    lease.before_action(state.run_id, started)
    writer = _Writer(engine, outcome, command, lease, visit)
    result: Input
    try:
        count = writer.run()
        result = StepSucceeded(command.step_id, {"count": count}, command.attempt)
        row: dict[str, Any] = {"status": "ok", "output": {"count": count}}
    except ActionError as error:
        result = StepFailed(command.step_id, str(error), error.retryable, command.attempt)
        row = {"status": "error", "error": {"message": str(error), "retryable": error.retryable}}
    if engine.metrics is not None:
        engine.metrics.step_executed(failed=row["status"] == "error")
    secrets = [value for value in engine.secrets.values() if value]
    outcome.steps.append(
        outcome.step_row(
            command.step_id,
            KIND,
            started,
            engine.clock.now(),
            secrets,
            attempt=command.attempt,
            input=redact(_recorded_input(command), secrets),
            **row,
        )
    )
    return result


def _recorded_input(command: FanOut) -> JSON:
    """What the timeline keeps of the command: the event and the source, but a
    list's length rather than the list, which may hold the whole audience."""
    source = command.source if isinstance(command.source, dict) else {}
    items = source.get("items")
    if isinstance(items, list):
        return {"event": command.event, "items": len(items)}
    return {"event": command.event, "query": source.get("query")}


class _Writer:
    def __init__(
        self, engine: Engine, outcome: Outcome, command: FanOut, lease: BatchLease, visit: int
    ) -> None:
        self.engine = engine
        self.run_id = outcome.run_id
        self.command = command
        self.lease = lease
        self.visit = visit

    def run(self) -> int:
        """Write every event from the cursor on; returns the fan-out's count."""
        done, total = self._cursor()
        source = self.command.source if isinstance(self.command.source, dict) else {}
        items: Iterator[JSON]
        if "items" in source and isinstance(source["items"], list):
            listed = source["items"]
            total = len(listed)
            items = itertools.islice(listed, done, None)
        else:
            query = source.get("query")
            arguments = query if isinstance(query, dict) else {}
            action = self.engine.actions.get("sql.query")
            sql = action if isinstance(action, SqlQueryAction) else _DEFAULT_SQL
            if total is None:
                total = sql.count(arguments)
            items = itertools.islice(sql.stream(arguments, page=CHUNK), done, None)
        index = done
        chunk: list[EventIn] = []
        for item in items:
            chunk.append(self._event(item, index))
            index += 1
            if len(chunk) == CHUNK:
                self._commit(chunk, index, total)
                chunk = []
        if chunk or index == 0:
            # The last chunk; an empty audience still leaves its cursor, at 0 of 0.
            self._commit(chunk, index, total)
        return index

    def _cursor(self) -> tuple[int, int | None]:
        with self.engine.store.reading() as tx:
            for progress in tx.fan_out_progress(self.run_id):
                if progress.step_id == self.command.step_id and progress.visit == self.visit:
                    return progress.done, progress.total
        return 0, None

    def _event(self, item: JSON, index: int) -> EventIn:
        command = self.command
        scope = {**command.scope, "item": item, "index": index}
        try:
            data = cel.render(command.data, scope)
        except ExpressionError as error:
            # The same data on a retry fails the same way.
            raise ActionError(
                f"for_each {command.step_id!r} ({command.location}): item {index}: {error}",
                retryable=False,
            ) from None
        return EventIn(command.event, data, f"{command.id_prefix}:{index}")

    def _commit(self, chunk: list[EventIn], done: int, total: int | None) -> None:
        engine, lease = self.engine, self.lease
        now = engine.clock.now()
        lease.before_action(self.run_id, now)  # renews the batch when half of it is gone
        until = now + timedelta(seconds=lease.seconds)
        with engine.store.transaction() as tx:
            # Renewing the run's lease in this transaction is what makes the
            # chunk this worker's: a run taken over is not renewed, and nothing
            # of the chunk commits.
            if self.run_id not in tx.renew_leases(engine.owner, [self.run_id], until):
                lease.held.discard(self.run_id)
                raise LeaseLost(self.run_id)
            ingest(tx, engine.campaigns, engine.secrets, chunk, now)
            progress = FanOutProgress(
                self.run_id, self.command.step_id, self.visit, done, total, now
            )
            tx.save_fan_out_progress(progress)
