"""What every layer says about plain values: the JSON alias and how an instant
is written as text (RFC 3339, ``Z`` for UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# A JSON-compatible value: dict, list, str, int, float, bool or None.
JSON = Any


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
