"""A background refresh: runs at once, again each period, survives a failing round, stops."""

from __future__ import annotations

import logging
import threading

import pytest

from kiosk.repeating import Repeating


def test_the_work_runs_at_once_and_then_again_each_period() -> None:
    rounds: list[int] = []
    third = threading.Event()

    def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 3:
            third.set()

    repeating = Repeating("test-refresh", 0.01, work, min_pause=0.01)
    repeating.start()
    try:
        assert third.wait(10.0)
    finally:
        repeating.stop()
    assert rounds[:3] == [0, 1, 2]


def test_a_failing_round_is_logged_by_name_and_the_next_round_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    recovered = threading.Event()

    def work() -> None:
        calls.append("call")
        if len(calls) == 1:
            raise ConnectionError("the controller is away")
        recovered.set()

    repeating = Repeating("test-refresh", 0.01, work, min_pause=0.01)
    with caplog.at_level(logging.ERROR, logger="kiosk.repeating"):
        repeating.start()
        try:
            assert recovered.wait(10.0)
        finally:
            repeating.stop()
    assert "test-refresh failed error=ConnectionError" in caplog.text
    assert "the controller is away" not in caplog.text  # the type only: a message may hold data


def test_stop_ends_the_thread_before_its_next_round() -> None:
    ran = threading.Event()
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        ran.set()

    repeating = Repeating("test-refresh", 3600.0, work)
    repeating.start()
    assert ran.wait(10.0)
    repeating.stop()
    assert not any(t.name == "test-refresh" and t.is_alive() for t in threading.enumerate())
    assert calls == [1]
