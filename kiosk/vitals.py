"""The kiosk's vitals for the heartbeat: disk, memory, uptime, versions, outbox health.

Standard library only (the kiosk runs on small Linux boxes): disk from shutil, memory from
/proc. Each reading that fails is left out (None) rather than failing the heartbeat: a
heartbeat without the disk figure is worth more than no heartbeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import resource
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.outbox import Outbox, State

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import KioskVitals

log = logging.getLogger(__name__)

_MB = 1024 * 1024


def disk_free_mb(folder: Path) -> float | None:
    """Free space, in MB, of the file system holding `folder`."""
    try:
        return round(shutil.disk_usage(folder).free / _MB, 1)
    except OSError:
        return None


def _meminfo_kb(name: str, meminfo: Path) -> int | None:
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            key, _, rest = line.partition(":")
            if key == name:
                return int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_available_mb(meminfo: Path = Path("/proc/meminfo")) -> float | None:
    """Memory the machine can still give programs without swapping, in MB."""
    kb = _meminfo_kb("MemAvailable", meminfo)
    return None if kb is None else round(kb / 1024, 1)


def process_rss_mb(status: Path = Path("/proc/self/status")) -> float | None:
    """Resident memory of this process now, in MB (the peak where /proc is missing)."""
    kb = _meminfo_kb("VmRSS", status)
    if kb is not None:
        return round(kb / 1024, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in kilobytes on Linux and bytes on macOS.
    return round(peak / (_MB if sys.platform == "darwin" else 1024), 1)


@dataclass
class VitalSigns:
    """Reads the kiosk's vitals; built by the composition root from small callables."""

    outbox: Outbox
    data_dir: Path
    catalog_version: Callable[[], int | None]
    config_version: str
    clock_skew: Callable[[], float | None]
    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def __post_init__(self) -> None:
        self._started = self.monotonic()

    def read(self) -> KioskVitals:
        """The vitals as they are now."""
        from wire import KioskVitals

        counts = self.outbox.counts()
        usage = self.outbox.usage()
        oldest = self.outbox.oldest_pending()
        age = None if oldest is None else max(0.0, (self.now() - oldest).total_seconds())
        skew = self.clock_skew()
        return KioskVitals(
            disk_free_mb=disk_free_mb(self.data_dir),
            memory_available_mb=memory_available_mb(),
            process_rss_mb=process_rss_mb(),
            uptime_seconds=round(max(0.0, self.monotonic() - self._started)),
            catalog_version=self.catalog_version(),
            config_version=self.config_version or None,
            outbox_failed=counts[State.FAILED],
            outbox_quarantined=counts[State.QUARANTINED],
            outbox_used_percent=round(min(100.0, usage.fraction * 100), 1),
            oldest_pending_seconds=None if age is None else round(age),
            clock_skew_seconds=None if skew is None else round(skew, 1),
        )
