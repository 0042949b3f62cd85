"""Set aside the parts of a campaign that break the schema, so lint can go on.

A file with ten mistakes should show ten on the first run, not the schema's
three and then, once those are fixed, the other seven. So when the schema
rejects a part, that part is taken out (an optional key, an unknown key) or
stood in for (a step keeps its place in the list, its ``id`` and its ``next``)
and the schema is asked again, until what is left is a shape the builder and
the rules understand. Problems the rules then find inside a part that was set
aside are dropped: that part's shape is unknown, and the schema has spoken.

    usable = usable_document(document)
    if usable is not None:
        ...build and lint usable.document, then usable.keep(rule_problems)
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from interpreter.language.problems import Problem
from interpreter.language.schema_check import is_shape_preserving, workflow_validator
from interpreter.language.yaml_source import Document, JsonPath, SourceMap

# Each round sets aside at least one part, so a document with N broken parts
# settles within N rounds; the bound only guards against a schema surprise.
_MAX_ROUNDS = 64
_STEP_ID = re.compile(r"^[a-z_][a-z0-9_]*$")
# Rules about the whole step graph cannot be trusted once a step is a stand-in:
# a broken switch's targets look unreachable, a broken wait looks like a busy loop.
_WHOLE_GRAPH_CODES = frozenset({"unreachable-step", "busy-cycle"})
# A name list set aside makes every use of its names look unknown; those echoes
# of the one schema mistake are not reported again.
_NAME_LISTS = {"secrets": "secret ", "vars": "vars."}


@dataclass(frozen=True)
class UsableDocument:
    document: Document
    # Line ranges (first, last) of the parts set aside.
    set_aside: tuple[tuple[int, int], ...] = ()
    replaced_steps: bool = False
    # Beginnings of cel-unknown-name messages that only echo a part set aside.
    echoes: tuple[str, ...] = ()

    def keep(self, problems: Iterable[Problem]) -> list[Problem]:
        """The rule problems that stand outside every part set aside."""
        return [
            problem
            for problem in problems
            if not any(first <= problem.line <= last for first, last in self.set_aside)
            and not (self.replaced_steps and problem.code in _WHOLE_GRAPH_CODES)
            and not (problem.code == "cel-unknown-name" and problem.message.startswith(self.echoes))
        ]


@dataclass
class _Repair:
    data: dict[str, Any]
    source: SourceMap
    aside: list[tuple[int, int]] = field(default_factory=list)
    replaced_steps: bool = False
    echoes: list[str] = field(default_factory=list)

    def set_aside(self, path: JsonPath) -> None:
        self.aside.append(_lines_of(self.source, path))

    def fix(self, path: JsonPath, validator: str, instance: Any, schema: Any) -> bool:
        """Take out or stand in for the part at ``path``; False when the campaign's
        own frame (``steps`` itself, the top level) is what is broken."""
        if not path:
            return self._fix_top(validator, instance, schema)
        head = path[0]
        if head == "steps":
            return self._fix_step(path, validator, instance, schema)
        if head == "id":
            self.set_aside(("id",))
            self.data["id"] = "campaign"
            return True
        if head == "on":
            # The trigger's CEL and cron rules need a trigger; a plain one stands in.
            self.set_aside(("on",))
            self.data["on"] = {"event": "flow/unknown"}
            return True
        self.set_aside((head,))
        self.data.pop(str(head), None)
        if head in _NAME_LISTS:
            self.echoes.append(_NAME_LISTS[str(head)])
        return True

    def _fix_top(self, validator: str, instance: Any, schema: Any) -> bool:
        if validator == "additionalProperties" and isinstance(instance, dict):
            for key in [k for k in instance if k not in schema.get("properties", {})]:
                self.set_aside((key,))
                del self.data[key]
            return True
        if validator == "required":
            missing = [k for k in ("id", "on") if k not in self.data]
            self.data.setdefault("id", "campaign")
            self.data.setdefault("on", {"event": "flow/unknown"})
            return bool(missing) and "steps" in self.data
        return False

    def _fix_step(self, path: JsonPath, validator: str, instance: Any, schema: Any) -> bool:
        steps = self.data.get("steps")
        if len(path) < 2 or not isinstance(steps, list) or not isinstance(path[1], int):
            return False
        index = path[1]
        step = steps[index]
        if len(path) == 2 and validator == "additionalProperties" and isinstance(step, dict):
            # A misspelt key: the rest of the step is still what the author meant.
            for key in [k for k in step if k not in schema.get("properties", {})]:
                self.set_aside((*path, key))
                del step[key]
            return True
        self.set_aside(path)
        steps[index] = _stand_in(step, index)
        original = step.get("id") if isinstance(step, dict) else None
        if isinstance(original, str) and original != steps[index]["id"]:
            self.echoes.append(f"there is no step {original!r}")
        self.replaced_steps = True
        return True


def usable_document(document: Document) -> UsableDocument | None:
    """``document`` with its schema-breaking parts set aside, or None when what is
    broken is the frame every rule needs (``steps`` itself)."""
    repair = _Repair(copy.deepcopy(document.data), document.source)
    for _ in range(_MAX_ROUNDS):
        errors = [
            error
            for error in workflow_validator().iter_errors(repair.data)
            if not is_shape_preserving(error)
        ]
        if not errors:
            return UsableDocument(
                Document(repair.data, document.source),
                tuple(repair.aside),
                repair.replaced_steps,
                tuple(repair.echoes),
            )
        # The deepest error first: fixing it may settle its parents' errors too,
        # and a parent set aside first would hide where the child went wrong.
        error = max(errors, key=lambda e: len(e.absolute_path))
        schema = error.schema if isinstance(error.schema, dict) else {}
        if not repair.fix(tuple(error.absolute_path), error.validator, error.instance, schema):
            return None
    return None


def _stand_in(step: Any, index: int) -> dict[str, Any]:
    """A step the schema accepts in place of a broken one: it keeps its id, so
    jumps to it are not unknown targets, and its ``next``, so what follows stays
    reachable; a one-second sleep does nothing a rule could object to."""
    original = step if isinstance(step, dict) else {}
    step_id = original.get("id")
    stand_in: dict[str, Any] = {
        "id": step_id
        if isinstance(step_id, str) and _STEP_ID.match(step_id)
        else f"_step_{index + 1}",
        "sleep": "1s",
    }
    target = original.get("next")
    if isinstance(target, str) and _STEP_ID.match(target):
        stand_in["next"] = target
    return stand_in


def _lines_of(source: SourceMap, path: JsonPath) -> tuple[int, int]:
    """The first and last line the part at ``path`` takes in the file."""
    size = len(path)
    lines = [
        location.line
        for table in (source.keys, source.values)
        for at, location in table.items()
        if at[:size] == path
    ]
    lines.extend(
        source.location_at_index(max(scalar.end - 1, scalar.start)).line
        for at, scalar in source.scalars.items()
        if at[:size] == path
    )
    return (min(lines), max(lines)) if lines else (0, -1)
