"""Reading a request body with a size cap while it streams in, so an oversize
body is refused after at most ``limit`` bytes rather than read whole."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

from interpreter.http.rejection import Rejected


async def read_body(request: Request, limit: int, what: str = "request body") -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise Rejected(413, f"{what} is {int(declared)} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Rejected(413, f"{what} is over the limit of {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise Rejected(400, "the client went away before sending the whole body") from None
    return b"".join(chunks)
