"""The fake clock: still until moved, one move seen by both views, pauses recorded."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from tests.support.clock import WALL_START, FakeClock
from tests.support.waiting import wait_until


def test_time_stands_still_until_the_test_moves_it() -> None:
    clock = FakeClock()
    before = clock()
    time.sleep(0.01)
    assert clock() == before == 1000.0
    assert clock.wall() == WALL_START


def test_one_advance_moves_the_seconds_and_the_datetime_alike() -> None:
    clock = FakeClock(5.0, wall=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    clock.advance(90.5)
    assert clock() == clock.now == 95.5
    assert clock.wall() == dt.datetime(2026, 1, 1, 0, 1, 30, 500000, tzinfo=dt.UTC)


def test_the_wall_view_keeps_its_timezone() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    clock = FakeClock(wall=dt.datetime(2026, 11, 26, 10, 0, tzinfo=beijing))
    clock.advance(3600)
    assert clock.wall().utcoffset() == dt.timedelta(hours=8)
    assert clock.wall().hour == 11


def test_time_never_moves_back_and_a_naive_datetime_is_refused() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError, match="back"):
        clock.advance(-1)
    assert clock() == 1000.0
    with pytest.raises(ValueError, match="aware"):
        FakeClock(wall=dt.datetime(2026, 11, 26))


def test_a_pause_is_recorded_and_moves_time_without_sleeping_it() -> None:
    clock = FakeClock(0.0)
    started = time.monotonic()
    clock.pause(60)
    clock.pause(0.5)
    assert time.monotonic() - started < 1.0
    assert clock.pauses == [60, 0.5]
    assert clock() == 60.5


def test_a_worker_pausing_in_a_loop_leaves_the_test_thread_free_to_stop_it() -> None:
    clock = FakeClock(0.0)
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            clock.pause(1)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert wait_until(lambda: clock() >= 20)  # the test thread sees the worker's time move
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert clock() == len(clock.pauses)
