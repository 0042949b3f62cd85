"""The step graph of a campaign: one node per step, plus start and end, and the
edges a run can take between them, as the core walks them (``_steps.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from interpreter.language.definitions import (
    END,
    ActionStep,
    CronTrigger,
    Expression,
    ForEachStep,
    Goal,
    SetStep,
    SleepStep,
    SleepUntilStep,
    SplitStep,
    Step,
    SwitchStep,
    WaitForAnyStep,
    WaitForEventStep,
    WaitForWindowStep,
    Workflow,
)
from interpreter.language.durations import format_duration
from interpreter.language.local_time import DAY_NAMES

NodeKind = Literal[
    "start",
    "end",
    "action",
    "sleep",
    "sleep_until",
    "wait_for_event",
    "wait_for_window",
    "for_each",
    "switch",
    "set",
    "split",
    "goal",
]
# flow: to the next step in the list; jump: a `next`; case: a switch case;
# skip: where a step goes when its `if` is false; path: a split's path, labelled
# with its name and share; error: where `on_error` sends a step that failed;
# goal: a conversion that ends the run (``goal.exit``).
EdgeKind = Literal["flow", "jump", "case", "skip", "path", "error", "goal"]

START_ID = "__start__"
END_ID = "__end__"
GOAL_ID = "__goal__"
LABEL_WIDTH = 40
DETAIL_WIDTH = 42  # what fits a node of the SVG at its detail font size


@dataclass(frozen=True)
class Node:
    id: str
    kind: NodeKind
    title: str
    detail: str = ""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind
    label: str = ""


@dataclass(frozen=True)
class Graph:
    campaign: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def position(self, node_id: str) -> int:
        return next(i for i, node in enumerate(self.nodes) if node.id == node_id)


def build_graph(workflow: Workflow) -> Graph:
    steps = workflow.steps
    nodes = [Node(START_ID, "start", "start", _triggers(workflow))]
    nodes += [Node(step.id, step.kind, step.id, _detail(step)) for step in steps]
    nodes.append(Node(END_ID, "end", "end"))
    edges = [Edge(START_ID, steps[0].id if steps else END_ID, "flow", _entry_label(workflow))]
    for index, step in enumerate(steps):
        following = steps[index + 1].id if index + 1 < len(steps) else END_ID
        after = _target(step.next) if step.next is not None else following
        if isinstance(step, SwitchStep):
            edges += _switch_edges(step, following)
        elif isinstance(step, SplitStep):
            edges += _split_edges(step)
        elif isinstance(step, WaitForAnyStep):
            edges += _wait_any_edges(step, after)
        else:
            edges.append(
                Edge(
                    step.id,
                    after,
                    "flow" if step.next is None else "jump",
                    "" if step.next is None else "next",
                )
            )
        if step.if_ is not None:
            edges.append(Edge(step.id, after, "skip", "if false"))
        if step.on_error is not None:
            target = after if step.on_error.next is None else _target(step.on_error.next)
            edges.append(Edge(step.id, target, "error", "on error"))
    goal = workflow.goal
    if goal is not None:
        # Beside the steps rather than between them: a conversion can come at
        # any step, or after the run finished.
        nodes.append(Node(GOAL_ID, "goal", "goal", goal_text(goal)))
        if goal.exit:
            edges.append(Edge(GOAL_ID, END_ID, "goal", "converted"))
    return Graph(workflow.id, tuple(nodes), tuple(edges))


def goal_text(goal: Goal) -> str:
    """``"app/subscription.created, within 1w"``: what converts, and for how long
    after the run finished (its ``if`` would not fit; the YAML has it)."""
    text = goal.event
    if goal.within:
        text += f", within {format_duration(goal.within)}"
    return shorten(text, DETAIL_WIDTH)


def _switch_edges(step: SwitchStep, following: str) -> list[Edge]:
    edges: list[Edge] = []
    for case in step.cases:
        label = "default" if case.if_ is None else shorten(case.if_.source)
        edges.append(Edge(step.id, _target(case.next), "case", label))
        if case.if_ is None:
            return edges  # a default case: the switch never falls through
    # No case matched: the switch goes on like any step (its own `next`, or the list).
    after = _target(step.next) if step.next is not None else following
    edges.append(Edge(step.id, after, "flow", "no match"))
    return edges


def _split_edges(step: SplitStep) -> list[Edge]:
    total = sum(path.weight for path in step.paths)
    return [
        Edge(step.id, _target(path.next), "path", f"{path.name} {share(path.weight, total)}")
        for path in step.paths
    ]


def share(weight: int, total: int) -> str:
    """A weight as a percentage of the split: ``45%``, ``33.3%``."""
    if total <= 0:
        return "0%"
    return f"{round(100 * weight / total, 1):g}%"


def _wait_any_edges(step: WaitForAnyStep, after: str) -> list[Edge]:
    """One edge per entry, labelled with its event (a jump when it has a
    ``next``), then the timeout's edge to the step after."""
    edges = [
        Edge(step.id, _target(entry.next), "jump", shorten(entry.event))
        if entry.next is not None
        else Edge(step.id, after, "flow", shorten(entry.event))
        for entry in step.entries
    ]
    if step.timeout is not None:
        edges.append(Edge(step.id, after, "flow", f"timeout {format_duration(step.timeout)}"))
    return edges


