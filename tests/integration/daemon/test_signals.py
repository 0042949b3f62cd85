"""The one signal helper `flow serve`, `flow worker` and `flow run` share, with
real signals sent to this process."""

from __future__ import annotations

import os
import signal

import pytest

from interpreter.daemon.signals import handling_signals


def test_stop_signals_call_stop_and_sighup_calls_reload() -> None:
    calls: list[str] = []
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    with handling_signals(lambda: calls.append("stop"), reload=lambda: calls.append("reload")):
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGINT)
    assert calls == ["stop", "reload", "stop"]
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_without_reload_sighup_keeps_its_handler(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    previous = signal.getsignal(signal.SIGHUP)
    with handling_signals(lambda: calls.append("stop"), stopping="finishing the batch in hand"):
        assert signal.getsignal(signal.SIGHUP) == previous
        with caplog.at_level("INFO", logger="flow.signals"):
            os.kill(os.getpid(), signal.SIGTERM)
    assert calls == ["stop"]
    assert "received SIGTERM; finishing the batch in hand" in caplog.text
