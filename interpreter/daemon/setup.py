"""Putting an engine together from what a command line names: a database URL,
campaign files, secrets and a clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from interpreter.actions.base import Action
from interpreter.daemon import heap
from interpreter.daemon.campaigns import Campaigns
from interpreter.daemon.clock import Clock, RealClock
from interpreter.daemon.email_setup import configured_actions
from interpreter.daemon.engine import DEFAULT_BATCH, DEFAULT_LEASE_SECONDS, Engine
from interpreter.daemon.secrets import gather
from interpreter.errors import DefinitionError, NoSuchPath
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_paths
from interpreter.language.problems import Problem, has_errors, sort_problems
from interpreter.store.database import open_store


class CampaignErrors(DefinitionError):
    """A campaign has lint errors."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{sum(p.is_error for p in problems)} lint error(s)")
        self.problems = list(problems)


def load_campaigns(paths: Iterable[Path]) -> list[Workflow]:
    """Every campaign at ``paths`` (files, or folders of YAML), or CampaignErrors."""
    paths = list(paths)
    for path in paths:
        if not path.exists():
            raise NoSuchPath(path)
    workflows, problems = load_paths(paths)
    if has_errors(problems):
        raise CampaignErrors(sort_problems(p for p in problems if p.is_error))
    return workflows


def open_engine(
    workflows: Sequence[Workflow],
    *,
    db_url: str | None = None,
    secrets: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    data_dir: Path = Path(".flow"),
    actions: Mapping[str, Action] | None = None,
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
    batch: int = DEFAULT_BATCH,
    secret_names: Iterable[str] = (),
    deliver: bool = True,
) -> Engine:
    """``secret_names``: more secrets to read than ``workflows`` declare (those
    of a run's pinned definition, when retrying it). ``actions``: by default
    the built-in ones, sending email as the environment configures it
    (``interpreter.daemon.email_setup``), or to the outbox when ``deliver`` is
    false."""
    store = open_store(db_url)
    if actions is None:
        try:
            actions = configured_actions(store, deliver=deliver)
        except BaseException:
            store.close()
            raise
    names = {name for workflow in workflows for name in workflow.secrets} | set(secret_names)
    heap.settle()  # the campaigns are loaded and the store is open: start-up is done
    return Engine(
        store,
        Campaigns(store, workflows),
        clock or RealClock(),
        secrets=gather(names, secrets or {}),
        data_dir=data_dir,
        actions=actions,
        lease_seconds=lease_seconds,
        batch=batch,
    )
