"""A lint problem is a value: what is wrong, where, and how bad.

Rules yield ``Problem`` values; only the CLI edge turns them into text, JSON or
GitHub annotations and an exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

from interpreter.language.definitions import Location

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing the campaign author must fix (error) or should look at (warning).

    ``line`` and ``column`` are 1-based and point at the offending key, value, or
    character inside a CEL expression.
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = "error"

    @classmethod
    def at(
        cls, location: Location, code: str, message: str, severity: Severity = "error"
    ) -> Problem:
        return cls(location.file, location.line, location.column, code, message, severity)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_text(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code} {self.message}"

    def as_github(self) -> str:
        # Workflow commands treat "%", CR and LF specially in both properties and message.
        def escape(text: str) -> str:
            return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

        def escape_property(text: str) -> str:
            return escape(text).replace(":", "%3A").replace(",", "%2C")

        return (
            f"::{self.severity} file={escape_property(self.file)},line={self.line},"
            f"col={self.column},title={escape_property(self.code)}::{escape(self.message)}"
        )


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(problem.is_error for problem in problems)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """File order first, then position, so output reads top to bottom; duplicates dropped."""
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.column, p.code, p.message))


def as_json(problems: Iterable[Problem]) -> str:
    records = [{key: value for key, value in asdict(problem).items()} for problem in problems]
    ordered = [
        {k: record[k] for k in ("file", "line", "column", "severity", "code", "message")}
        for record in records
    ]
    return json.dumps(ordered, indent=2)
