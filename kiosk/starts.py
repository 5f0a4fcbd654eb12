"""When the kiosk program started, kept on disk, so a crash loop shows in the heartbeat.

A kiosk that crashes is restarted by its supervisor and, from inside, looks like it has
just started; only a record that outlives the process can tell the third start in ten
minutes from a morning's first. Each start appends its time; the heartbeat reports how
many fall within the last hour (wire.Heartbeat.starts_last_hour) and the controller raises
crash_loop past its threshold. A broken or missing file counts as no earlier starts: the
record must never be the reason a kiosk cannot start.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

HOUR = 3600.0
# Starts older than this are dropped when the file is written: it stays a few hundred bytes.
KEEP_SECONDS = 24 * HOUR
KEEP_AT_MOST = 200


class StartLog:
    """The kiosk program's start times (wall clock, seconds), in a small JSON file."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock

    def record(self) -> None:
        """Note that the program starts now (atomically: a crash mid-write loses nothing)."""
        now = self._clock()
        starts = [t for t in self._read() if now - t < KEEP_SECONDS][-(KEEP_AT_MOST - 1) :]
        starts.append(now)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        try:
            with tmp.open("w", encoding="utf-8") as out:
                json.dump(starts, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except OSError as err:
            log.warning("start log not written: %s", type(err).__name__)

    def within_last_hour(self) -> int:
        """How many starts (this one included) fall within the last hour."""
        now = self._clock()
        return sum(1 for t in self._read() if 0 <= now - t < HOUR)

    def _read(self) -> list[float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        return [float(t) for t in data if isinstance(t, int | float) and not isinstance(t, bool)]
