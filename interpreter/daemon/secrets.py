"""Secrets: read from the environment by the names a campaign declares, never
written to the database in clear."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"


def gather(names: Iterable[str], overrides: Mapping[str, str]) -> dict[str, str]:
    """The values of ``names``: ``--secret`` overrides first, then the environment."""
    values: dict[str, str] = {}
    for name in names:
        if name in overrides:
            values[name] = overrides[name]
        elif name in os.environ:
            values[name] = os.environ[name]
    return values


def redact(value: Any, secret_values: list[str]) -> Any:
    """``value`` with every secret replaced by a mask, so step inputs can be stored."""
    if not secret_values:
        return value
    if isinstance(value, str):
        for secret in secret_values:
            if secret and secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {key: redact(item, secret_values) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, secret_values) for item in value]
    return value
