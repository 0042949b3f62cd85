"""When a category's caps admit one more send to an address, and which skipped
sends the dashboard counts: what both faces of the store (``sql/sends.py``,
``memory/sends.py``) share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from interpreter.language.policies import Cap

# Why an email.send went without its email: the ``skipped`` of its output that
# the dashboard counts per campaign (``held_back_sends``).
HELD_BACK = ("capped", "unsubscribed", "suppressed")


def admitted_at(recent: Sequence[datetime], caps: Sequence[Cap], now: datetime) -> datetime | None:
    """None when every cap admits a send at ``now``, else the earliest instant
    at which all of them do. ``recent``: the address's sends in the category,
    latest first. A cap of ``limit`` per ``per`` is full while its
    ``limit``-th latest send lies within ``(now - per, now]``; it admits again
    once that send is ``per`` old (the window is open at its far end)."""
    until: datetime | None = None
    for cap in caps:
        if len(recent) < cap.limit:
            continue
        frees = recent[cap.limit - 1] + cap.per
        if frees > now and (until is None or frees > until):
            until = frees
    return until
