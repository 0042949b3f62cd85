"""Load ``*.test.yaml`` scenarios: YAML text to a frozen ``Scenario`` plus every problem.

    scenario, problems = load_scenario("workflows/signup-drip.click.test.yaml")

A scenario is read with the same YAML reader and schema translation as a
campaign, so a mistake is a ``Problem`` at the file, line and column to fix.
Nothing here runs the campaign; ``interpreter.daemon.scenarios`` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

# jsonschema ships no type information and types-jsonschema is not a dev dependency yet.
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs

from interpreter.language.definitions import Location, Template
from interpreter.language.durations import DurationError, format_duration, parse_duration
from interpreter.language.problems import Problem, sort_problems
from interpreter.language.schema_check import SCHEMA_DIR
from interpreter.language.schema_check import _explain as explain_schema_error
from interpreter.language.templating import locate, split_template
from interpreter.language.values import JSON
from interpreter.language.yaml_source import Document, JsonPath, parse_document, read_file

SCENARIO_SCHEMA = SCHEMA_DIR / "scenario.schema.json"
SCENARIO_SUFFIXES = (".test.yaml", ".test.yml")
# A fixed default start keeps every run of a scenario identical, weekday included.
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Mock:
    """A step's fixed outcome: ``output``, or an error when ``error_message`` is set."""

    step: str
    output: JSON = None
    error_message: str | None = None
    retryable: bool = False
    location: Location | None = None


@dataclass(frozen=True)
class ScenarioEvent:
    at: timedelta
    name: str
    data: Template  # JSON where strings holding ``${ }`` are Interpolations
    id: str | None
    location: Location


@dataclass(frozen=True)
class ExpectedAction:
    """One entry of ``expect.actions``; ``None`` fields are not compared."""

    location: Location
    step: str | None = None
    action: str | None = None
    at: timedelta | None = None
    with_: JSON = None
    output: JSON = None
    error: JSON = None
    attempt: int | None = None
    campaign: str | None = None  # in a scenario of several campaigns: whose step
    given: frozenset[str] = frozenset()  # the keys the author wrote, so `output: null` counts

    def describe(self) -> str:
        """The entry as the author wrote it, in one line."""
        parts = []
        for key in ("campaign", "step", "action", "at", "with", "output", "error", "attempt"):
            if key in self.given:
                value = self.with_ if key == "with" else getattr(self, key)
                parts.append(f"{key}={_short(value)}")
        return " ".join(parts)


@dataclass(frozen=True)
class Expectations:
    actions: tuple[ExpectedAction, ...] | None = None  # None: actions are not checked
    exact: bool = True
    runs: tuple[tuple[str, int], ...] = ()
    runs_location: Location | None = None
    conversions: int | None = None  # None: conversions are not checked


@dataclass(frozen=True)
class Scenario:
    file: str
    name: str
    workflow: Path  # resolved against the scenario file's folder (the first of ``workflows``)
    workflow_location: Location
    # Every campaign loaded (``workflows:``, or the one ``workflow:``), with where each is named.
    workflows: tuple[Path, ...] = ()
    workflow_locations: tuple[Location, ...] = ()
    start: datetime = DEFAULT_START
    secrets: tuple[tuple[str, str], ...] = ()
    secret_locations: tuple[Location, ...] = ()  # one per secret, in the same order
    mocks: tuple[Mock, ...] = ()
    # On the suppression list at the start: (address, category or None for all).
    suppressions: tuple[tuple[str, str | None], ...] = ()
    events: tuple[ScenarioEvent, ...] = ()
    # How long the campaigns' cron ticks are played from ``start``; None: no tick.
    until: timedelta | None = None
    expect: Expectations = field(default_factory=Expectations)
    description: str | None = None


def scenario_name(path: Path) -> str:
    name = path.name
    for suffix in SCENARIO_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def scenario_files(path: Path) -> list[Path]:
    """``path`` itself if a file, else every ``*.test.yaml`` below it (hidden folders skipped)."""
    if path.is_file():
        return [path]
    return sorted(
        candidate
        for candidate in path.rglob("*.test.y*ml")
        if candidate.name.endswith(SCENARIO_SUFFIXES)
        and candidate.is_file()
        and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
    )


def load_scenario(path: Path | str) -> tuple[Scenario | None, list[Problem]]:
    path = Path(path)
    text, problems = read_file(path)
    if text is None:
        return None, problems
    return load_scenario_text(text, str(path), base_dir=path.parent)


def load_scenario_text(
    text: str, file: str, base_dir: Path = Path(".")
) -> tuple[Scenario | None, list[Problem]]:
    """Check and build a scenario; ``None`` with the problems when any is found."""
    document, problems = parse_document(text, file)
    if document is None:
        return None, [_in_scenario_words(problem) for problem in problems]
    problems = [
        _in_scenario_words(problem)
        for error in _validator().iter_errors(document.data)
        for problem in explain_schema_error(
            error, tuple(error.absolute_path), document.source, "schema"
        )
    ]
    if problems:
        return None, sort_problems(problems)
    builder = _ScenarioBuilder(document, base_dir)
    scenario = builder.build()
    if builder.problems:
        return None, sort_problems(builder.problems)
    return scenario, []


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCENARIO_SCHEMA.read_text(encoding="utf-8")))