def _target(step_id: str) -> str:
    return END_ID if step_id == END else step_id


def _detail(step: Step) -> str:
    if isinstance(step, ActionStep):
        text = step.action
        if step.throttle is not None:  # "http.request, 5 per 1s"
            text += f", {step.throttle.limit} per {format_duration(step.throttle.period)}"
        if step.when_capped == "defer":  # only the non-default: a capped send that waits
            text += " · defer when capped"
    elif isinstance(step, SleepStep):
        text = f"sleep {format_duration(step.duration)}"
    elif isinstance(step, SleepUntilStep):
        text = "sleep until " + _source(step.until)
    elif isinstance(step, WaitForEventStep):
        timeout = f", timeout {format_duration(step.timeout)}" if step.timeout else ""
        text = f"wait for {step.event}{timeout}"
    elif isinstance(step, WaitForAnyStep):
        timeout = f", timeout {format_duration(step.timeout)}" if step.timeout else ""
        text = f"wait for any of {len(step.entries)} events{timeout}"
    elif isinstance(step, WaitForWindowStep):
        text = f"wait for window {window_text(step)}"
    elif isinstance(step, ForEachStep):
        source = "row" if step.query is not None else "item"
        text = f"for each {source} → {step.event}"
    elif isinstance(step, SetStep):
        text = "set " + ", ".join(name for name, _ in step.values)
    elif isinstance(step, SplitStep):
        text = "split by " + (step.key.source if step.key is not None else "run id")
    else:
        text = "switch"
    if step.if_ is not None:
        text += f" · if {step.if_.source}"
    return shorten(text, DETAIL_WIDTH)


def window_text(step: WaitForWindowStep) -> str:
    """``"mon-fri 09:00-11:30"`` (with en dashes): a window's days, three or more
    days in a row as a range, and its hours."""
    days = sorted(step.days)
    if len(days) == 7:
        day_text = "every day"
    else:
        runs: list[list[int]] = []
        for day in days:
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        day_text = ", ".join(
            f"{DAY_NAMES[run[0]]}\u2013{DAY_NAMES[run[-1]]}"
            if len(run) > 2
            else ", ".join(DAY_NAMES[day] for day in run)
            for run in runs
        )
    if step.opens == step.closes:
        return f"{day_text}, all day"
    return f"{day_text} {step.opens:%H:%M}\u2013{step.closes:%H:%M}"


def _triggers(workflow: Workflow) -> str:
    names = [
        f"cron {trigger.cron}" if isinstance(trigger, CronTrigger) else trigger.event
        for trigger in workflow.triggers
    ]
    return shorten(", ".join(names), DETAIL_WIDTH)


def _entry_label(workflow: Workflow) -> str:
    """How a trigger becomes a run, on the first arrow: the debounce and the
    entry rules beyond one run per key (``idempotency`` alone draws nothing)."""
    parts: list[str] = []
    if workflow.debounce is not None:
        rule = workflow.debounce
        limit = "" if rule.timeout is None else f" \u2264{format_duration(rule.timeout)}"
        parts.append(f"debounce {format_duration(rule.period)}{limit}")
    entry = workflow.entry
    if entry is not None and entry.if_running == "cancel":
        parts.append("replace")
    if entry is not None and entry.reentry_after is not None:
        parts.append(f"re-entry {format_duration(entry.reentry_after)}")
    return shorten("; ".join(parts))


def _source(value: object) -> str:
    if isinstance(value, Expression):
        return value.source
    parts = getattr(value, "parts", None)
    if isinstance(parts, tuple):
        return "".join(p if isinstance(p, str) else "${ " + p.source + " }" for p in parts)
    return str(value)


def shorten(text: str, width: int = LABEL_WIDTH) -> str:
    """One line of at most ``width`` characters: a long condition would swamp the drawing."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
