"""How the CLI shows things: aligned tables, colour on a terminal (or as NO_COLOR and
FORCE_COLOR say), JSON for scripts."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import click

from interpreter.language.values import rfc3339 as rfc3339  # re-exported for the commands

_STATUS_COLOURS = {
    "completed": "green",
    "ok": "green",
    "failed": "red",
    "error": "red",
    "cancelled": "yellow",
    "timed_out": "yellow",
    "skipped": "bright_black",
    "waiting": "cyan",
    "sleeping": "cyan",
    "running": "blue",
}


def colour_choice(environ: Mapping[str, str] | None = None) -> bool | None:
    """What the environment says about colour: ``NO_COLOR`` (any non-empty
    value) turns it off, ``FORCE_COLOR`` (non-empty, not ``0``) turns it on even
    into a pipe, and None leaves it to whether the stream is a terminal. NO_COLOR
    wins when both are set: a user's refusal outranks a tool's default."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return None


def colour_enabled(stream: Any = None) -> bool:
    choice = colour_choice()
    if choice is not None:
        return choice
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(
    text: str, colour: str | None = None, *, bold: bool = False, enabled: bool | None = None
) -> str:
    """``text`` in ``colour`` (a click colour name) and/or bold, when colour is on."""
    if (colour is None and not bold) or not (colour_enabled() if enabled is None else enabled):
        return text
    return click.style(text, fg=colour, bold=bold or None)


def status(text: str) -> str:
    return paint(text, _STATUS_COLOURS.get(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; colour codes do not count toward width."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(click.unstyle(cell)))
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in cells:
        padded = [
            cell + " " * (width - len(click.unstyle(cell)))
            for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"), sort_keys=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def offset(delta: timedelta) -> str:
    """``+1d2h3m`` style offsets for timelines."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return sign + ("".join(parts) or "0s")
