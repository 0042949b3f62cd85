"""Evaluating CEL at run time: conditions, ``${ }`` data fields and wait keys.

flow's CEL is cel-python with the specification's semantics where cel-python
departs from it (``cel_runtime``: numbers compare across int, uint and double,
``null`` compares with anything, NaN, ``in``, escapes, nanosecond timestamps).
cel-python is slow (about 90 µs an evaluation here), so four things keep it
off the hot path, each giving the same answers and errors as the full program:

- every expression is compiled once per process (``_compile``), keyed by its
  source text;
- only the scope roots an expression names are converted to CEL values;
- a plain member path such as ``vars.email`` is read straight from the scope,
  and ``PATH == LITERAL`` / ``PATH != LITERAL`` is decided without CEL values;
- other common shapes (member access, ``size()``, comparisons, ``!``, ``&&``,
  ``||``, ``? :``) run as compiled Python closures (``cel_fast``) whenever their
  answer is certain, and go to the full program otherwise, so errors keep its
  messages.

cel-python's ``CompiledRunner`` (transpiling to Python) cannot be used: it
emits ``activation.async``, a syntax error, for the ``async`` root that flow's
wait conditions need.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from interpreter.errors import ExpressionError
from interpreter.language import cel_time
from interpreter.language.cel_checks import StaticError, brackets_too_deep, static_error
from interpreter.language.cel_fast import Program, Undecided, compile_fast
from interpreter.language.cel_runtime import ENVIRONMENT, program
from interpreter.language.cel_tree import identifiers
from interpreter.language.cel_values import INT64_MAX, INT64_MIN, equal, to_float
from interpreter.language.definitions import Expression, Interpolation
from interpreter.language.interpolated import Interpolated
from interpreter.language.values import JSON

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
MEMBER_PATH = re.compile(rf"^\s*({_IDENT}(?:\s*\.\s*{_IDENT})*)\s*$")
# ``PATH == LITERAL`` and ``PATH != LITERAL`` with a null, bool, int or plain string.
_COMPARISON = re.compile(
    rf"^\s*({_IDENT}(?:\s*\.\s*{_IDENT})*)\s*(==|!=)\s*"
    r'(null|true|false|-?[0-9]+|"[^"\\\n]*")\s*$'
)
# CEL's reserved words: a "member path" made of one is not a path.
_RESERVED = frozenset(
    [
        "true",
        "false",
        "null",
        "in",
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ]
)


@dataclass(frozen=True)
class _Compiled:
    """One expression, ready to run: a plain member path, or the CEL program with
    the shortcuts that may answer before it (``comparison``, a path compared with
    a literal; ``fast``, the fast path)."""

    path: tuple[str, ...] | None
    program: Any
    roots: frozenset[str]
    tree: Any
    comparison: tuple[tuple[str, ...], bool, Any] | None = None  # path, negated, literal
    fast: Program | None = None  # decides the common cases without the full program


@lru_cache(maxsize=4096)
def _compile(source: str) -> _Compiled:
    match = MEMBER_PATH.match(source)
    if match:
        path = tuple(part.strip() for part in match.group(1).split("."))
        if not any(part in _RESERVED for part in path):
            return _Compiled(path=path, program=None, roots=frozenset({path[0]}), tree=None)
    early = brackets_too_deep(source)
    if early is not None:
        raise _Refused(early)
    try:
        tree = ENVIRONMENT.compile(source)
    except CELParseError:
        raise
    except Exception as error:  # cel-python raises bare errors for some odd inputs
        raise CELParseError(f"not valid CEL: {error}") from None
    refused = static_error(tree)
    if refused is not None:
        raise _Refused(refused)
    roots = frozenset(identifiers(tree))
    return _Compiled(
        path=None,
        program=program(tree),
        roots=roots,
        tree=tree,
        comparison=_literal_comparison(source),
        fast=compile_fast(tree),
    )


def _literal_comparison(source: str) -> tuple[tuple[str, ...], bool, Any] | None:
    match = _COMPARISON.match(source)
    if not match:
        return None
    path = tuple(part.strip() for part in match.group(1).split("."))
    if any(part in _RESERVED for part in path):
        return None
    text = match.group(3)
    literal: Any = int(text) if text[-1].isdigit() else json.loads(text)
    if type(literal) is int and not INT64_MIN <= literal <= INT64_MAX:
        return None  # not a CEL int: the full program reports the error
    return path, match.group(2) == "!=", literal


class _Refused(CELParseError):
    """A parsed expression that may not run (too deep, a bad literal): lint's
    ``static_error``, raised where cel-python's own syntax errors are."""

    def __init__(self, problem: StaticError) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _compiled(expr: Expression) -> _Compiled:
    try:
        return _compile(expr.source)
    except _Refused as refused:
        raise ExpressionError(
            f"CEL error in {_shown(expr)}: {refused.problem.message}",
            location=str(expr.location_of(refused.problem.offset)),
        ) from None
    except CELParseError as error:
        line = getattr(error, "line", None) or 1
        column = getattr(error, "column", None) or 1
        raise ExpressionError(
            f"CEL syntax error in {_shown(expr)}",
            location=str(_offset_location(expr, line, column)),
        ) from None


def _offset_location(expr: Expression, line: int, column: int) -> object:
    if line == 1:
        return expr.location_of(column - 1)
    return expr.location


# ---- conversions -----------------------------------------------------------


