"""The bounded wait: true as soon as the condition holds, false once the time is up."""

from __future__ import annotations

import time

import pytest

from tests.support.waiting import wait_until


def test_a_condition_that_already_holds_is_not_waited_for() -> None:
    calls: list[None] = []

    def holds() -> bool:
        calls.append(None)
        return True

    started = time.monotonic()
    assert wait_until(holds, timeout=5, step=1.0)
    assert len(calls) == 1
    assert time.monotonic() - started < 0.5


def test_a_condition_that_comes_true_later_is_seen() -> None:
    calls: list[None] = []

    def third_time() -> bool:
        calls.append(None)
        return len(calls) >= 3

    assert wait_until(third_time, timeout=5, step=0.001)
    assert len(calls) == 3


def test_a_condition_that_never_holds_gives_false_after_the_timeout() -> None:
    started = time.monotonic()
    assert wait_until(lambda: False, timeout=0.2, step=0.01) is False
    assert 0.2 <= time.monotonic() - started < 1.0


def test_a_step_longer_than_the_timeout_is_cut_to_the_deadline_and_checked_there() -> None:
    started = time.monotonic()
    deadline = started + 0.1
    # True only from the deadline on: seen by the last check, after one shortened step.
    assert wait_until(lambda: time.monotonic() >= deadline, timeout=0.1, step=30)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(("timeout", "step"), [(-1, 0.1), (1, 0), (1, -0.5)])
def test_a_negative_timeout_or_a_step_that_is_not_positive_is_refused(
    timeout: float, step: float
) -> None:
    with pytest.raises(ValueError, match="step"):
        wait_until(lambda: True, timeout=timeout, step=step)
