"""What every handler of one app shares: the engine, the settings, the metrics
and the group-commit intake. Kept on ``app.state`` by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from interpreter.daemon.engine import Engine
from interpreter.daemon.metrics import Metrics
from interpreter.http.intake import Intake
from interpreter.http.settings import HttpSettings


@dataclass(frozen=True)
class AppContext:
    engine: Engine
    settings: HttpSettings
    metrics: Metrics
    intake: Intake


def app_context(request: Request) -> AppContext:
    context = getattr(request.app.state, "flow", None)
    if not isinstance(context, AppContext):
        raise RuntimeError("this route belongs to an app made by interpreter.http.create_app")
    return context