def to_cel(value: JSON) -> Any:
    if isinstance(value, datetime):
        return cel_time.from_datetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, dict):
        return celtypes.MapType({celtypes.StringType(k): to_cel(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return celtypes.ListType([to_cel(v) for v in value])
    if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
        # A JSON number no CEL int holds is a double, as JSON numbers are in CEL.
        return celtypes.DoubleType(to_float(value))
    return json_to_cel(value)


def from_cel(value: Any) -> JSON:
    """A CEL result as plain JSON-friendly Python."""
    if value is None or isinstance(value, celtypes.BoolType | bool):
        return None if value is None else bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType | int):
        return int(value)
    if isinstance(value, celtypes.DoubleType | float):
        return float(value)
    if isinstance(value, celtypes.StringType | str):
        return str(value)
    if isinstance(value, cel_time.Timestamp) and value.nanos:
        return str(value)
    if isinstance(value, celtypes.TimestampType):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, cel_time.Duration):
        return str(value)
    if isinstance(value, celtypes.DurationType):
        return f"{value.total_seconds():g}s"
    if isinstance(value, celtypes.BytesType | bytes):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {str(k): from_cel(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_cel(v) for v in value]
    return value


# ---- evaluation ------------------------------------------------------------


def _fail(expr: Expression, message: str) -> ExpressionError:
    # cel-python appends its whole activation to "undeclared reference" errors.
    message = message.split(" (in activation", 1)[0]
    return ExpressionError(f"{message} in {_shown(expr)}", location=str(expr.location))


def _shown(expr: Expression) -> str:
    """The expression as messages quote it: a hostile one can be megabytes long."""
    source = expr.source
    return repr(source) if len(source) <= 200 else repr(source[:200]) + "..."


def _walk(expr: Expression, path: tuple[str, ...], scope: Mapping[str, JSON]) -> JSON:
    root = path[0]
    if root not in scope:
        raise _fail(expr, f"undeclared reference to '{root}'")
    value = scope[root]
    for name in path[1:]:
        if isinstance(value, Mapping):
            if name not in value:
                raise _fail(expr, f"no such member in mapping: {name!r}")
            value = value[name]
        else:
            raise _fail(expr, f"{type(value).__name__} value does not support field selection")
    return value


def evaluate(expr: Expression, scope: Mapping[str, JSON]) -> JSON:
    """The value of ``expr`` in ``scope``, as plain Python; raises ExpressionError."""
    compiled = _compiled(expr)
    if compiled.path is not None:
        value = _walk(expr, compiled.path, scope)
        if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
            return to_float(value)  # a double in CEL, as the full program gives it
        return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value
    if compiled.comparison is not None:
        return _compare(expr, compiled.comparison, scope)
    if compiled.fast is not None:
        try:
            value = compiled.fast(scope)
        except Undecided:
            pass
        else:
            if _plain(value):
                return value
    try:
        activation = {root: to_cel(scope[root]) for root in compiled.roots if root in scope}
    except (ValueError, OverflowError) as error:
        raise _fail(expr, f"a value CEL cannot hold: {error}") from None
    return from_cel(_run(expr, compiled.program, activation))


def evaluate_cel(expr: Expression, activation: Mapping[str, Any]) -> Any:
    """The CEL value of ``expr`` over CEL values, with no JSON conversion either
    way (the specification's conformance cases bind uints and bytes and expect
    typed results); raises ExpressionError like ``evaluate``."""
    compiled = _compiled(expr)
    runnable = compiled.program or program(ENVIRONMENT.compile(expr.source))
    return _run(expr, runnable, dict(activation))


def _run(expr: Expression, runnable: Any, activation: dict[str, Any]) -> Any:
    try:
        return runnable.evaluate(activation)
    except CELEvalError as error:
        raise _fail(expr, str(error.args[0]) if error.args else "evaluation failed") from None
    except Exception as error:
        # cel-python raises bare Python errors (TypeError, KeyError, AttributeError...)
        # for inputs its own checks miss; each is a failure of this expression on
        # this data, never an internal error of flow.
        raise _fail(expr, str(error) or type(error).__name__) from None


def _plain(value: JSON) -> bool:
    """A fast-path result that the full program would give back unchanged."""
    if type(value) is int:
        return bool(-(2**63) <= value < 2**63)
    return value is None or isinstance(value, bool | float | str)


def _compare(
    expr: Expression, comparison: tuple[tuple[str, ...], bool, Any], scope: Mapping[str, JSON]
) -> bool:
    """``PATH ==/!= LITERAL`` without CEL values: equality never fails, so the
    answer (``cel_values.equal``, the one the full program gives) is certain."""
    path, negated, literal = comparison
    value = _walk(expr, path, scope)
    if literal is None or value is None:  # the seed campaign's ``== null``, inlined
        return (value is literal) != negated
    return equal(value, literal) != negated


def evaluate_condition(expr: Expression, scope: Mapping[str, JSON]) -> bool:
    """A condition must be a bool; anything else is an error, not a truthiness guess."""
    value = evaluate(expr, scope)
    if not isinstance(value, bool):
        raise _fail(expr, f"condition gave {type(value).__name__}, not bool")
    return value


def render(template: Any, scope: Mapping[str, JSON]) -> JSON:
    """Resolve a data field: Interpolations inside dicts and lists become values."""
    if isinstance(template, Interpolation):
        single = template.single
        if single is not None:
            value = evaluate(single, scope)
            # A string that is all data stays all data for a template consumer.
            return Interpolated(((True, value, value),)) if isinstance(value, str) else value
        pieces = []
        for part in template.parts:
            if isinstance(part, str):
                pieces.append((False, part, part))
            else:
                value = evaluate(part, scope)
                pieces.append((True, _as_text(value), value))
        return Interpolated(tuple(pieces))
    if isinstance(template, Mapping):
        return {key: render(value, scope) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return [render(value, scope) for value in template]
    return template


def _as_text(value: JSON) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"))


def parse_tree(source: str) -> Any:
    """The lark tree of ``source`` (None for a plain member path), compiled once."""
    return _compile(source).tree
