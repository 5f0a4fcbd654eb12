"""Work done now and then every so many seconds on a daemon thread of its own, until stopped:
the kiosk's background refreshes (the content copy, the attract loop's cards)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

MIN_PAUSE = 1.0  # seconds between two rounds even when one ran over its period


class Repeating:
    """Runs `work` at once and then every `seconds` (start to start) on a thread `name`."""

    def __init__(
        self,
        name: str,
        seconds: float,
        work: Callable[[], object],
        *,
        min_pause: float = MIN_PAUSE,
    ) -> None:
        self.name = name
        self.seconds = seconds
        self.min_pause = min_pause
        self._work = work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (the first round runs now)."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the round under way, waiting up to `timeout` seconds for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._work()
            except Exception as err:  # the top of a worker thread: log it, try next round
                log.error("%s failed error=%s", self.name, type(err).__name__)
            self._stop.wait(max(self.min_pause, self.seconds - (time.monotonic() - started)))
