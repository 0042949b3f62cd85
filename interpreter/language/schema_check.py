"""Validate documents against the JSON Schemas in ``schemas/`` and say what is wrong
in the author's words, at the line and column of the offending key or value.

The schema files are the single source of truth; this module only reads them
and translates jsonschema's errors.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

# jsonschema ships no type information and types-jsonschema is not a dev dependency yet.
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # no stubs
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]  # no stubs

from interpreter.language.problems import Problem
from interpreter.language.templating import has_template
from interpreter.language.yaml_source import JsonPath, SourceMap

# interpreter/schemas links to the top-level schemas/ folder, so the same path
# works in a checkout and in an installed wheel, which carries the files.
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
WORKFLOW_SCHEMA = SCHEMA_DIR / "workflow.schema.json"
ACTION_SCHEMA_DIR = SCHEMA_DIR / "actions"
POLICIES_SCHEMA = SCHEMA_DIR / "policies.schema.json"

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}
_PATTERN_WORDS = {
    "^[a-z_][a-z0-9_]*$": "a step id: lower-case letters, digits and _, not starting with a digit",
    "^[a-z0-9][a-z0-9-]*$": "a campaign id: lower-case letters, digits and -",
    "^[A-Za-z_][A-Za-z0-9_]*$": "a name of letters, digits and _, not starting with a digit",
}


@lru_cache(maxsize=1)
def workflow_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(WORKFLOW_SCHEMA.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def policies_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(POLICIES_SCHEMA.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def action_validators() -> Mapping[str, Draft202012Validator]:
    """One validator per action, named by the schema file (``email.send.schema.json``)."""
    validators: dict[str, Draft202012Validator] = {}
    for path in sorted(ACTION_SCHEMA_DIR.glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        validators[name] = Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))
    return validators


def known_actions() -> tuple[str, ...]:
    return tuple(action_validators())


def check_workflow(data: Any, source: SourceMap) -> list[Problem]:
    """Schema problems of a whole campaign, except inside ``with`` (see ``check_action_input``)."""
    problems: list[Problem] = []
    for error in workflow_validator().iter_errors(data):
        path = tuple(error.absolute_path)
        problems.extend(_explain(error, path, source, "schema"))
    return problems


def is_shape_preserving(error: ValidationError) -> bool:
    """A misspelt action name leaves a step with an action: every rule can still run."""
    path = tuple(error.absolute_path)
    return (
        error.validator == "enum" and len(path) == 3 and path[0] == "steps" and path[-1] == "action"
    )


def check_policies(data: Any, source: SourceMap) -> list[Problem]:
    """Schema problems of a ``policies.yaml``."""
    problems: list[Problem] = []
    for error in policies_validator().iter_errors(data):
        problems.extend(
            _explain(error, tuple(error.absolute_path), source, "schema", whole="policies.yaml")
        )
    return problems


def check_action_input(
    action: str, arguments: Any, base: JsonPath, source: SourceMap
) -> list[Problem]:
    """Problems of one action's ``with``; values written with ``${ }`` are not type-checked
    because their type is known only at run time."""
    validator = action_validators().get(action)
    if validator is None:
        return []
    problems: list[Problem] = []
    for error in validator.iter_errors(arguments):
        if isinstance(error.instance, str) and has_template(error.instance):
            continue
        path = (*base, *error.absolute_path)
        problems.extend(_explain(error, path, source, "action-input", f"{action} "))
    return problems


def suggest(word: str, choices: Any) -> str:
    """`` did you mean 'x'?`` for the closest of ``choices``, or nothing."""
    matches = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def _where(path: JsonPath, whole: str) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or whole


def _explain(
    error: ValidationError,
    path: JsonPath,
    source: SourceMap,
    code: str,
    prefix: str = "",
    whole: str = "the campaign",
) -> Iterator[Problem]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    validator = error.validator
    where = _where(path, whole)
    at_key = source.key(path)
    at_value = source.value(path)

    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        for key in instance:
            if key not in allowed:
                yield Problem.at(
                    source.key((*path, key)),
                    "unknown-key",
                    f"unknown key {key!r} in {prefix}{where}{suggest(key, allowed)}"
                    if suggest(key, allowed)
                    else f"unknown key {key!r} in {prefix}{where}; allowed: {', '.join(allowed)}",
                )
        return
    if validator == "required":
        missing = [name for name in error.validator_value if name not in instance]
        for name in missing:
            yield Problem.at(at_key, code, f"{prefix}{where} needs the key {name!r}")
        return
    if validator in ("oneOf", "anyOf") and _only_required(error.validator_value):
        options = [branch["required"][0] for branch in error.validator_value]
        present = [name for name in options if isinstance(instance, dict) and name in instance]
        if validator == "oneOf" and len(present) > 1:
            message = f"{where} has {' and '.join(present)}; keep exactly one"
        else:
            message = f"{prefix}{where} needs one of {', '.join(options)}"
        yield Problem.at(at_key, code, message)
        return
    if validator in ("oneOf", "anyOf"):
        kinds = [
            _TYPE_WORDS.get(branch.get("type", ""), "another form")
            for branch in error.validator_value
        ]
        yield Problem.at(at_value, code, f"{prefix}{where} must be {' or '.join(kinds)}")
        return
    if validator == "enum":
        choices = list(error.validator_value)
        if path and path[-1] == "action" and code == "schema":
            yield Problem.at(
                at_value,
                "unknown-action",
                f"unknown action {instance!r}{suggest(str(instance), choices)}"
                + ("" if suggest(str(instance), choices) else f"; known: {', '.join(choices)}"),
            )
            return
        yield Problem.at(
            at_value,
            code,
            f"{prefix}{where} is {instance!r}; it must be one of "
            f"{', '.join(map(str, choices))}{suggest(str(instance), choices)}",
        )
        return
    if validator == "type":
        wanted = error.validator_value
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        words = " or ".join(_TYPE_WORDS.get(name, name) for name in names)
        yield Problem.at(
            at_value, code, f"{prefix}{where} must be {words}, not {_describe(instance)}"
        )
        return
    if validator == "pattern":
        wanted = _PATTERN_WORDS.get(error.validator_value, f"text matching {error.validator_value}")
        yield Problem.at(at_value, code, f"{instance!r} is not {wanted}")
        return
    if validator == "propertyNames":
        # The error's instance is the offending name; point at that key.
        name = str(instance)
        at_name = source.key((*path, name))
        yield Problem.at(
            at_name,
            code,
            f"{name!r} in {where} is not a name of letters, "
            "digits and _, not starting with a digit",
        )
        return
    if validator in ("minItems", "maxItems") and error.validator_value > 1:
        many = "at least" if validator == "minItems" else "at most"
        yield Problem.at(
            at_value, code, f"{prefix}{where} needs {many} {error.validator_value} items"
        )
        return
    if validator in ("minItems", "minLength", "minProperties"):
        yield Problem.at(at_value, code, f"{prefix}{where} must not be empty")
        return
    if validator == "minimum":
        limit = error.validator_value
        yield Problem.at(at_value, code, f"{prefix}{where} must be at least {limit}")
        return
    if validator == "exclusiveMinimum":
        limit = error.validator_value
        yield Problem.at(at_value, code, f"{prefix}{where} must be more than {limit}")
        return
    if validator == "maximum":
        limit = error.validator_value
        yield Problem.at(at_value, code, f"{prefix}{where} must be at most {limit}")
        return
    if validator == "uniqueItems":
        yield Problem.at(at_value, code, f"{prefix}{where} lists the same item twice")
        return
    if validator == "dependentRequired":
        for key, needs in error.validator_value.items():
            if key in instance:
                for need in needs:
                    if need not in instance:
                        yield Problem.at(
                            source.key((*path, key)),
                            code,
                            f"{key!r} is only allowed together with {need!r}",
                        )
        return
    if validator == "not" and isinstance(error.validator_value, dict):
        both = error.validator_value.get("required", [])
        yield Problem.at(at_key, code, f"{prefix}{where}: give {' or '.join(both)}, not both")
        return
    yield Problem.at(at_value, code, f"{prefix}{where}: {error.message}")


def _only_required(branches: Any) -> bool:
    return isinstance(branches, list) and all(
        isinstance(b, dict) and set(b) == {"required"} and len(b["required"]) == 1 for b in branches
    )


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return repr(value)
