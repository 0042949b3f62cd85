"""The ``log`` action: write a message to the ``flow.actions.log`` logger."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from interpreter.actions._arguments import reject_unknown
from interpreter.actions.base import JSON, ActionContext
from interpreter.errors import ActionError

logger = logging.getLogger("flow.actions.log")

_LEVELS: Mapping[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
_ARGUMENTS = frozenset({"message", "level"})


class LogAction:
    """``with: {message: <any JSON>, level: debug|info|warning|error}`` -> ``{logged: true}``."""

    name: str = "log"

    def outside_effect(self, arguments: Mapping[str, JSON]) -> bool:
        return False  # a log line written twice harms no one

    def __call__(self, arguments: Mapping[str, JSON], context: ActionContext) -> JSON:
        reject_unknown(arguments, _ARGUMENTS, self.name)
        level_name = arguments.get("level") or "info"
        if not isinstance(level_name, str) or level_name.lower() not in _LEVELS:
            raise ActionError(
                f"log: 'level' must be one of debug, info, warning, error, not {level_name!r}",
                retryable=False,
            )
        message = arguments.get("message")
        # Structured messages are logged as JSON so a log line can be parsed back.
        text = message if isinstance(message, str) else json.dumps(message, sort_keys=True)
        logger.log(
            _LEVELS[level_name.lower()],
            "%s",
            text,
            extra={"flow_run": context.run_id, "flow_step": context.step_id},
        )
        return {"logged": True}
