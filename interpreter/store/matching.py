"""How a wait's indexed key is computed, for storing and for looking up.

Both sides must agree to the byte: the value is kept as canonical JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_MISSING = object()


def canonical(value: Any) -> str:
    """The canonical JSON text of ``value``: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def value_at(document: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """The value at dotted ``path`` (``"data.email_id"``) in ``document``.

    Returns ``(found, value)``; a digit segment indexes a list. A missing step
    is not an error: that event simply matches no wait keyed on the path.
    """
    current: Any = document
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part, _MISSING)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return False, None
        if current is _MISSING:
            return False, None
    return True, current
