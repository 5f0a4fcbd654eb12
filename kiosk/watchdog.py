"""systemd's notify protocol: READY=1 once the menu is up, WATCHDOG=1 only while the UI lives.

The unit (deploy/estation-kiosk.service) is `Type=notify` with `WatchdogSec=`: systemd starts
the kiosk, waits for READY=1, then kills and restarts it when no WATCHDOG=1 arrives within
the watchdog time. A ping must prove the touchscreen still answers, not merely that some
thread of the process runs, so the UI thread's clock calls `Watchdog.ui_alive()` and the
feeder thread pings only while that happened recently: a UI thread stuck in a driver call or
a long loop stops the pings, and systemd restarts the kiosk.

The protocol (sd_notify(3)): newline-separated `KEY=VALUE` lines in one datagram to the
AF_UNIX socket named by $NOTIFY_SOCKET; a name starting with `@` is in the abstract
namespace. Without $NOTIFY_SOCKET (a development run) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends sd_notify messages to the socket systemd gave this process, if any."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._warned = False

    @property
    def enabled(self) -> bool:
        """True when running under systemd with a notify socket."""
        return bool(self._address)

    def send(self, *lines: str) -> bool:
        """Send one datagram of `KEY=VALUE` lines; False when there is nowhere to send it."""
        if not self._address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self._address)
                sock.sendall("\n".join(lines).encode())
        except OSError as err:
            if not self._warned:  # once: a missing socket would otherwise flood the log
                log.warning("sd_notify failed error=%s", type(err).__name__)
                self._warned = True
            return False
        return True

    def ready(self, status: str = "") -> bool:
        """Tell systemd the kiosk is up (the first menu frame is on the screen)."""
        return self.send("READY=1", *([f"STATUS={status}"] if status else []))

    def stopping(self) -> bool:
        """Tell systemd the kiosk is shutting down on purpose."""
        return self.send("STOPPING=1")

    def status(self, text: str) -> bool:
        """A one-line status that `systemctl status` shows."""
        return self.send(f"STATUS={text}")

    def ping(self) -> bool:
        """Feed systemd's watchdog."""
        return self.send("WATCHDOG=1")


def watchdog_seconds(environ: Mapping[str, str] | None = None) -> float | None:
    """The watchdog time systemd set for this process (WatchdogSec=), None when it set none."""
    env = os.environ if environ is None else environ
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):  # meant for another process (a parent shell)
        return None
    return int(usec) / 1_000_000


class Watchdog:
    """Pings systemd while the UI thread keeps calling `ui_alive()`, and stops when it stalls."""

    def __init__(
        self,
        notifier: Notifier,
        *,
        stall_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notifier = notifier
        self._stall = stall_seconds
        self._clock = clock
        self._last_ui: float | None = None
        self._stalled = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ui_alive(self) -> None:
        """Called on the UI thread by its clock: the touchscreen answers."""
        self._last_ui = self._clock()

    def feed(self) -> bool:
        """Ping systemd if the UI ticked within the stall time; True when pinged."""
        last = self._last_ui
        alive = last is not None and self._clock() - last <= self._stall
        if not alive:
            if not self._stalled and last is not None:
                log.error("ui_stalled seconds=%.0f watchdog=not_fed", self._clock() - last)
            self._stalled = last is not None
            return False
        if self._stalled:
            log.info("ui_recovered watchdog=fed")
            self._stalled = False
        return self._notifier.ping()

    def start(self, interval: float) -> None:
        """Feed every `interval` seconds from a daemon thread (half the watchdog time)."""
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="watchdog", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop feeding."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.feed()
