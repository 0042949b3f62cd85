"""A wait's indexed key: the value at a dotted path of an event document, and
the canonical text that value is stored and looked up as.

One home for both, because the store indexes waits by this text and the engine
re-checks events against it: two versions would disagree on some value (a
non-ASCII string, a list index) and a wait would silently never match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

_MISSING = object()


def canonical(value: Any) -> str:
    """The canonical JSON text of ``value``: sorted keys, no spaces, UTF-8 kept
    as is; a value JSON has no form for (a datetime) is written as its str()."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


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


def keys_at(document: Mapping[str, Any], paths: Iterable[str]) -> dict[str, str]:
    """For each of ``paths`` found in ``document``, the canonical text of the
    value there: the key a wait on that path must hold to match the event."""
    keys: dict[str, str] = {}
    for path in paths:
        found, value = value_at(document, path)
        if found:
            keys[path] = canonical(value)
    return keys


def loads(key: Any) -> Any:
    """The value a key is the canonical text of (None for no key)."""
    return None if key is None else json.loads(key)
