"""Equality, ordering, ``in`` and indexing as the CEL specification defines them.

cel-python refuses to compare an int with a double (``3 > 2.5`` is "no such
overload"), treats NaN as equal to itself, iterates a string for ``in`` and
raises on ``map != null``. JSON from a JavaScript client has no int/double
distinction, so flow follows the language definition instead:

- numbers compare across int, uint and double by value (``3 == 3.0``,
  ``1u < 2``); a double compared with an integer converts the integer to the
  nearest double first, as the specification's conformance cases require;
  NaN is unequal to everything, itself included, and unordered;
- ``==`` and ``!=`` never fail: values of different kinds are unequal;
- ``<``, ``<=``, ``>``, ``>=`` are defined within one kind only (numbers,
  bools, strings, bytes, timestamps, durations); anything else is an error;
- ``x in list`` and ``x in map`` (its keys) use that equality, and ``in`` on
  anything else, a string included, is an error.

Every function here takes plain JSON values (the fast path, ``cel_fast``) and
cel-python's values (``cel_runtime``) alike, so both give one answer. A plain
Python int outside int64 (a JSON number no CEL int can hold) counts as the
double nearest to it, which is what ``to_cel`` turns it into.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from celpy import celtypes

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# Kinds of value; equality and ordering are only ever between two of one kind.
_NULL, _BOOL, _NUMBER, _STRING, _BYTES, _LIST, _MAP = range(7)
_TIMESTAMP, _DURATION, _TYPE, _OTHER = range(7, 11)


def kind(value: Any) -> int:
    if value is None:
        return _NULL
    if isinstance(value, bool | celtypes.BoolType):
        return _BOOL
    if isinstance(value, int | float):
        return _NUMBER
    if isinstance(value, str):
        return _STRING
    if isinstance(value, bytes):
        return _BYTES
    if isinstance(value, list | tuple):
        return _LIST
    if isinstance(value, Mapping):
        return _MAP
    if isinstance(value, datetime):
        return _TIMESTAMP
    if isinstance(value, timedelta):
        return _DURATION
    if isinstance(value, type):
        return _TYPE
    return _OTHER


def _numeric(value: Any) -> int | float:
    """A number as Python compares it: a JSON int too wide for CEL is a double."""
    if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
        return to_float(value)
    return float(value) if isinstance(value, float) else int(value)


def to_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def _number_order(a: Any, b: Any) -> int | None:
    """-1, 0 or 1; None when a NaN makes the two unordered."""
    x, y = _numeric(a), _numeric(b)
    if isinstance(x, float) or isinstance(y, float):
        x, y = to_float(x), to_float(y)
        if math.isnan(x) or math.isnan(y):
            return None
    return (x > y) - (x < y)


# Types whose Python equality is CEL's when both sides are of that very type.
_EXACT = frozenset({str, bool, type(None), float})


def equal(a: Any, b: Any) -> bool:
    """CEL's heterogeneous equality: never an error."""
    same = type(a)
    if same is type(b):
        # The common cases first (this is on every condition's path).
        if same in _EXACT:
            return bool(a == b)
        if same is int and INT64_MIN <= a <= INT64_MAX and INT64_MIN <= b <= INT64_MAX:
            return bool(a == b)
    kind_a = kind(a)
    if kind_a != kind(b):
        return False
    if kind_a == _NUMBER:
        return _number_order(a, b) == 0
    if kind_a == _NULL:
        return True
    if kind_a in (_BOOL, _STRING, _BYTES):
        return bool(a == b) if kind_a != _BOOL else bool(a) == bool(b)
    if kind_a == _LIST:
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if kind_a == _MAP:
        if len(a) != len(b):
            return False
        for key, value in a.items():
            found, other = lookup(b, key)
            if not found or not equal(value, other):
                return False
        return True
    if kind_a in (_TIMESTAMP, _DURATION):
        return bool(time_order(a, b) == 0)
    if kind_a == _TYPE:
        return a is b
    try:
        return bool(a == b)
    except TypeError:
        return False


def order(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 for ``<`` and friends; None if unordered (NaN); TypeError if
    the two kinds have no ordering."""
    same = type(a)
    if same is type(b) and (
        same is str or (same is int and INT64_MIN <= a <= INT64_MAX and INT64_MIN <= b <= INT64_MAX)
    ):
        return int((a > b) - (a < b))
    kind_a = kind(a)
    if kind_a != kind(b):
        raise TypeError(f"no such overload: {type(a).__name__} < {type(b).__name__}")
    if kind_a == _NUMBER:
        return _number_order(a, b)
    if kind_a == _BOOL:
        return (bool(a) > bool(b)) - (bool(a) < bool(b))
    if kind_a in (_STRING, _BYTES):
        return int((a > b) - (a < b))
    if kind_a in (_TIMESTAMP, _DURATION):
        return time_order(a, b)
    raise TypeError(f"no such overload: {type(a).__name__} < {type(b).__name__}")


def time_order(a: Any, b: Any) -> int:
    """Timestamps or durations, to the nanosecond (``cel_time`` keeps the part
    below a microsecond in ``nanos``)."""
    x = (a, getattr(a, "nanos", 0))
    y = (b, getattr(b, "nanos", 0))
    return (x > y) - (x < y)


def lookup(mapping: Mapping[Any, Any], key: Any) -> tuple[bool, Any]:
    """``(found, value)`` for ``key`` in a map, numeric keys by value."""
    if isinstance(key, str):
        # A string key is found by hashing; other keys of a CEL map may refuse
        # the comparison a hash collision would make, so fall back to a scan.
        try:
            if key in mapping:
                return True, mapping[key]
            return False, None
        except TypeError:
            pass
    for candidate, value in mapping.items():
        if equal(candidate, key):
            return True, value
    return False, None


def contains(item: Any, container: Any) -> bool:
    """``item in container`` for a list or a map's keys; anything else is an error."""
    if isinstance(container, Mapping):
        return lookup(container, item)[0]
    if isinstance(container, list | tuple):
        return any(equal(item, element) for element in container)
    raise TypeError(f"no such overload: in {type(container).__name__}")


def index(container: Any, key: Any) -> Any:
    """``container[key]``: a list by an integral number, a map by its key."""
    if isinstance(container, Mapping):
        found, value = lookup(container, key)
        if not found:
            raise KeyError(key)
        return value
    if isinstance(container, list | tuple):
        if kind(key) != _NUMBER:
            raise TypeError(f"no such overload: list[{type(key).__name__}]")
        position = _numeric(key)
        if isinstance(position, float) and not position.is_integer():
            raise IndexError(f"invalid_argument: index {key} is not an integer")
        if not 0 <= position < len(container):
            raise IndexError(f"invalid_argument: index {key} out of range")
        return container[int(position)]
    raise TypeError(f"no such overload: {type(container).__name__}[{type(key).__name__}]")
