"""Expected against happened, as data: which expected actions happened, which
did not, which happened unasked, and how a near miss differs.

Each ``expect.actions`` entry is a partial match: only the keys written are
compared; ``with``, ``output`` and ``error`` compare mappings by the keys the
author gave (recursively) and lists item by item; ``at`` compares exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from interpreter.daemon.scenarios.history import HappenedAction, RunSummary, count_by_status
from interpreter.language.scenario import Expectations, ExpectedAction
from interpreter.language.values import JSON

# " " as expected; "-" expected, did not happen; "+" happened, not expected;
# "~" the expected step happened but differs; "." happened, not listed, allowed (exact: false).
Sign = Literal[" ", "-", "+", "~", "."]
_MISSING = object()


@dataclass(frozen=True)
class Difference:
    """One compared field that differs; ``field`` is a path such as ``with.subject``."""

    field: str
    expected: JSON
    happened: JSON  # ``MISSING`` when the key is absent


MISSING: JSON = _MISSING


@dataclass(frozen=True)
class DiffLine:
    sign: Sign
    expected: ExpectedAction | None
    happened: HappenedAction | None
    differences: tuple[Difference, ...] = ()


@dataclass(frozen=True)
class RunCountMismatch:
    status: str
    expected: int
    happened: int


@dataclass(frozen=True)
class Verdict:
    passed: bool
    lines: tuple[DiffLine, ...]
    run_counts: tuple[RunCountMismatch, ...]
    counts: Mapping[str, int]


def judge(
    expect: Expectations, happened: Sequence[HappenedAction], runs: Sequence[RunSummary]
) -> Verdict:
    """Compare everything the scenario expects with what happened."""
    if expect.actions is None:
        lines = [DiffLine(".", None, action) for action in happened]
    else:
        lines = align(expect.actions, happened, exact=expect.exact)
    counts = count_by_status(runs)
    mismatches = tuple(
        RunCountMismatch(status, wanted, counts.get(status, 0))
        for status, wanted in expect.runs
        if counts.get(status, 0) != wanted
    )
    passed = not mismatches and all(line.sign in (" ", ".") for line in lines)
    return Verdict(passed, tuple(lines), mismatches, counts)


def differences(expected: ExpectedAction, happened: HappenedAction) -> list[Difference]:
    """How ``happened`` fails the partial match ``expected``; empty when it matches."""
    found: list[Difference] = []
    for key, wanted, actual in (
        ("campaign", expected.campaign, happened.campaign),
        ("step", expected.step, happened.step),
        ("action", expected.action, happened.action),
        ("at", expected.at, happened.at),
        ("attempt", expected.attempt, happened.attempt),
    ):
        if key in expected.given and wanted != actual:
            found.append(Difference(key, wanted, actual))
    if "error" in expected.given and happened.status != "error":
        found.append(Difference("error", expected.error, MISSING))
    elif "error" in expected.given:
        found.extend(partial_differences(expected.error, happened.error, "error"))
    if "with" in expected.given:
        found.extend(partial_differences(expected.with_, happened.with_, "with"))
    if "output" in expected.given:
        found.extend(partial_differences(expected.output, happened.output, "output"))
    return found


def partial_differences(wanted: JSON, actual: JSON, path: str) -> Iterator[Difference]:
    """Mappings: only the keys of ``wanted``; lists: same length, item by item; else equal."""
    if isinstance(wanted, Mapping):
        if not isinstance(actual, Mapping):
            yield Difference(path, wanted, actual)
            return
        for key, value in wanted.items():
            if key not in actual:
                yield Difference(f"{path}.{key}", value, MISSING)
            else:
                yield from partial_differences(value, actual[key], f"{path}.{key}")
        return
    if isinstance(wanted, list):
        if not isinstance(actual, list) or len(actual) != len(wanted):
            yield Difference(path, wanted, actual)
            return
        for index, (value, item) in enumerate(zip(wanted, actual, strict=True)):
            yield from partial_differences(value, item, f"{path}[{index}]")
        return
    if not _same_scalar(wanted, actual):
        yield Difference(path, wanted, actual)


def _same_scalar(wanted: JSON, actual: JSON) -> bool:
    # YAML's true is not JSON's 1, though Python says True == 1.
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return type(wanted) is type(actual) and wanted == actual
    if isinstance(wanted, float) and isinstance(actual, int | float):
        return math.isclose(wanted, actual)
    return bool(wanted == actual)


def _near(expected: ExpectedAction, happened: HappenedAction) -> bool:
    """Worth showing as one changed line rather than a missing and an extra one."""
    if expected.step is not None:
        return expected.step == happened.step
    return expected.action is not None and expected.action == happened.action


def align(
    expected: Sequence[ExpectedAction], happened: Sequence[HappenedAction], *, exact: bool
) -> list[DiffLine]:
    """The best pairing of expected entries with happened actions, in order.

    Dynamic programming over both lists (a scenario has tens of actions, not
    thousands): a full match scores most, a near miss (same step, something
    differs) less, so the diff shows "this step, but at +3d" instead of a
    missing line and an extra one whenever it can.
    """
    n, m = len(expected), len(happened)
    diffs = [[differences(e, h) for h in happened] for e in expected]
    score = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if not diffs[i][j]:
                best = max(best, score[i + 1][j + 1] + 3)
            elif _near(expected[i], happened[j]):
                best = max(best, score[i + 1][j + 1] + 1)
            score[i][j] = best
    lines: list[DiffLine] = []
    extra: Sign = "+" if exact else "."
    i = j = 0
    while i < n and j < m:
        if not diffs[i][j] and score[i][j] == score[i + 1][j + 1] + 3:
            lines.append(DiffLine(" ", expected[i], happened[j]))
            i, j = i + 1, j + 1
        elif (
            diffs[i][j]
            and _near(expected[i], happened[j])
            and score[i][j] == score[i + 1][j + 1] + 1
        ):
            lines.append(DiffLine("~", expected[i], happened[j], tuple(diffs[i][j])))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i][j + 1] and (
            score[i][j] != score[i + 1][j] or _earlier(happened[j], expected[i])
        ):
            lines.append(DiffLine(extra, None, happened[j]))
            j += 1
        else:
            lines.append(DiffLine("-", expected[i], None))
            i += 1
    lines.extend(DiffLine("-", entry, None) for entry in expected[i:])
    lines.extend(DiffLine(extra, None, action) for action in happened[j:])
    return lines


def _earlier(happened: HappenedAction, expected: ExpectedAction) -> bool:
    """When either line could come first, keep the listing in time order."""
    return expected.at is not None and happened.at < expected.at
