from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.log import LogAction
from interpreter.errors import ActionError

MakeContext = Callable[..., ActionContext]


def test_logs_a_string_at_info_by_default(
    make_context: MakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="flow.actions.log"):
        output = LogAction()({"message": "hello"}, make_context())
    assert output == {"logged": True}
    [record] = caplog.records
    assert (record.name, record.levelno, record.getMessage()) == (
        "flow.actions.log",
        logging.INFO,
        "hello",
    )
    assert record.__dict__["flow_run"] == "run_1"


def test_logs_structured_messages_as_json_at_the_given_level(
    make_context: MakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="flow.actions.log"):
        LogAction()({"message": {"b": [1, 2], "a": None}, "level": "warning"}, make_context())
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert json.loads(record.getMessage()) == {"a": None, "b": [1, 2]}


@pytest.mark.parametrize("arguments", [{"message": "x", "level": "loud"}, {"mesage": "x"}])
def test_bad_arguments_are_not_retryable(
    make_context: MakeContext, arguments: dict[str, object]
) -> None:
    with pytest.raises(ActionError) as caught:
        LogAction()(arguments, make_context())
    assert caught.value.retryable is False
