"""cel-python, with the specification's semantics where cel-python departs from it.

cel-python looks every operator and standard function up by name in the
activation (``_==_``, ``_<_``, ``_in_``, ``_[_]``, ``_+_``, ``int``...), so
flow passes its own for those, built on ``cel_values`` (equality, ordering,
``in``, indexing) and ``cel_time`` (timestamps and durations to the
nanosecond). Literals are not functions: an ``Evaluator`` subclass decodes
string and bytes literals with ``cel_literals``. Everything else (the parser,
macros, short-circuits, error values) is cel-python's.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.evaluation import CELEvalError, Evaluator

from interpreter.language import cel_time
from interpreter.language.cel_literals import LiteralError, decode_bytes, decode_string
from interpreter.language.cel_values import (
    INT64_MAX,
    INT64_MIN,
    contains,
    equal,
    index,
    lookup,
    order,
)

_NUMBERS = (celtypes.IntType, celtypes.UintType, celtypes.DoubleType)


def _comparison(decide: Callable[[int | None], bool]) -> Callable[[Any, Any], Any]:
    def compare(a: Any, b: Any) -> Any:
        if isinstance(a, CELEvalError):
            return a
        if isinstance(b, CELEvalError):
            return b
        return celtypes.BoolType(decide(order(a, b)))

    return compare


def _equality(negate: bool) -> Callable[[Any, Any], Any]:
    def compare(a: Any, b: Any) -> Any:
        if isinstance(a, CELEvalError):
            return a
        if isinstance(b, CELEvalError):
            return b
        return celtypes.BoolType(equal(a, b) != negate)

    return compare


def _operands_of_one_type(a: Any, b: Any) -> None:
    """Arithmetic never mixes int, uint and double (``2.5 + 1`` is an error)."""
    if isinstance(a, _NUMBERS) and isinstance(b, _NUMBERS) and type(a) is not type(b):
        raise TypeError(f"no such overload: {type(a).__name__} and {type(b).__name__}")
    if isinstance(a, bool | celtypes.BoolType) or isinstance(b, bool | celtypes.BoolType):
        raise TypeError("no such overload: arithmetic on bool")


def _arithmetic(apply: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def calculate(a: Any, b: Any) -> Any:
        _operands_of_one_type(a, b)
        return apply(a, b)

    return calculate


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, datetime | timedelta) or isinstance(b, datetime | timedelta):
        return _in_range(cel_time.add, a, b)
    _operands_of_one_type(a, b)
    result = operator.add(a, b)
    # cel-python's + gives plain str and bytes; keep them CEL values.
    if type(result) is str:
        return celtypes.StringType(result)
    if type(result) is bytes:
        return celtypes.BytesType(result)
    return result


def _in_range(apply: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """Time arithmetic; its range error keeps its own message (cel-python's
    ``+`` would call every ValueError "return error for overflow")."""
    try:
        return apply(a, b)
    except ValueError as error:
        return CELEvalError(str(error), ValueError, error.args)


def _subtract(a: Any, b: Any) -> Any:
    if isinstance(a, datetime | timedelta) or isinstance(b, datetime | timedelta):
        return _in_range(cel_time.subtract, a, b)
    _operands_of_one_type(a, b)
    return operator.sub(a, b)


def _divide(a: Any, b: Any) -> Any:
    """``/``; a double divided by zero follows IEEE 754 (cel-python gives +inf even
    for ``0.0/0.0``, which must be NaN)."""
    _operands_of_one_type(a, b)
    if isinstance(a, celtypes.DoubleType) and float(b) == 0.0:
        if float(a) == 0.0 or math.isnan(a):
            return celtypes.DoubleType(math.nan)
        sign = math.copysign(1.0, a) * math.copysign(1.0, b)
        return celtypes.DoubleType(math.copysign(math.inf, sign))
    return operator.truediv(a, b)


def _in(item: Any, container: Any) -> Any:
    if isinstance(item, CELEvalError):
        return item
    if isinstance(container, CELEvalError):
        return container
    return celtypes.BoolType(contains(item, container))


def _to_int(value: Any) -> Any:
    """``int()``: a double must lie strictly inside int64 (the spec's range error)."""
    if isinstance(value, float):
        if math.isnan(value) or not INT64_MIN < value < INT64_MAX:
            raise ValueError("range error: double out of int range")
        return celtypes.IntType(math.trunc(value))
    if isinstance(value, datetime):
        return celtypes.IntType(cel_time.nanoseconds(value) // 1_000_000_000)
    return celtypes.IntType(value)


def _to_uint(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or not -1 < value < 2.0**64):
        raise ValueError("range error: double out of uint range")
    return celtypes.UintType(value)


def _to_string(value: Any) -> Any:
    if isinstance(value, cel_time.Timestamp | cel_time.Duration):
        return celtypes.StringType(str(value))
    if isinstance(value, datetime):
        return celtypes.StringType(str(cel_time.from_datetime(value)))
    return celtypes.StringType(value)


def _type_of(value: Any) -> Any:
    """``type()``: flow's own value classes report cel-python's type."""
    if isinstance(value, datetime):
        return celtypes.TimestampType
    if isinstance(value, timedelta):
        return celtypes.DurationType
    return celtypes.TypeType(value)


FUNCTIONS: dict[str, Any] = {
    "_==_": _equality(negate=False),
    "_!=_": _equality(negate=True),
    "_<_": _comparison(lambda c: c is not None and c < 0),
    "_<=_": _comparison(lambda c: c is not None and c <= 0),
    "_>_": _comparison(lambda c: c is not None and c > 0),
    "_>=_": _comparison(lambda c: c is not None and c >= 0),
    "_in_": _in,
    "_[_]": index,
    "_+_": _add,
    "_-_": _subtract,
    "_*_": _arithmetic(operator.mul),
    "_/_": _divide,
    "_%_": _arithmetic(operator.mod),
    # From CEL's strings extension: ASCII letters only, as the extension says,
    # so the result never depends on the server's locale or Unicode tables.
    "lowerAscii": lambda text: celtypes.StringType(_ascii_case(text, str.lower)),
    "upperAscii": lambda text: celtypes.StringType(_ascii_case(text, str.upper)),
}


def _ascii_case(text: Any, change: Callable[[str], str]) -> str:
    if not isinstance(text, str):
        raise TypeError(f"no such overload: lowerAscii/upperAscii of {type(text).__name__}")
    return "".join(change(c) if c.isascii() else c for c in text)


# Conversions are called by ``_Evaluator.function_eval``, not put in FUNCTIONS:
# there a name is also an identifier, and ``int`` must stay the type ``int``.
CONVERSIONS: dict[str, Callable[..., Any]] = {
    "int": _to_int,
    "uint": _to_uint,
    "string": _to_string,
    "type": _type_of,
    "timestamp": cel_time.timestamp,
    "duration": cel_time.duration,
}
_MAP_KEYS = (str, int)  # string, int, uint and bool (an int in Python); never double or null


class _Evaluator(Evaluator):
    """cel-python's evaluator, decoding string and bytes literals by the spec."""

    def sub_evaluator(self, ast: lark.Tree[Any]) -> Evaluator:
        return _Evaluator(ast, activation=self.activation)

    def function_eval(self, name_token: lark.Token, exprlist: Any = None) -> Any:
        convert = CONVERSIONS.get(str(name_token))
        if convert is None:
            return super().function_eval(name_token, exprlist)
        if isinstance(exprlist, CELEvalError):
            return exprlist
        arguments = list(exprlist or [])
        for argument in arguments:
            if isinstance(argument, CELEvalError):
                return argument
        try:
            return convert(*arguments)
        except ValueError as error:
            return CELEvalError(str(error), ValueError, error.args, token=name_token)
        except (TypeError, AttributeError) as error:
            return CELEvalError("no such overload", type(error), error.args, token=name_token)

    def mapinits(self, tree: lark.Tree[Any]) -> Any:
        """A map literal: keys are strings, ints, uints or bools, each at most once."""
        values: list[Any] = self.visit_children(tree)
        result: dict[Any, Any] = celtypes.MapType()
        for key, value in zip(values[0::2], values[1::2], strict=True):
            if isinstance(key, CELEvalError):
                return key
            if not isinstance(key, _MAP_KEYS) or isinstance(key, float):
                return CELEvalError("unsupported key type", TypeError, (key,), tree=tree)
            if lookup(result, key)[0]:
                return CELEvalError("Failed with repeated key", ValueError, (key,), tree=tree)
            result[key] = value
        return result

    def literal(self, tree: lark.Tree[Any]) -> Any:
        token = tree.children[0] if len(tree.children) == 1 else None
        if isinstance(token, lark.Token) and token.type in ("STRING_LIT", "MLSTRING_LIT"):
            return _literal(token, decode_string, celtypes.StringType)
        if isinstance(token, lark.Token) and token.type == "BYTES_LIT":
            return _literal(token, decode_bytes, celtypes.BytesType)
        return super().literal(tree)


def _literal(token: lark.Token, decode: Callable[[str], Any], wrap: Callable[[Any], Any]) -> Any:
    try:
        return wrap(decode(str(token)))
    except LiteralError as error:
        return CELEvalError(error.message, ValueError, (error.message,), token=token)


class _Runner(celpy.InterpretedRunner):
    def evaluate(self, context: Any) -> Any:
        return _Evaluator(ast=self.ast, activation=self.new_activation()).evaluate(context)


ENVIRONMENT = celpy.Environment(runner_class=_Runner)
# Every function and method a campaign's CEL may call: cel-python's, the
# macros, flow's own and the conversions (lint names any other).
KNOWN_FUNCTIONS = frozenset(
    {
        *(name for name in celpy.evaluation.base_functions if name[0].isalpha()),
        *("has", "all", "exists", "exists_one", "map", "filter"),
        *(name for name in FUNCTIONS if name[0].isalpha()),
        *CONVERSIONS,
    }
)


def program(tree: Any) -> Any:
    """A runnable program for a parsed tree, with flow's operators and functions."""
    return ENVIRONMENT.program(tree, functions=FUNCTIONS)
