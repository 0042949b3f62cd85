"""The campaign's steps as a graph: which step can follow which.

A step goes on to its ``next``, or to the following step in the list. A
``switch`` may also jump to any case's target; it falls through only when it
has no default case. A ``split`` goes to one of its paths' targets, never
through. A ``wait_for_event`` with ``any`` may jump to any entry's ``next``, and
goes on as usual on a timeout or an entry without one. A step with ``on_error``
may also go where that sends it. A step skipped by its ``if`` goes on the way it
would have after running.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from interpreter.language.definitions import END, SplitStep, SwitchStep, WaitForAnyStep, Workflow
from interpreter.language.yaml_source import JsonPath


@dataclass(frozen=True)
class Jump:
    """One way from a step to another; ``path`` is the ``next`` that says so, if any."""

    source: int
    target: int
    path: JsonPath | None


class StepGraph:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.index: dict[str, int] = {}
        for i, step in enumerate(workflow.steps):
            self.index.setdefault(step.id, i)

    def jumps_from(self, i: int) -> Iterator[Jump]:
        step = self.workflow.steps[i]
        falls_through = True
        if isinstance(step, SwitchStep):
            for k, case in enumerate(step.cases):
                if case.next in self.index:
                    yield Jump(i, self.index[case.next], ("steps", i, "switch", k, "next"))
                if case.if_ is None:
                    falls_through = False
        if isinstance(step, SplitStep):
            falls_through = False  # every path names its step
            for k, path in enumerate(step.paths):
                if path.next in self.index:
                    yield Jump(i, self.index[path.next], ("steps", i, "split", "paths", k, "next"))
        if step.on_error is not None and step.on_error.next is not None:
            if step.on_error.next in self.index:
                yield Jump(i, self.index[step.on_error.next], ("steps", i, "on_error", "next"))
        elif step.on_error is not None:
            falls_through = True  # `continue`: a failed step goes on as if it had run
        if isinstance(step, WaitForAnyStep):
            where = ("steps", i, "wait_for_event", "any")
            for k, entry in enumerate(step.entries):
                if entry.next is not None and entry.next in self.index:
                    yield Jump(i, self.index[entry.next], (*where, k, "next"))
        if not falls_through and step.if_ is None:
            return
        if step.next is not None:
            if step.next in self.index:
                yield Jump(i, self.index[step.next], ("steps", i, "next"))
        elif step.next != END and i + 1 < len(self.workflow.steps):
            yield Jump(i, i + 1, None)

    @cached_property
    def jumps(self) -> dict[int, list[Jump]]:
        return {i: list(self.jumps_from(i)) for i in range(len(self.workflow.steps))}

    @cached_property
    def reachable(self) -> set[int]:
        """Steps some run can enter, starting from the first."""
        seen: set[int] = set()
        todo = [0] if self.workflow.steps else []
        while todo:
            i = todo.pop()
            if i not in seen:
                seen.add(i)
                todo.extend(jump.target for jump in self.jumps[i])
        return seen

    @cached_property
    def ran_before(self) -> dict[int, set[int]]:
        """For each step, the steps that may have run before it is entered."""
        before: dict[int, set[int]] = {i: set() for i in range(len(self.workflow.steps))}
        for start in self.reachable:
            seen: set[int] = set()
            todo = [jump.target for jump in self.jumps[start]]
            while todo:
                i = todo.pop()
                if i not in seen:
                    seen.add(i)
                    before[i].add(start)
                    todo.extend(jump.target for jump in self.jumps[i])
        return before

    def loops(self, passable: set[int]) -> list[list[int]]:
        """Strongly connected groups of steps, within ``passable``, that form a loop."""
        index_of: dict[int, int] = {}
        low: dict[int, int] = {}
        stack: list[int] = []
        on_stack: set[int] = set()
        groups: list[list[int]] = []
        counter = 0

        def visit(v: int) -> None:  # Tarjan; campaigns are small, so recursion depth is fine
            nonlocal counter
            index_of[v] = low[v] = counter
            counter += 1
            stack.append(v)
            on_stack.add(v)
            for jump in self.jumps[v]:
                w = jump.target
                if w not in passable:
                    continue
                if w not in index_of:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on_stack:
                    low[v] = min(low[v], index_of[w])
            if low[v] == index_of[v]:
                group: list[int] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.append(w)
                    if w == v:
                        break
                self_loop = any(j.target == v for j in self.jumps[v])
                if len(group) > 1 or self_loop:
                    groups.append(sorted(group))

        for v in sorted(passable):
            if v not in index_of:
                visit(v)
        return groups
