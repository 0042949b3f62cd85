"""Group commit for the event API: concurrent requests share transactions.

Each request's events wait in a queue; one batch at a time goes to a thread
(``Engine.ingest_many``, one transaction), and while it commits the next batch
gathers. A request is answered only after the transaction holding its events
has committed, so a 200 is as durable as a request of its own; under load the
cost of a commit is shared by every request that arrived during the previous one.

If a batch of several requests fails, each request is retried on its own, so
one request's failure is never another's.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from interpreter.daemon.ingest import EventIn, IngestResult

log = logging.getLogger("flow.http")

Ingest = Callable[[Sequence[EventIn]], list[IngestResult]]


@dataclass
class _Request:
    events: Sequence[EventIn]
    answer: asyncio.Future[list[IngestResult]]


class Intake:
    """Feeds ``ingest`` (``Engine.ingest_many``) from an event loop, a batch at a time."""

    def __init__(self, ingest: Ingest, *, max_batch_events: int = 5000) -> None:
        self._ingest = ingest
        self._max_batch = max_batch_events
        self._queue: deque[_Request] = deque()
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, events: Sequence[EventIn]) -> list[IngestResult]:
        """Record ``events`` (in order, in one transaction) and return once committed."""
        if not events:
            return []
        answer: asyncio.Future[list[IngestResult]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Request(events, answer))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        # Shielded: a client that hangs up does not cancel a commit in progress.
        return await asyncio.shield(answer)

    async def _drain(self) -> None:
        while self._queue:
            batch = self._take()
            try:
                await run_in_threadpool(self._commit, batch)
            except BaseException as error:  # never leave a request waiting
                for request in batch:
                    if not request.answer.done():
                        request.answer.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                log.exception("event intake failed")

    def _take(self) -> list[_Request]:
        batch: list[_Request] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].events) <= self._max_batch):
            request = self._queue.popleft()
            batch.append(request)
            size += len(request.events)
        return batch

    def _commit(self, batch: list[_Request]) -> None:
        """In a worker thread: one transaction for the batch, or one per request
        if the batch fails. Answers are set from the event loop's thread."""
        outcomes: list[list[IngestResult] | BaseException]
        try:
            results = self._ingest([event for request in batch for event in request.events])
        except Exception as error:
            if len(batch) == 1:
                outcomes = [error]
            else:
                log.warning("a batch of %d requests failed (%s); retrying each", len(batch), error)
                outcomes = [self._alone(request) for request in batch]
        else:
            outcomes = []
            start = 0
            for request in batch:
                outcomes.append(results[start : start + len(request.events)])
                start += len(request.events)
        for request, outcome in zip(batch, outcomes, strict=True):
            request.answer.get_loop().call_soon_threadsafe(_settle, request.answer, outcome)

    def _alone(self, request: _Request) -> list[IngestResult] | BaseException:
        try:
            return self._ingest(request.events)
        except Exception as error:
            return error


def _settle(
    answer: asyncio.Future[list[IngestResult]], outcome: list[IngestResult] | BaseException
) -> None:
    if answer.done():
        return
    if isinstance(outcome, BaseException):
        answer.set_exception(outcome)
    else:
        answer.set_result(outcome)
