"""Load campaigns: YAML text to a frozen ``Workflow`` plus every problem found.

    workflow, problems = load_workflow("workflows/signup-drip.yaml")

``workflow`` is None when any problem is an error; warnings come with a
workflow. Nothing here raises for a bad campaign: every mistake is a Problem.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from interpreter.language.building import build_workflow
from interpreter.language.definitions import Workflow
from interpreter.language.lint import LintContext, run_rules
from interpreter.language.lint.action_rules import is_inside_folder, template_paths
from interpreter.language.policies import Policies, is_policies_file, load_policies
from interpreter.language.problems import Problem, has_errors, sort_problems
from interpreter.language.schema_check import check_workflow
from interpreter.language.schema_repair import usable_document
from interpreter.language.yaml_source import (
    MAX_FILE_BYTES,
    Document,
    decode_source,
    parse_document,
    read_file,
)

CAMPAIGN_SUFFIXES = (".yaml", ".yml")


def load_workflow(
    path: Path | str, policies: Policies | None = None
) -> tuple[Workflow | None, list[Problem]]:
    """Read, check and build the campaign in ``path``; its templates are read beside it.
    With ``policies`` (its folder's), the categories it names are checked too."""
    path = Path(path)
    text, problems = read_file(path)
    if text is None:
        return None, problems
    return load_workflow_text(text, str(path), base_dir=path.parent, policies=policies)


def load_workflow_bytes(
    raw: bytes, file: str, base_dir: Path | None = None
) -> tuple[Workflow | None, list[Problem]]:
    """As ``load_workflow_text``, for bytes that may not be UTF-8 (an upload, say)."""
    text, problems = decode_source(raw, file)
    if text is None:
        return None, problems
    return load_workflow_text(text, file, base_dir=base_dir)


def load_workflow_text(
    text: str,
    file: str,
    files: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
    policies: Policies | None = None,
) -> tuple[Workflow | None, list[Problem]]:
    """Check and build a campaign from its YAML text.

    ``files`` is a stored snapshot of template texts (``Workflow.files`` of an
    earlier load); when given, templates come from it and never from disk.
    Otherwise they are read relative to ``base_dir`` (the YAML file's folder).
    """
    document, problems = parse_document(text, file)
    if document is None:
        return None, problems
    schema_problems = check_workflow(document.data, document.source)
    # The rules go on over every part whose shape the schema accepts, so the
    # author sees all the mistakes at once instead of one round at a time.
    usable = usable_document(document)
    if usable is None:
        return None, sort_problems(schema_problems)
    workflow, problems = build_workflow(usable.document)
    template_files = _template_files(usable.document, workflow, files, base_dir)
    context = LintContext(workflow, usable.document, base_dir, template_files, policies)
    found = usable.keep([*problems, *run_rules(context)])
    problems = sort_problems([*schema_problems, *found])
    if has_errors(problems):
        return None, problems
    workflow = dataclasses.replace(
        workflow, files=template_files, content_hash=content_hash(text, template_files)
    )
    return workflow, problems


def content_hash(text: str, files: Mapping[str, str]) -> str:
    """SHA-256 of the YAML and its templates; a run is pinned to it."""
    digest = hashlib.sha256()
    digest.update(text.encode("utf-8"))
    for name in sorted(files):
        # Lengths keep ("ab", "c") and ("a", "bc") from hashing alike.
        for part in (name, files[name]):
            encoded = part.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
    return digest.hexdigest()


def _template_files(
    document: Document,
    workflow: Workflow,
    files: Mapping[str, str] | None,
    base_dir: Path | None,
) -> dict[str, str]:
    """The text of each template the campaign names, and of its ``.txt`` twin if there is one."""
    probe = LintContext(workflow, document, base_dir)
    found: dict[str, str] = {}
    for _, template in template_paths(probe):
        if not is_inside_folder(template):
            continue
        twin = str(Path(template).with_suffix(".txt")) if Path(template).suffix else None
        for name in (template, twin):
            if name is None or name in found:
                continue
            if files is not None:
                if name in files:
                    found[name] = files[name]
                continue
            text = _read_template(base_dir or Path("."), name)
            if text is not None:
                found[name] = text
    return found


def _read_template(base_dir: Path, name: str) -> str | None:
    path = base_dir / name
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def campaign_files(path: Path) -> list[Path]:
    """The campaign files in ``path``: itself if a file, else every YAML file below
    it except test scenarios (``*.test.yaml``), which ``flow test`` reads, and
    ``policies.yaml``, which ``load_paths`` reads as the folder's policies."""
    if path.is_file():
        return [] if is_policies_file(path) else [path]
    return sorted(
        candidate
        for candidate in path.rglob("*")
        if candidate.suffix in CAMPAIGN_SUFFIXES
        and not is_scenario_file(candidate)
        and not is_policies_file(candidate)
        and candidate.is_file()
        and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
    )


def is_scenario_file(path: Path) -> bool:
    return path.name.endswith(tuple(f".test{suffix}" for suffix in CAMPAIGN_SUFFIXES))


def load_directory(path: Path | str) -> tuple[list[Workflow], list[Problem]]:
    """Every campaign below ``path`` that loads, and the problems of all of them.

    Two campaigns with one ``id`` would share runs, so the second is an error.
    """
    return load_paths([Path(path)])


def load_paths(paths: Iterable[Path]) -> tuple[list[Workflow], list[Problem]]:
    """The campaigns at ``paths``; the problems include those of their ``policies.yaml``."""
    paths = list(paths)
    workflows: list[Workflow] = []
    files = [file for root in paths for file in campaign_files(root)]
    policies, problems = load_policies([*paths, *files])
    seen: dict[str, Workflow] = {}
    for root in paths:
        for file in campaign_files(root):
            workflow, found = load_workflow(file, None if has_errors(problems) else policies)
            problems.extend(found)
            if workflow is None:
                continue
            if workflow.id in seen:
                problems.append(
                    Problem(
                        str(file),
                        1,
                        1,
                        "duplicate-campaign-id",
                        f"campaign id {workflow.id!r} is also used by "
                        f"{seen[workflow.id].source_file}",
                    )
                )
                continue
            seen[workflow.id] = workflow
            workflows.append(workflow)
    return workflows, sort_problems(problems)
