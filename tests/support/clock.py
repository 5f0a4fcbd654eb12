"""One fake clock for every test: time moves only when the test (or the code's own `pause`)
moves it, so a test of a 30-second timeout takes no 30 seconds.

The code under test takes its clock as a callable. Most of it wants monotonic seconds (flow
step timers, the UI session, the outbox's retry times, a camera's frame pacing): pass the
clock itself. The controller wants aware datetimes (booking holds, "last seen"): pass
`clock.wall`. Both views move together, so one `advance` is seen by both.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

# Thursday 2026-11-26, 10:00:30 in Beijing: the day the tests' sample data is dated.
WALL_START = dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC)


class FakeClock:
    """Time that moves only when the test says so, as monotonic seconds and as a datetime."""

    def __init__(self, start: float = 1000.0, *, wall: dt.datetime = WALL_START) -> None:
        if wall.tzinfo is None:
            # The controller compares with aware datetimes; a naive one would fail far away.
            raise ValueError("wall must be timezone-aware")
        self._start = start
        self._seconds = start
        self._wall_start = wall
        # Every `pause` the code under test asked for, in order.
        self.pauses: list[float] = []
        # A camera's worker thread reads and pauses while the test thread reads the clock.
        self._lock = threading.Lock()

    def __call__(self) -> float:
        """Monotonic seconds: what `time.monotonic` would say."""
        with self._lock:
            return self._seconds

    @property
    def now(self) -> float:
        """The monotonic seconds now (the same as calling the clock)."""
        return self()

    def wall(self) -> dt.datetime:
        """The aware datetime now, moved as far from its start as the seconds were."""
        with self._lock:
            return self._wall_start + dt.timedelta(seconds=self._seconds - self._start)

    def advance(self, seconds: float) -> None:
        """Move time forward; a monotonic clock never runs backwards."""
        if seconds < 0:
            raise ValueError(f"time cannot move back ({seconds} s)")
        with self._lock:
            self._seconds += seconds

    def pause(self, seconds: float) -> None:
        """A stand-in for `time.sleep` given to the code: records the pause and moves time."""
        self.advance(seconds)
        with self._lock:
            self.pauses.append(seconds)
        # A worker pausing in a loop would otherwise hold the GIL and starve the test thread
        # that wants to stop it; a moment of real sleep lets that thread run.
        time.sleep(0.0005)


def running_from(hour: int, timezone: str = "Asia/Shanghai") -> Callable[[], dt.datetime]:
    """A real, running wall clock that reads `hour`:00 at `timezone` when made: the latest
    such time not after now (today's, or yesterday's before that hour).

    For tests that go through the real controller, whose own clock runs on, but whose answer
    must not depend on the hour the suite runs at (a service closed at night, say). Never in
    the future: the controller refuses records from ahead of its own time.
    """
    zone = ZoneInfo(timezone)
    real_start = dt.datetime.now(dt.UTC)
    local_now = real_start.astimezone(zone)
    local_start = local_now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local_start > local_now:
        local_start -= dt.timedelta(days=1)
    started = time.monotonic()
    return lambda: local_start + dt.timedelta(seconds=time.monotonic() - started)
