"""flow's CEL against the CEL specification's own conformance data.

The cases come from google/cel-spec ``tests/simple/testdata`` (vendored in
``cel_spec/``, see its README). Each case is evaluated through flow's CEL
(``evaluate_cel``: the program flow compiles, its operators and literals) and
decided: its value must equal the expected one, type included (an int is not a
uint, a double not an int), or, where the case expects an error, evaluation
must fail with an ExpressionError. Cases that need protobuf messages, or a
feature flow does not offer, are skipped and listed, never counted as passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celpy import celtypes

from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate_cel
from interpreter.language.definitions import Expression, Location
from tests.conformance._cel_textproto import Message, parse

DATA = Path(__file__).parent / "cel_spec"
FILES = (
    "basic",
    "comparisons",
    "logic",
    "integer_math",
    "fp_math",
    "string",
    "lists",
    "macros",
    "fields",
    "conversions",
    "timestamps",
    "parse",
)
# Below these the run has stopped deciding what it used to (a reader or skip bug).
MINIMUM_DECIDED = 800
MINIMUM_PASS_RATE = 0.97
_PROTOBUF_MARKS = ("TestAllTypes", "google.protobuf.", "protobuf.Any")
_TYPE_NAMES: dict[Any, str] = {
    celtypes.BoolType: "bool",
    celtypes.IntType: "int",
    celtypes.UintType: "uint",
    celtypes.DoubleType: "double",
    celtypes.StringType: "string",
    celtypes.BytesType: "bytes",
    celtypes.ListType: "list",
    celtypes.MapType: "map",
    type(None): "null_type",
    celtypes.TypeType: "type",
    celtypes.TimestampType: "google.protobuf.Timestamp",
    celtypes.DurationType: "google.protobuf.Duration",
}


class _Unsupported(Exception):
    """The case needs something this runner does not model (a protobuf message)."""


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    expr: str
    test: Message

    @property
    def label(self) -> str:
        return f"{self.file}/{self.name}"


def _cases() -> list[Case]:
    found = []
    for file in FILES:
        document = parse((DATA / f"{file}.textproto").read_text(encoding="utf-8"))
        for section in document.get("section", []):
            section_name = section["name"][0].decode()
            for test in section.get("test", []):
                name = f"{section_name}/{test['name'][0].decode()}"
                found.append(Case(file, name, test["expr"][0].decode("utf-8"), test))
    return found


def _skip_reason(case: Case) -> str | None:
    if "container" in case.test or any(mark in case.expr for mark in _PROTOBUF_MARKS):
        return "protobuf message"
    return None


def _value(message: Message) -> Any:
    """A textproto ``google.api.expr.Value`` as the CEL value cel-python uses."""
    (kind, (raw,)), *_ = message.items()
    if kind == "int64_value":
        return celtypes.IntType(int(raw))
    if kind == "uint64_value":
        return celtypes.UintType(int(raw))
    if kind == "double_value":
        return celtypes.DoubleType(float(raw.replace("Infinity", "inf")))
    if kind == "string_value":
        return celtypes.StringType(raw.decode("utf-8"))
    if kind == "bytes_value":
        return celtypes.BytesType(raw)
    if kind == "bool_value":
        return celtypes.BoolType(raw == "true")
    if kind == "null_value":
        return None
    if kind == "list_value":
        return celtypes.ListType([_value(item) for item in raw.get("values", [])])
    if kind == "map_value":
        return celtypes.MapType(
            {_value(entry["key"][0]): _value(entry["value"][0]) for entry in raw.get("entries", [])}
        )
    if kind == "type_value":
        return ("type", raw.decode())
    raise _Unsupported(kind)


def _tagged(value: Any) -> Any:
    """A value with its CEL type made explicit, for an exact comparison."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, type):
        return ("type", _TYPE_NAMES.get(value, value.__name__))
    for kind in (
        celtypes.BoolType,
        celtypes.UintType,
        celtypes.IntType,
        celtypes.StringType,
        celtypes.BytesType,
        celtypes.TimestampType,
        celtypes.DurationType,
    ):
        if isinstance(value, kind):
            return (_TYPE_NAMES[kind], str(value) if kind is celtypes.TimestampType else value)
    if type(value) in (str, bytes):  # cel-python's + on strings and bytes gives plain Python
        return ("string" if isinstance(value, str) else "bytes", value)
    if isinstance(value, celtypes.DoubleType | float):
        number = float(value)
        return ("double", "nan" if math.isnan(number) else (number, math.copysign(1, number)))
    if value is None:
        return ("null",)
    if isinstance(value, celtypes.ListType | list):
        return ("list", [_tagged(item) for item in value])
    if isinstance(value, celtypes.MapType | dict):
        return ("map", sorted(repr((_tagged(k), _tagged(v))) for k, v in value.items()))
    return ("other", repr(value))


def _decide(case: Case) -> tuple[bool, str]:
    activation = {
        binding["key"][0].decode(): _value(binding["value"][0]["value"][0])
        for binding in case.test.get("bindings", [])
    }
    expr = Expression(case.expr, Location(f"{case.file}.textproto", 1, 1))
    try:
        actual = evaluate_cel(expr, activation)
    except ExpressionError as error:
        if "eval_error" in case.test:
            return True, ""
        return False, f"error {error}"
    if "eval_error" in case.test:
        return False, f"gave {actual!r}, expected an error"
    expected = _value(case.test["value"][0])
    if _tagged(actual) == _tagged(expected):
        return True, ""
    return False, f"gave {_tagged(actual)!r}, expected {_tagged(expected)!r}"


def run_conformance() -> tuple[list[str], list[str], list[str]]:
    """(passed, failed with why, skipped with why) labels over every vendored case."""
    passed: list[str] = []
    failed: list[str] = []
    skipped: list[str] = []
    for case in _cases():
        reason = _skip_reason(case)
        if reason is None:
            try:
                ok, why = _decide(case)
            except _Unsupported as unsupported:
                reason = f"needs {unsupported}"
            else:
                (passed if ok else failed).append(case.label if ok else f"{case.label}: {why}")
                continue
        skipped.append(f"{case.label}: {reason}")
    return passed, failed, skipped


def test_flow_cel_passes_the_specification_conformance_cases() -> None:
    passed, failed, skipped = run_conformance()
    decided = len(passed) + len(failed)
    rate = len(passed) / decided
    report = "\n".join(["failed:", *failed, "skipped:", *skipped])
    print(
        f"conformance: {len(passed)}/{decided} decided cases pass ({rate:.1%}); "
        f"{len(skipped)} skipped"
    )
    assert decided >= MINIMUM_DECIDED, report
    assert rate >= MINIMUM_PASS_RATE, report


if __name__ == "__main__":  # pragma: no cover - a manual report of every case
    ok, bad, skip = run_conformance()
    print("\n".join(["FAILED", *bad, "SKIPPED", *skip]))
    print(f"{len(ok)}/{len(ok) + len(bad)} passed, {len(skip)} skipped")


@pytest.mark.parametrize("source", ["1 == 1"])
def test_the_runner_reads_and_decides_a_case(source: str) -> None:
    case = Case("inline", "x", source, parse('expr: "1 == 1" value { bool_value: true }'))
    assert _decide(case) == (True, "")
    wrong = Case("inline", "x", source, parse('expr: "1 == 1" value { int64_value: 1 }'))
    assert _decide(wrong)[0] is False
