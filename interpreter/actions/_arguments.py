"""Reading an action's ``with`` values.

The definition layer checks the shape of a step, but ``${ }`` values are only
known at run time, so each action checks its own arguments. A wrong type is the
author's mistake and trying again cannot fix it: every error here is
non-retryable.
"""

from __future__ import annotations

from collections.abc import Mapping

from interpreter.actions.base import JSON
from interpreter.errors import ActionError
from interpreter.language.values import json_kind

_MISSING = object()


def _bad(action: str, key: str, wanted: str, value: object) -> ActionError:
    return ActionError(
        f"{action}: '{key}' must be {wanted}, not {json_kind(value)}", retryable=False
    )


def require_str(arguments: Mapping[str, JSON], key: str, action: str) -> str:
    value = arguments.get(key, _MISSING)
    if value is _MISSING or value is None:
        raise ActionError(f"{action}: '{key}' is required", retryable=False)
    if not isinstance(value, str) or not value.strip():
        raise _bad(action, key, "a non-empty string", value)
    return value


def optional_str(arguments: Mapping[str, JSON], key: str, action: str) -> str | None:
    value = arguments.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(action, key, "a string", value)
    return value


def optional_bool(arguments: Mapping[str, JSON], key: str, action: str, default: bool) -> bool:
    value = arguments.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _bad(action, key, "true or false", value)
    return value


def optional_positive_number(
    arguments: Mapping[str, JSON], key: str, action: str, default: float, *, maximum: float
) -> float:
    """A number in (0, ``maximum``]. Compared before any conversion: an int with
    400 digits does not fit a float, and a float past the platform's time_t
    does not fit a socket timeout."""
    value = arguments.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(action, key, "a number", value)
    if value != value or value <= 0 or value > maximum:  # value != value: NaN
        raise ActionError(
            f"{action}: '{key}' must be greater than 0 and at most {maximum:g}", retryable=False
        )
    return float(value)


def optional_mapping(
    arguments: Mapping[str, JSON], key: str, action: str
) -> Mapping[str, JSON] | None:
    value = arguments.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _bad(action, key, "a map", value)
    return value


def reject_unknown(arguments: Mapping[str, JSON], allowed: frozenset[str], action: str) -> None:
    """A misspelt key (``jsn:`` for ``json:``) would otherwise be silently ignored."""
    unknown = sorted(set(arguments) - allowed)
    if unknown:
        raise ActionError(
            f"{action}: unknown argument {', '.join(repr(k) for k in unknown)}"
            f" (expected {', '.join(sorted(allowed))})",
            retryable=False,
        )
