"""Secrets: read from the environment by the names a campaign declares, never
written to the database in clear."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from interpreter.errors import FlowError
from interpreter.language.definitions import Workflow

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


class MissingSecrets(FlowError):
    """A campaign declares secrets that are neither given nor in the environment.

    ``missing`` holds (campaign id, source file, secret name), one per gap."""

    def __init__(self, missing: Sequence[tuple[str, str, str]]) -> None:
        lines = [
            f"{source}: campaign {campaign} needs secret {name}: set it in the environment"
            f" or pass --secret {name}=VALUE"
            for campaign, source, name in missing
        ]
        super().__init__("\n".join(lines), missing=list(missing))
        self.missing = list(missing)


def check_declared(workflows: Iterable[Workflow], overrides: Mapping[str, str]) -> None:
    """Refuse to start when a declared secret has no value: found at start, a
    gap is one line to fix; found at the step that needs it, it is a run failed
    days later (and every run after it)."""
    found = gather({n for w in workflows for n in w.secrets}, overrides)
    missing = [
        (workflow.id, workflow.source_file, name)
        for workflow in workflows
        for name in workflow.secrets
        if name not in found
    ]
    if missing:
        raise MissingSecrets(missing)


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
