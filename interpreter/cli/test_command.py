"""``flow test``: play campaign scenarios (``*.test.yaml``) on a virtual clock."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import click

from interpreter.cli.edge import at_the_edge
from interpreter.cli.output import colour_enabled, paint
from interpreter.daemon.scenarios.junit import TimedResult, write_junit
from interpreter.daemon.scenarios.report import LineKind, failure_report
from interpreter.daemon.scenarios.runner import run_scenario
from interpreter.errors import NoSuchPath, UsageError
from interpreter.language.definitions import Workflow
from interpreter.language.loader import load_workflow
from interpreter.language.policies import load_policies
from interpreter.language.problems import Problem, has_errors, sort_problems
from interpreter.language.scenario import Scenario, load_scenario, scenario_files
from interpreter.language.scenario_checks import check_against

DEFAULT_PATH = Path("workflows")
_COLOURS: dict[LineKind, str | None] = {
    "same": None,
    "allowed": "bright_black",
    "note": "bright_black",
    "missing": "red",
    "extra": "green",
    "changed": "yellow",
    "error": "red",
}


def run_tests(paths: Sequence[Path], junit: Path | None, stdout: IO[str], stderr: IO[str]) -> int:
    """Check, play and judge every scenario at ``paths``; the exit code:
    0 all passed, 1 a scenario failed, 2 an invalid scenario or a usage error."""
    files = _files(paths)
    if junit is not None and not junit.parent.is_dir():
        # Before the scenarios play, not after: a mistyped report folder costs no wait.
        raise NoSuchPath(junit.parent, where="--format junit")
    loaded, problems = _load(files)
    if has_errors(problems):
        for problem in sort_problems(problems):
            stdout.write(problem.as_text() + "\n")
        invalid = len({problem.file for problem in problems if problem.is_error})
        stderr.write(f"flow: {invalid} invalid file{'s' * (invalid != 1)}; no scenario was run\n")
        return 2
    colour = colour_enabled(stdout)
    results: list[TimedResult] = []
    for scenario, workflow in loaded:
        began = time.perf_counter()
        result = run_scenario(scenario, workflow)
        results.append(TimedResult(result, time.perf_counter() - began))
        if result.passed:
            stdout.write(f"{paint('PASS', 'green', enabled=colour)} {scenario.name}\n")
            continue
        stdout.write(f"{paint('FAIL', 'red', enabled=colour)} {scenario.name}  ({scenario.file})\n")
        for line in failure_report(result):
            stdout.write(paint(f"    {line.text}", _COLOURS[line.kind], enabled=colour) + "\n")
    if junit is not None:
        try:
            write_junit(results, junit)
        except FileNotFoundError:
            raise NoSuchPath(junit.parent, where="--format junit") from None
        except OSError as error:
            raise UsageError(
                f"--format junit: cannot write {junit}: {error.strerror or error}"
            ) from None
    failed = sum(not timed.result.passed for timed in results)
    stdout.write(f"{len(results) - failed} passed, {failed} failed\n")
    return 1 if failed else 0


def _files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise NoSuchPath(path)
        files.extend(scenario_files(path))
    if not files:
        where = ", ".join(str(path) for path in paths)
        raise UsageError(f"test: no *.test.yaml scenario under {where}")
    return list(dict.fromkeys(files))


def _load(
    files: Sequence[Path],
) -> tuple[list[tuple[Scenario, list[Workflow]]], list[Problem]]:
    """Every scenario with its campaigns; a campaign used by several is loaded once,
    and so is the ``policies.yaml`` beside them."""
    loaded: list[tuple[Scenario, list[Workflow]]] = []
    problems: list[Problem] = []
    campaigns: dict[Path, tuple[Workflow | None, list[Problem]]] = {}
    policy_problems: set[Problem] = set()
    for file in files:
        scenario, found = load_scenario(file)
        problems.extend(found)
        if scenario is None:
            continue
        workflows: list[Workflow] = []
        for path, where in zip(scenario.workflows, scenario.workflow_locations, strict=True):
            if not path.is_file():
                problems.append(Problem.at(where, "unknown-workflow", f"no campaign file {path}"))
                continue
            key = path.resolve()
            if key not in campaigns:
                campaigns[key] = load_workflow(path)
                # The campaign's own errors, once, where lint would put them.
                problems.extend(p for p in campaigns[key][1] if p.is_error)
            workflow = campaigns[key][0]
            if workflow is not None:
                workflows.append(workflow)
        if len(workflows) != len(scenario.workflows):
            continue
        _, policies_found = load_policies(scenario.workflows)
        for problem in policies_found:
            if problem.is_error and problem not in policy_problems:
                policy_problems.add(problem)
                problems.append(problem)
        mistakes = check_against(scenario, workflows)
        problems.extend(mistakes)
        if not mistakes and not any(p.is_error for p in policies_found):
            loaded.append((scenario, workflows))
    return loaded, problems


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "report",
    type=(click.Choice(["junit"]), click.Path(path_type=Path)),
    default=None,
    metavar="junit FILE",
    help="Also write a JUnit XML report to FILE, for CI systems.",
)
@at_the_edge
def test(paths: tuple[Path, ...], report: tuple[str, Path] | None) -> int:
    """Play campaign scenarios on a virtual clock and check what happened.

    PATHS are scenario files or folders (every *.test.yaml below them); the
    default is workflows/. Each scenario sends its events at their moments to
    a throwaway database (with `until: 3w`, also plays its campaigns' cron
    ticks for three weeks) and expects actions at theirs; days pass in
    milliseconds. Prints PASS or FAIL per scenario, a diff of expected against
    actual actions for each failure, and last `N passed, N failed`.

    Exit status: 0 when every scenario passes, 1 when one fails, 2 for an
    invalid scenario (FILE:LINE:COL errors, as in lint) or a usage error.

    \b
    Examples:
      flow test
      flow test workflows/signup-drip.click.test.yaml
      flow test workflows/weekly-newsletter.mondays.test.yaml
      flow test --format junit flow-test.xml
    """
    junit = report[1] if report is not None else None
    return run_tests(list(paths) or [DEFAULT_PATH], junit, sys.stdout, sys.stderr)
