"""Night-time on a 24-hour kiosk: a dimmer idle screen, and a restart that waits for a gap.

Both follow the station's clock and the `[night]` table of kiosk.toml (kiosk.config
`NightConfig`). The screen dims only while nobody uses it: a citizen at 2 a.m. touches it
and gets the full brightness back at once. Dimming uses the panel's backlight when Linux
offers one in /sys/class/backlight (less light, less power), else a dark overlay drawn by
the UI.

The nightly restart frees what a long-running process gathers (fragmented memory, a driver
in a strange state). It happens only inside the window, only on the menu with no visit in
progress and nobody touching the screen for `restart_idle_seconds`, and only once per
window: the process ends with `RESTART_EXIT_CODE`, which systemd's `Restart=on-failure`
restarts, and a process that started inside the window does not restart again in it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# EX_TEMPFAIL: "try again later"; any non-zero status makes systemd restart the unit.
RESTART_EXIT_CODE = 75
BACKLIGHT_ROOT = Path("/sys/class/backlight")


def parse_hhmm(text: str) -> dt.time:
    """'22:30' as a time of day; ValueError naming the format otherwise."""
    try:
        hours, minutes = text.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError as err:
        raise ValueError(f"a time of day is HH:MM, not {text!r}") from err


@dataclass(frozen=True)
class Window:
    """A daily window of time, which may cross midnight (22:00-06:00)."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, start: str, end: str) -> Window:
        """The window from two HH:MM strings."""
        return cls(parse_hhmm(start), parse_hhmm(end))

    def contains(self, moment: dt.datetime) -> bool:
        """True when `moment` (station time) falls in the window."""
        now = moment.time()
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def opened_at(self, moment: dt.datetime) -> dt.datetime:
        """When the window that contains `moment` opened (call only inside the window)."""
        opened = moment.replace(
            hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0
        )
        return opened if opened <= moment else opened - dt.timedelta(days=1)


@dataclass(frozen=True)
class NightPlan:
    """When to dim and to restart, from kiosk.toml's [night] table."""

    dim: Window | None
    dim_level: float
    dim_after_idle_seconds: float
    restart: Window | None
    restart_idle_seconds: float

    def brightness(self, now: dt.datetime, idle_seconds: float) -> float:
        """The screen's brightness (0-1) now, given how long nobody has touched it."""
        if self.dim is None or idle_seconds < self.dim_after_idle_seconds:
            return 1.0
        return self.dim_level if self.dim.contains(now) else 1.0

    def restart_due(
        self, now: dt.datetime, started: dt.datetime, *, between_visits: bool, idle_seconds: float
    ) -> bool:
        """True when the kiosk may restart now without interrupting anyone."""
        if self.restart is None or not between_visits:
            return False
        if idle_seconds < self.restart_idle_seconds or not self.restart.contains(now):
            return False
        # Once per window: a process started since the window opened is the restarted one.
        return started < self.restart.opened_at(now)


class Backlight:
    """The panel's backlight in sysfs, dimmed relative to the brightness found at start."""

    def __init__(self, device: Path) -> None:
        self._device = device
        self._max = int((device / "max_brightness").read_text().strip())
        self._day = int((device / "brightness").read_text().strip()) or self._max
        self._current = self._day

    @classmethod
    def find(cls, root: Path = BACKLIGHT_ROOT) -> Backlight | None:
        """The first backlight Linux offers that this process may set, or None."""
        try:
            devices = sorted(root.iterdir())
        except OSError:
            return None
        for device in devices:
            try:
                light = cls(device)
            except (OSError, ValueError):
                continue
            if (device / "brightness").is_file() and _writable(device / "brightness"):
                return light
        return None

    def set(self, level: float) -> None:
        """Set the brightness to `level` (0-1) of the daytime brightness; never fully dark."""
        value = max(1, min(self._max, round(self._day * level)))
        if value == self._current:
            return
        try:
            (self._device / "brightness").write_text(str(value))
            self._current = value
        except OSError as err:
            log.warning("backlight not set error=%s", type(err).__name__)


def _writable(path: Path) -> bool:
    try:
        with path.open("r+"):
            return True
    except OSError:
        return False
