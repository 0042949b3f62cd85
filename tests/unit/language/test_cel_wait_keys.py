"""The indexed half of a wait condition is found wherever the equality stands
in a conjunction, whatever lark records of the other side's position."""

from __future__ import annotations

import pytest

from interpreter.language.cel_wait_key import match_key
from interpreter.language.definitions import Expression, Location

HERE = Location("w.yaml", 1, 1)

SCOPE = {"event": {"data": {"user": 7}}}


@pytest.mark.parametrize(
    "source",
    [
        "async.data.user == event.data.user",
        # The right side of an equality before `&&` has no position in lark's
        # meta: this shape failed the run with an internal TypeError.
        "async.data.user == event.data.user && async.data.ok == true",
        "async.data.ok == true && async.data.user == event.data.user",
        "event.data.user == async.data.user && async.data.ok",
        "(event.data.user) == async.data.user && async.data.ok == true",
    ],
)
def test_the_key_is_the_async_path_and_the_run_s_value(source: str) -> None:
    assert match_key(Expression(source, HERE), SCOPE) == ("data.user", 7)


def test_a_condition_without_an_async_equality_has_no_key() -> None:
    assert match_key(Expression("async.data.ok == true || async.data.x", HERE), SCOPE) is None