def _in_scenario_words(problem: Problem) -> Problem:
    # The YAML reader and the schema translation were written for campaigns.
    message = problem.message.replace("the campaign", "the scenario")
    if problem.code == "root-not-mapping":
        message = "a scenario file must be a mapping of keys such as workflow, events and expect"
    elif problem.code == "empty-file":
        message = "the file holds no scenario"
    return Problem(
        problem.file, problem.line, problem.column, problem.code, message, problem.severity
    )


class _ScenarioBuilder:
    def __init__(self, document: Document, base_dir: Path) -> None:
        self.data = document.data
        self.source = document.source
        self.base_dir = base_dir
        self.problems: list[Problem] = []

    def build(self) -> Scenario:
        data = self.data
        file = self.source.file
        events = [self._event(item, ("events", i)) for i, item in enumerate(data.get("events", []))]
        until = None if "until" not in data else self._duration(data["until"], ("until",))
        for index, event in enumerate(events):
            if until is not None and event.at >= until:
                self._problem(
                    ("events", index, "at"),
                    "event-after-until",
                    f"+{format_duration(event.at)} is not before until "
                    f"({format_duration(until)}); the scenario stops playing there",
                )
        if "workflows" in data:
            paths = [self.base_dir / name for name in data["workflows"]]
            where = [self.source.value(("workflows", i)) for i in range(len(paths))]
        else:
            paths, where = [self.base_dir / data["workflow"]], [self.source.value(("workflow",))]
        return Scenario(
            file=file,
            name=scenario_name(Path(file)),
            workflow=paths[0],
            workflow_location=where[0],
            workflows=tuple(paths),
            workflow_locations=tuple(where),
            start=self._start(data.get("start")),
            secrets=tuple(data.get("secrets", {}).items()),
            secret_locations=tuple(
                self.source.key(("secrets", name)) for name in data.get("secrets", {})
            ),
            mocks=tuple(self._mock(step, value) for step, value in data.get("mocks", {}).items()),
            suppressions=tuple(
                (item["address"], item.get("category")) for item in data.get("suppressions", [])
            ),
            # Stable: events given at the same offset keep the order they are written in.
            events=tuple(sorted(events, key=lambda event: event.at)),
            until=until,
            expect=self._expect(data.get("expect", {})),
            description=data.get("description"),
        )

    def _start(self, value: str | None) -> datetime:
        if value is None:
            return DEFAULT_START
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self._problem(
                ("start",),
                "bad-start",
                f"{value!r} is not an RFC 3339 moment with a zone, such as 2026-01-05T09:00:00Z",
            )
            return DEFAULT_START
        return moment.astimezone(UTC)

    def _duration(self, value: str, path: JsonPath) -> timedelta:
        try:
            return parse_duration(value, allow_zero=True)
        except DurationError as error:
            self._problem(path, "bad-duration", str(error))
            return timedelta(0)

    def _mock(self, step: str, value: dict[str, Any]) -> Mock:
        location = self.source.key(("mocks", step))
        error = value.get("error")
        if error is None:
            return Mock(step, output=value.get("output"), location=location)
        return Mock(
            step,
            error_message=error["message"],
            retryable=bool(error.get("retryable", False)),
            location=location,
        )

    def _event(self, item: dict[str, Any], path: JsonPath) -> ScenarioEvent:
        return ScenarioEvent(
            at=self._duration(item["at"], (*path, "at")),
            name=item["name"],
            data=self._data(item.get("data", {}), (*path, "data")),
            id=item.get("id"),
            location=self.source.key(path),
        )

    def _data(self, value: Any, path: JsonPath) -> Template:
        """Strings holding ``${ }`` become Interpolations, exactly as in a campaign's ``with``."""
        if isinstance(value, str):
            start = self.source.value(path)
            positions = self.source.character_positions(path, value)
            result, errors = split_template(value, start, positions)
            for error in errors:
                where = locate(start, positions, error.offset)
                self.problems.append(Problem.at(where, "template-syntax", error.message))
            return result
        if isinstance(value, dict):
            return {key: self._data(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self._data(item, (*path, i)) for i, item in enumerate(value)]
        return value

    def _expect(self, value: dict[str, Any]) -> Expectations:
        actions = value.get("actions")
        runs = value.get("runs", {})
        return Expectations(
            actions=None
            if actions is None
            else tuple(
                self._expected(item, ("expect", "actions", i)) for i, item in enumerate(actions)
            ),
            exact=value.get("exact", True),
            runs=tuple(runs.items()),
            runs_location=self.source.key(("expect", "runs")) if runs else None,
            conversions=value.get("conversions"),
        )

    def _expected(self, item: dict[str, Any], path: JsonPath) -> ExpectedAction:
        at = item.get("at")
        return ExpectedAction(
            location=self.source.value(path),
            step=item.get("step"),
            action=item.get("action"),
            at=None if at is None else self._duration(at, (*path, "at")),
            with_=item.get("with"),
            output=item.get("output"),
            error=item.get("error"),
            attempt=item.get("attempt"),
            campaign=item.get("campaign"),
            given=frozenset(item),
        )

    def _problem(self, path: JsonPath, code: str, message: str) -> None:
        self.problems.append(Problem.at(self.source.value(path), code, message))


def _short(value: JSON) -> str:
    if isinstance(value, timedelta):
        return f"+{format_duration(value)}"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), default=str)
