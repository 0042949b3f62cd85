"""flow's HTTP surface: the event API, provider webhooks, health and metrics."""

from __future__ import annotations

from interpreter.http.app import create_app
from interpreter.http.settings import HttpSettings, check_settings

__all__ = ["HttpSettings", "check_settings", "create_app"]
