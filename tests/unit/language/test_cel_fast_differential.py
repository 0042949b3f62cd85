"""The CEL fast paths give the full program's answer whenever they answer at all.

A seeded generator builds expressions from the shapes ``cel_fast`` compiles
(paths, indexes, literals, ``size()``, comparisons, ``!``, ``&&``, ``||``,
``? :``) over generated JSON data with the values that trip comparisons up
(ints and doubles of equal value, -0.0, 1e308, ints beyond int64, nulls) and,
one time in ten, a value of another kind than the expression expects. Each pair is
evaluated three ways: by ``cel_fast`` alone, by the full program alone
(``cel_runtime`` over ``to_cel``), and by ``evaluate``, the pipeline the engine
calls (member paths, literal comparisons, fast path, full program). Where the
fast path decides, the full program must give the same value of the same type;
``evaluate`` must always agree with the full program, error for error. The
test counts the cases the fast path decided and fails below a minimum, so it
cannot pass by deciding nothing.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from interpreter.errors import ExpressionError
from interpreter.language.cel import evaluate, from_cel, to_cel
from interpreter.language.cel_fast import Undecided, compile_fast
from interpreter.language.cel_runtime import ENVIRONMENT, program
from interpreter.language.definitions import Expression, Location

SEED = 20260101
CASES = 900
MINIMUM_DECIDED = 450  # the fast path decides about 60% of these cases

# Values by kind, with the ones that trip comparisons up: ints and doubles of
# equal value, -0.0, 1e308, ints beyond int64.
NUMBERS: list[Any] = [0, 1, 3, -3, 3.0, 2.5, -0.0, 1e308, 2**63, 2**70, -(2**64)]
STRINGS: list[Any] = ["", "a", "pro", "3", "é"]
BOOLS: list[Any] = [True, False]
ANY: list[Any] = [*NUMBERS, *STRINGS, *BOOLS, None, [], {}, [1, 2.0], {"n": 1}]
# A key says what it mostly holds; one time in ten it holds anything at all.
KINDS = {"n": NUMBERS, "m": NUMBERS, "s": STRINGS, "b": BOOLS, "z": [None, *ANY]}
LITERALS = {
    "n": ["0", "1", "3", "-3", "2.5", "3.0", "1e308", "9223372036854775807"],
    "m": ["0", "1", "3", "2.5"],
    "s": ["''", "'a'", '"pro"', "'3'"],
    "b": ["true", "false"],
    "z": ["null"],
}


def _object(rng: random.Random, depth: int) -> dict[str, Any]:
    found: dict[str, Any] = {
        key: rng.choice(values if rng.random() < 0.9 else ANY) for key, values in KINDS.items()
    }
    found["l"] = [rng.choice(NUMBERS) for _ in range(rng.randrange(0, 4))]
    if depth > 0:
        found["o"] = _object(rng, depth - 1) if rng.random() < 0.9 else rng.choice(ANY)
    return found


def _path(rng: random.Random, kind: str) -> str:
    root = rng.choice(["d", "e", "d.o", "d['o']"])
    roll = rng.random()
    if kind in ("n", "m") and roll < 0.2:
        return f"{root}.l[{rng.randrange(-1, 3)}]"
    if roll < 0.3:
        return f'{root}["{kind}"]'
    return f"{root}.{kind}"


def _operand(rng: random.Random, kind: str) -> str:
    if rng.random() < 0.1:
        kind = rng.choice(list(KINDS))  # now and then, a mismatch
    roll = rng.random()
    if roll < 0.5:
        return _path(rng, kind)
    if roll < 0.6 and kind in ("n", "m"):
        return f"size({rng.choice(['d', 'e'])}.{rng.choice(['l', 's', 'o'])})"
    return rng.choice(LITERALS[kind])


def _value(rng: random.Random, depth: int) -> str:
    if depth > 0 and rng.random() < 0.3:
        return _boolean(rng, depth - 1)
    return _operand(rng, rng.choice(list(KINDS)))


def _boolean(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth <= 0 or roll < 0.4:
        kind = rng.choice(list(KINDS))
        if kind == "b" and rng.random() < 0.3:
            return _path(rng, "b")
        operator = rng.choice(["==", "!=", "<", "<=", ">", ">="])
        return f"{_operand(rng, kind)} {operator} {_operand(rng, kind)}"
    if roll < 0.5:
        return f"!({_boolean(rng, depth - 1)})"
    if roll < 0.7:
        return f"{_boolean(rng, depth - 1)} && {_boolean(rng, depth - 1)}"
    if roll < 0.85:
        return f"({_boolean(rng, depth - 1)} || {_boolean(rng, depth - 1)})"
    return f"({_boolean(rng, depth - 1)} ? {_value(rng, 1)} : {_value(rng, 1)})"


def _full(tree: Any, scope: dict[str, Any]) -> tuple[str, Any]:
    try:
        activation = {name: to_cel(value) for name, value in scope.items()}
        return "value", from_cel(program(tree).evaluate(activation))
    except Exception:
        return "error", None


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and str(a) == str(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _comparable(value: Any) -> Any:
    """A plain path hands a container over as stored: an int beyond int64 inside
    it keeps its digits, where the full program's CEL value is a double."""
    if type(value) is int and not -(2**63) <= value < 2**63:
        return float(value)
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    return value


