"""How far a run's fan-outs have got, for ``flow runs show``: "12,000 of 20,000
events", and a bar when the output is a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interpreter.cli.output import colour_enabled
from interpreter.store.records import FanOutProgress

BAR_WIDTH = 30


def progress_text(progress: FanOutProgress) -> str:
    """``"12,000 of 20,000 events"``, or ``"12,000 events"`` while the total is unknown."""
    if progress.total is None:
        return f"{progress.done:,} events"
    return f"{progress.done:,} of {progress.total:,} events"


def progress_bar(progress: FanOutProgress, width: int = BAR_WIDTH) -> str:
    """``[█████████░░░░░░░░░] 50%`` (an empty audience is complete)."""
    share = 1.0 if not progress.total else min(progress.done / progress.total, 1.0)
    filled = round(share * width)
    return f"[{'█' * filled}{'░' * (width - filled)}] {share:.0%}"


def fan_out_lines(progresses: Sequence[FanOutProgress], stream: Any = None) -> list[str]:
    """One line per fan-out of the run, a bar in front of the count on a terminal."""
    terminal = colour_enabled(stream)
    lines = []
    for progress in progresses:
        visit = f" (pass {progress.visit})" if progress.visit > 1 else ""
        bar = f"{progress_bar(progress)}  " if terminal else ""
        lines.append(f"{'fan-out':<14}{progress.step_id}{visit}: {bar}{progress_text(progress)}")
    return lines


def fan_out_json(progresses: Sequence[FanOutProgress]) -> list[dict[str, Any]]:
    return [
        {"step": p.step_id, "visit": p.visit, "done": p.done, "total": p.total} for p in progresses
    ]
