"""How the CLI shows things: aligned tables, colour on a terminal (or as NO_COLOR and
FORCE_COLOR say), JSON for scripts."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import click

from interpreter.language.durations import format_duration
from interpreter.language.values import rfc3339 as rfc3339  # re-exported for the commands
from interpreter.language.values import rfc3339_seconds

_STATUS_COLOURS = {
    "completed": "green",
    "converted": "green",
    "ok": "green",
    "failed": "red",
    "error": "red",
    "cancelled": "yellow",
    "timed_out": "yellow",
    "skipped": "bright_black",
    "deferred": "cyan",
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


def terminal_width(stream: Any = None) -> int | None:
    """The terminal's columns when ``stream`` (stdout) is a terminal; None when
    it is a pipe or a file, where a line is never cut."""
    stream = stream or sys.stdout
    if not getattr(stream, "isatty", lambda: False)():
        return None
    return shutil.get_terminal_size().columns


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, width: int | None = None
) -> str:
    """Columns padded to their widest cell; colour codes do not count toward width.

    On a terminal (or given ``width``) the widest column is cut, with an
    ellipsis, so each line fits; into a pipe every cell is whole."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(click.unstyle(cell)))
    width = terminal_width() if width is None else width
    if width is not None and cells:
        _fit(cells, widths, width)
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in cells:
        padded = [
            cell + " " * (width - len(click.unstyle(cell)))
            for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def _fit(cells: list[list[str]], widths: list[int], width: int) -> None:
    """Cut the widest column so a line is at most ``width`` characters, keeping
    at least ``_NARROWEST`` of it: a narrower terminal wraps instead."""
    over = sum(widths) + 2 * (len(widths) - 1) - width
    widest = max(range(len(widths)), key=widths.__getitem__)
    if over <= 0:
        return
    keep = max(widths[widest] - over, _NARROWEST)
    widths[widest] = min(widths[widest], keep)
    for row in cells:
        text = click.unstyle(row[widest])
        if len(text) > keep:
            # A cut cell loses its colour: the codes cannot be cut in half.
            row[widest] = text[: keep - 1] + "…"


_NARROWEST = 16


def moment(value: datetime) -> str:
    """A time in a table or line of text: RFC 3339 to the second (JSON keeps
    the stored precision)."""
    return rfc3339_seconds(value)


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"), sort_keys=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def offset(delta: timedelta) -> str:
    """``+1d2h3m`` style offsets for timelines, written as campaign durations are
    (``format_duration``), so ``sleep: 11d`` shows as ``+11d``."""
    sign = "-" if delta < timedelta(0) else "+"
    return sign + format_duration(abs(delta))
