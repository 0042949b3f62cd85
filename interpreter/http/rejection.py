"""A request refused at the HTTP edge, as data: its status, its message and,
for a batch, the index of the offending event and the field at fault."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse

from interpreter.errors import FlowError, NotFound, StoreError


class Rejected(FlowError):
    """The request was refused."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        index: int | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, index=index, field=field)
        self.status = status
        self.index = index
        self.field = field
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        body: dict[str, object] = {"error": self.message}
        if self.index is not None:
            body["index"] = self.index
        if self.field is not None:
            body["field"] = self.field
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def store_error_status(error: StoreError) -> tuple[int, str]:
    """The one answer to a store error, for the API and the dashboard alike: 404
    with its message for a missing record, else 503 (the database is down or
    refused the statement; the details go to the log, never to the client)."""
    if isinstance(error, NotFound):
        return 404, error.message
    return 503, "the database is unavailable; try again"
