"""``policies.yaml``: the rules every campaign of a folder shares (a send rate
today; frequency caps and categories build on it).

    policies, problems = load_policies([Path("workflows")])

The file is optional: a folder without one has ``NO_POLICIES``, and flow
behaves as it did before the file existed. Like a campaign, a bad file is
never an exception: each mistake is a Problem at its line and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from interpreter.language.definitions import Location
from interpreter.language.durations import DurationError, parse_duration
from interpreter.language.problems import Problem, has_errors, sort_problems
from interpreter.language.schema_check import check_policies, suggest
from interpreter.language.yaml_source import Document, SourceMap, parse_document, read_file

POLICIES_NAMES = ("policies.yaml", "policies.yml")


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` starts in any ``period``: the k-th start of a key comes
    no earlier than the (k - limit)-th one's plus ``period``."""

    limit: int
    period: timedelta


@dataclass(frozen=True)
class Cap:
    """At most ``limit`` emails to one address in the window ``(now - per, now]``."""

    limit: int
    per: timedelta


@dataclass(frozen=True)
class Category:
    name: str
    caps: tuple[Cap, ...] = ()
    transactional: bool = False
    description: str | None = None


@dataclass(frozen=True)
class Policies:
    send_rate: Rate | None = None
    categories: Mapping[str, Category] = field(default_factory=dict)
    default_category: str | None = None
    source_file: str | None = None  # None: the folder has no policies.yaml

    def category_name(self, named: str | None, campaign: str | None) -> str | None:
        """The name a send's category goes by: the one it names, else its
        campaign's, else the default."""
        return named or campaign or self.default_category

    def category_of(self, named: str | None, campaign: str | None) -> Category | None:
        """A send's category (see ``category_name``); None when the policies
        define no such category (none at all: no caps, no topics)."""
        name = self.category_name(named, campaign)
        return self.categories.get(name) if name is not None else None


NO_POLICIES = Policies()


def is_policies_file(path: Path) -> bool:
    return path.name in POLICIES_NAMES


def policies_file(roots: Iterable[Path]) -> Path | None:
    """The ``policies.yaml`` of the campaigns at ``roots``: in a folder given, or
    beside a campaign file given (so a campaign in ``workflows/`` reads
    ``workflows/policies.yaml``). Campaigns from two folders with two different
    files are refused by ``load_policies``; this returns the first found."""
    found = _candidates(roots)
    return found[0] if found else None


def load_policies(roots: Iterable[Path]) -> tuple[Policies, list[Problem]]:
    """The policies for the campaigns at ``roots`` and the problems of the file."""
    found = _candidates(roots)
    if not found:
        return NO_POLICIES, []
    if len(found) > 1:
        others = ", ".join(str(path) for path in found[1:])
        return NO_POLICIES, [
            Problem(
                str(found[0]),
                1,
                1,
                "conflicting-policies",
                f"campaigns loaded together must share one policies file; also found {others}",
            )
        ]
    return load_policies_file(found[0])


def load_policies_file(path: Path) -> tuple[Policies, list[Problem]]:
    text, problems = read_file(path)
    if text is None:
        return NO_POLICIES, problems
    return policies_from_text(text, str(path))


def policies_from_text(text: str, file: str) -> tuple[Policies, list[Problem]]:
    document, problems = parse_document(text, file)
    if document is None:
        if all(problem.code == "empty-file" for problem in problems):
            return Policies(source_file=file), []  # comments only: no rules yet
        return NO_POLICIES, problems
    problems = check_policies(document.data, document.source)
    if problems:
        return NO_POLICIES, sort_problems(problems)
    policies, problems = _build(document)
    return (NO_POLICIES if has_errors(problems) else policies), sort_problems(problems)


def rate_at(
    data: Any,
    path: tuple[str | int, ...],
    source: SourceMap,
    problems: list[Problem],
    period_key: str = "period",
) -> Rate | None:
    """A ``{limit, period}`` already shaped by a schema, with its values checked:
    ``bad-limit`` below 1, ``bad-duration`` for a period that is not a positive
    duration. Campaign keys of the same shape (a step's ``throttle``) use it too."""
    limit, period_text = data["limit"], data["period"]
    ok = True
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        problems.append(
            Problem.at(
                source.value((*path, "limit")), "bad-limit", f"limit must be 1 or more, not {limit}"
            )
        )
        ok = False
    try:
        period = parse_duration(str(period_text))
    except DurationError as error:
        problems.append(Problem.at(source.value((*path, period_key)), "bad-duration", str(error)))
        ok = False
    return Rate(limit, period) if ok else None


def _build(document: Document) -> tuple[Policies, list[Problem]]:
    problems: list[Problem] = []
    data, source = document.data, document.source
    send_rate = None
    if "send_rate" in data:
        send_rate = rate_at(data["send_rate"], ("send_rate",), source, problems)
    categories = {
        name: _category(name, body, ("categories", name), source, problems)
        for name, body in data.get("categories", {}).items()
    }
    default = data.get("default_category")
    if default is not None and default not in categories:
        problems.append(unknown_category(default, categories, source.value(("default_category",))))
    return Policies(send_rate, categories, default, source.file), problems


def unknown_category(name: str, categories: Mapping[str, Category], where: Location) -> Problem:
    """``unknown-category`` for ``name``, with the closest defined one."""
    if not categories:
        message = f"unknown category {name!r}: policies.yaml defines no categories"
    else:
        message = f"unknown category {name!r}{suggest(name, categories)}"
    return Problem.at(where, "unknown-category", message)


def _category(
    name: str,
    body: Mapping[str, Any],
    path: tuple[str, ...],
    source: SourceMap,
    problems: list[Problem],
) -> Category:
    caps: list[Cap] = []
    for index, cap in enumerate(body.get("caps", [])):
        rate = rate_at(
            {"limit": cap["limit"], "period": cap["per"]},
            (*path, "caps", index),
            source,
            problems,
            period_key="per",
        )
        if rate is not None:
            caps.append(Cap(rate.limit, rate.period))
    return Category(
        name, tuple(caps), bool(body.get("transactional", False)), body.get("description")
    )


def _candidates(roots: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        folder = root if root.is_dir() else root.parent
        for name in POLICIES_NAMES:
            candidate = folder / name
            if candidate.is_file() and candidate.resolve() not in [p.resolve() for p in found]:
                found.append(candidate)
    return found
