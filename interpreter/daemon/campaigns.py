"""The campaigns an engine knows: the current definitions (which start new runs)
and every pinned definition a run in the database started with."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from interpreter.daemon.clock import RealClock
from interpreter.errors import DefinitionError
from interpreter.language.definitions import EventTrigger, Workflow
from interpreter.language.loader import load_workflow_text
from interpreter.language.policies import Policies, load_policies
from interpreter.store import Definition, Store, Transaction


class Campaigns:
    """``policies`` are those of the folder the current campaigns were loaded from
    (``policies.yaml`` beside them; lint has checked it), so a reload that gives
    new campaigns gives their policies with them."""

    def __init__(
        self, store: Store, current: Iterable[Workflow] = (), policies: Policies | None = None
    ) -> None:
        current = list(current)
        if policies is None:
            policies, _ = load_policies(
                Path(workflow.source_file) for workflow in current if workflow.source_file
            )
        self.policies = policies
        self._store = store
        self._by_hash: dict[str, Workflow] = {}
        self._current: dict[str, Workflow] = {}
        self._by_event: dict[str, list[Workflow]] = {}
        for workflow in current:
            self.add(workflow)

    def add(self, workflow: Workflow) -> None:
        """Make ``workflow`` the current definition of its campaign and pin its
        snapshot (YAML and templates) in the store for the runs it will start."""
        with self._store.transaction() as tx:
            snapshot = Definition(
                workflow.content_hash,
                workflow.id,
                workflow.source_file,
                workflow.source_text,
                dict(workflow.files),
            )
            tx.save_definition(snapshot, RealClock().now())
        self._by_hash[workflow.content_hash] = workflow
        self._current[workflow.id] = workflow
        self._by_event = {}
        for current in self._current.values():
            for trigger in current.triggers:
                if isinstance(trigger, EventTrigger):
                    self._by_event.setdefault(trigger.event, []).append(current)

    @property
    def debounced(self) -> bool:
        """Whether a current campaign debounces its trigger events."""
        return any(workflow.debounce is not None for workflow in self._current.values())

    def current(self) -> list[Workflow]:
        return list(self._current.values())

    def triggered_by(self, event_name: str) -> list[Workflow]:
        return self._by_event.get(event_name, [])

    def named(self, workflow_id: str) -> Workflow | None:
        """The current definition of a campaign, if it is loaded."""
        return self._current.get(workflow_id)

    def pinned(self, content_hash: str, tx: Transaction | None = None) -> Workflow:
        """The exact definition a run started with, loaded from its snapshot
        (read in ``tx`` when the caller is inside a transaction)."""
        workflow = self._by_hash.get(content_hash)
        if workflow is None:
            reader = self._store if tx is None else tx
            stored = reader.load_definition(content_hash)
            workflow, problems = load_workflow_text(
                stored.source_text,
                stored.source_file,
                files=stored.files,
                base_dir=Path(stored.source_file).parent,
            )
            if workflow is None:
                first = problems[0] if problems else None
                raise DefinitionError(
                    f"stored definition {content_hash[:12]} no longer loads"
                    + (f": {first.message}" if first else "")
                )
            self._by_hash[content_hash] = workflow
        return workflow
