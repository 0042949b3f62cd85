"""What every lint rule looks at: the built campaign, its source, and its files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from interpreter.language.definitions import Workflow
from interpreter.language.policies import Policies
from interpreter.language.yaml_source import Document


@dataclass(frozen=True)
class LintContext:
    """``files`` holds the template texts that could be read, by the path written in the YAML."""

    workflow: Workflow
    document: Document
    base_dir: Path | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    # The folder's policies.yaml; None where none was read (a stored definition
    # loaded again), and the rules that need it stay quiet.
    policies: Policies | None = None

    @property
    def file(self) -> str:
        return self.document.source.file
