"""A JUnit XML report of a ``flow test`` session, the format CI systems read."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from interpreter.daemon.scenarios.report import failure_report
from interpreter.daemon.scenarios.runner import ScenarioResult


@dataclass(frozen=True)
class TimedResult:
    result: ScenarioResult
    seconds: float  # wall-clock time the scenario took to play


def junit_xml(results: Sequence[TimedResult], suite: str = "flow test") -> ElementTree.ElementTree:
    failures = sum(not timed.result.passed for timed in results)
    total = sum(timed.seconds for timed in results)
    root = ElementTree.Element(
        "testsuites",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        time=f"{total:.3f}",
    )
    element = ElementTree.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{total:.3f}",
    )
    for timed in results:
        scenario = timed.result.scenario
        case = ElementTree.SubElement(
            element,
            "testcase",
            name=scenario.name,
            classname=_classname(scenario.workflow),
            file=scenario.file,
            time=f"{timed.seconds:.3f}",
        )
        if not timed.result.passed:
            lines = failure_report(timed.result)
            failure = ElementTree.SubElement(
                case, "failure", message=_first_reason(timed.result), type="ScenarioFailed"
            )
            failure.text = "\n".join(line.text for line in lines)
    ElementTree.indent(root)
    return ElementTree.ElementTree(root)


def write_junit(results: Sequence[TimedResult], path: Path) -> None:
    junit_xml(results).write(path, encoding="utf-8", xml_declaration=True)


def _classname(workflow: Path) -> str:
    # CI systems group test cases by class name: here, by the campaign file.
    return workflow.name.removesuffix(".yaml").removesuffix(".yml")


def _first_reason(result: ScenarioResult) -> str:
    if result.error is not None:
        return result.error
    verdict = result.verdict
    wrong = [line for line in verdict.lines if line.sign in ("-", "+", "~")]
    if wrong:
        return f"{len(wrong)} action(s) differ from the expected ones"
    return "run counts differ from the expected ones"
