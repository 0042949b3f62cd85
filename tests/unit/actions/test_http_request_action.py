from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from interpreter.actions.base import ActionContext
from interpreter.actions.http_request import HttpRequestAction
from interpreter.errors import ActionError

MakeContext = Callable[..., ActionContext]


def action_answering(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any
) -> tuple[HttpRequestAction, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return handler(request)

    return HttpRequestAction(transport=httpx.MockTransport(record), **kwargs), seen


def test_posts_json_with_the_idempotency_key(make_context: MakeContext) -> None:
    action, seen = action_answering(lambda r: httpx.Response(201, json={"ok": True}))
    output = action(
        {"method": "post", "url": "https://api.example/x", "json": {"a": [1, "b"]}},
        make_context(),
    )
    assert output["status"] == 201
    assert output["body"] == {"ok": True}
    assert output["headers"]["content-type"] == "application/json"
    [request] = seen
    assert request.method == "POST"
    assert json.loads(request.content) == {"a": [1, "b"]}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "run_1:welcome_email:1"


def test_a_key_set_by_the_author_is_kept(make_context: MakeContext) -> None:
    action, seen = action_answering(lambda r: httpx.Response(204))
    action(
        {"url": "http://api.example/", "headers": {"idempotency-KEY": "mine", "X-N": 3}},
        make_context(),
    )
    assert seen[0].headers.get_list("idempotency-key") == ["mine"]
    assert seen[0].headers["x-n"] == "3"


def test_text_responses_stay_text_and_mislabelled_json_too(make_context: MakeContext) -> None:
    action, _ = action_answering(
        lambda r: httpx.Response(
            200,
            content=b"{not json" if r.url.path == "/bad" else b"plain",
            headers={"content-type": "application/json" if r.url.path == "/bad" else "text/plain"},
        )
    )
    assert action({"url": "http://h/bad"}, make_context())["body"] == "{not json"
    assert action({"url": "http://h/text"}, make_context())["body"] == "plain"


def test_large_bodies_are_cut_and_flagged(make_context: MakeContext) -> None:
    action, _ = action_answering(lambda r: httpx.Response(200, json=["x" * 100]), max_body_bytes=10)
    output = action({"url": "http://h/"}, make_context())
    assert output["truncated"] is True
    assert len(output["body"]) == 10


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (404, False), (408, True), (429, True), (503, True)]
)
def test_failure_status_says_whether_to_retry(
    make_context: MakeContext, status: int, retryable: bool
) -> None:
    action, _ = action_answering(lambda r: httpx.Response(status, text="nope\nmore"))
    with pytest.raises(ActionError) as caught:
        action({"url": "https://user:secret@h/path?token=t0k"}, make_context())
    assert caught.value.retryable is retryable
    message = str(caught.value)
    assert str(status) in message
    assert "\n" not in message
    assert "secret" not in message
    assert "t0k" not in message


def test_network_errors_are_retryable(make_context: MakeContext) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    action, _ = action_answering(refuse)
    with pytest.raises(ActionError) as caught:
        action({"url": "http://h/"}, make_context())
    assert caught.value.retryable is True


@pytest.mark.parametrize(
    "arguments",
    [
        {"url": "file:///etc/passwd"},
        {"url": "ftp://h/"},
        {"url": "h/no-scheme"},
        {"url": "http://h/", "method": "BREW"},
        {"url": "http://h/", "json": {}, "body": "x"},
        {"url": "http://h/", "body": {"a": 1}},
        {"url": "http://h/", "headers": {"X": "a\r\nInjected: 1"}},
        {"url": "http://h/", "timeout": 0},
        {"url": "http://h/", "timeout": 3601},
        {"url": "http://h/", "timeout": 10**400},  # too large for a float: OverflowError before
        {"url": "http://h/", "timeout": 1e300},  # past time_t: OverflowError in the socket before
        {"url": "http://h/", "timeout": float("nan")},
        {"url": "http://h/", "jsn": {}},
    ],
)
def test_bad_arguments_fail_without_a_request(
    make_context: MakeContext, arguments: dict[str, Any]
) -> None:
    action, seen = action_answering(lambda r: httpx.Response(200))
    with pytest.raises(ActionError) as caught:
        action(arguments, make_context())
    assert caught.value.retryable is False
    assert seen == []
