"""``flow test``: campaign scenarios run on a virtual clock, on the same engine
and store that run production.

- ``mocks``: the action registry with some steps' outcomes fixed;
- ``history``: what happened (executed actions, runs), read back from the store;
- ``compare``: expected against happened, as data;
- ``runner``: drives one scenario;
- ``report`` and ``junit``: the text diff and the CI report.
"""

from __future__ import annotations

from interpreter.daemon.scenarios.compare import Verdict, judge
from interpreter.daemon.scenarios.history import HappenedAction, RunSummary
from interpreter.daemon.scenarios.runner import ScenarioResult, run_scenario

__all__ = [
    "HappenedAction",
    "RunSummary",
    "ScenarioResult",
    "Verdict",
    "judge",
    "run_scenario",
]
