"""Reading a request body with a size cap while it streams in, so an oversize
body is refused after at most ``limit`` bytes rather than read whole, and with
a time limit, so a client that sends its body slowly (or never) cannot hold a
connection and its memory open."""

from __future__ import annotations

import asyncio

from starlette.requests import ClientDisconnect, Request

from interpreter.http.rejection import Rejected

# The default for ``HttpSettings.body_timeout_seconds`` (FLOW_BODY_TIMEOUT_SECONDS).
BODY_TIMEOUT_SECONDS = 30.0
# Tells uvicorn to close the connection after the answer: its body was never read.
_CLOSE = {"Connection": "close"}


async def read_body(
    request: Request,
    limit: int,
    what: str = "request body",
    timeout: float = BODY_TIMEOUT_SECONDS,
) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise Rejected(
            413, f"{what} is {int(declared)} bytes; the limit is {limit}", headers=_CLOSE
        )
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Rejected(
                        413, f"{what} is over the limit of {limit} bytes", headers=_CLOSE
                    )
                chunks.append(chunk)
    except TimeoutError:
        raise Rejected(
            408, f"{what} did not arrive within {timeout:g} seconds", headers=_CLOSE
        ) from None
    except ClientDisconnect:
        raise Rejected(400, "the client went away before sending the whole body") from None
    return b"".join(chunks)