def test_fast_paths_agree_with_the_full_program_on_generated_cases() -> None:
    rng = random.Random(SEED)
    decided = 0
    for _ in range(CASES):
        source = _boolean(rng, 2) if rng.random() < 0.8 else _value(rng, 1)
        scope = {"d": _object(rng, 1), "e": _object(rng, 0)}
        tree = ENVIRONMENT.compile(source)
        kind, expected = _full(tree, scope)
        fast = compile_fast(tree)
        if fast is not None:
            try:
                value = fast(scope)
            except Undecided:
                pass
            else:
                decided += 1
                assert kind == "value", f"{source!r} on {scope!r}: fast {value!r}, full failed"
                assert _same(_comparable(value), expected), (source, scope, value, expected)
        got: tuple[str, Any]
        try:
            got = ("value", evaluate(Expression(source, Location("f", 1, 1)), scope))
        except ExpressionError:
            got = ("error", None)
        assert got[0] == kind, f"{source!r} on {scope!r}: evaluate {got}, full {kind}"
        if kind == "value":
            assert _same(_comparable(got[1]), expected), (source, scope, got[1], expected)
    assert decided >= MINIMUM_DECIDED, decided


def test_the_seed_conditions_are_compiled() -> None:
    for source in [
        'size(steps.check_plan.output.rows) == 0 || steps.check_plan.output.rows[0].plan != "pro"',
        "async.data.email_id == steps.welcome_email.output.id",
        "async.data.user_id == event.data.user.id",
        "event.data.n > 2.5",
    ]:
        assert compile_fast(ENVIRONMENT.compile(source)) is not None


@pytest.mark.parametrize(
    "source",
    [
        "vars.list.exists(x, x > 1)",
        "vars.n + 1 == 2",
        "vars.n in [1, 2]",
        "2u == 2u",
        'r"raw" == vars.email',
        "{'a': 1}.a == 1",
        r'"\?" == vars.email',
    ],
)
def test_unsupported_shapes_are_left_to_the_full_program(source: str) -> None:
    assert compile_fast(ENVIRONMENT.compile(source)) is None


def test_errors_keep_the_full_program_s_messages() -> None:
    expression = Expression(
        "size(steps.check_plan.output.rows) == 0 || steps.check_plan.output.rows[0].plan < 1",
        Location("campaign.yaml", 3, 5),
    )
    scope = {"steps": {"check_plan": {"output": {"rows": [{"plan": "pro"}]}}}}
    with pytest.raises(ExpressionError) as raised:
        evaluate(expression, scope)
    assert "no matching overload" in str(raised.value)
    assert raised.value.location == "campaign.yaml:3:5"
