"""Hot-plug and health: scan, diff, probe, debounce, report (STYLE rule 6).

Each scan asks every scanner which addresses of its kind are present now. New addresses are
probed at once; an address that stops showing up is declared gone only after
`missed_scans_before_gone` scans in a row, because USB serial adapters and PC/SC readers
blink out for a scan when a cleaner bumps the cable. Every kind the kiosk expects has a
health entry even when nothing of that kind is present (`absent`), so ops sees a missing
printer, not silence.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


class Health(enum.StrEnum):
    """How a device is, in ops terms."""

    OK = "ok"
    DEGRADED = "degraded"  # works, but needs attention soon (paper near end)
    FAULTED = "faulted"  # present but not working
    ABSENT = "absent"  # not connected


@dataclass(frozen=True)
class ProbeResult:
    """What a probe found at an address."""

    health: Health
    reason: str = ""
    identity: str = ""  # e.g. a SAM ID or reader name, shown to technicians


@dataclass(frozen=True)
class DeviceStatus:
    """The health of one device (or of an expected kind with no device)."""

    kind: str
    address: str
    health: Health
    reason: str
    identity: str
    since: float


class EventKind(enum.StrEnum):
    """What changed."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class DeviceEvent:
    """One change seen by a scan."""

    kind: EventKind
    status: DeviceStatus


class Scanner(Protocol):
    """Enumerates and probes the devices of one kind."""

    kind: str

    def scan(self) -> Collection[str]:
        """Addresses of this kind present right now."""
        ...

    def probe(self, address: str) -> ProbeResult:
        """Check the device at `address`; must not raise."""
        ...


# The manager, its scanners and its bookkeeping are objects with a life, compared by
# identity: generating field-by-field equality (and a repr for the bookkeeping) was import
# time before every kiosk's menu, for nothing that compares them.
@dataclass(eq=False, repr=False)
class _Tracked:
    status: DeviceStatus
    missed: int = 0


@dataclass(eq=False)
class DeviceManager:
    """Keeps the health of every device up to date, one scan at a time."""

    scanners: list[Scanner]
    expected: Collection[str] = ()
    missed_scans_before_gone: int = 3
    clock: Callable[[], float] = time.monotonic
    _devices: dict[tuple[str, str], _Tracked] = field(default_factory=dict, init=False)
    _listeners: list[Callable[[DeviceEvent], None]] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def subscribe(self, listener: Callable[[DeviceEvent], None]) -> None:
        """Call `listener` with every event (on the scanning thread)."""
        self._listeners.append(listener)

    def scan_once(self) -> list[DeviceEvent]:
        """Scan every kind once; return and publish what changed."""
        events: list[DeviceEvent] = []
        for scanner in self.scanners:
            events.extend(self._scan_kind(scanner))
        for event in events:
            log.info("device %s kind=%s address=%s health=%s", event.kind, event.status.kind,
                     event.status.address, event.status.health)  # fmt: skip
            for listener in self._listeners:
                listener(event)
        return events

    def _scan_kind(self, scanner: Scanner) -> list[DeviceEvent]:
        try:
            present = set(scanner.scan())
        except Exception as err:  # noqa: BLE001 - a broken enumeration is a health state
            log.warning("scan failed kind=%s error=%s", scanner.kind, err)
            present = set()
        now = self.clock()
        events: list[DeviceEvent] = []
        with self._lock:
            known = {a for (k, a) in self._devices if k == scanner.kind}
            for address in sorted(present):
                tracked = self._devices.get((scanner.kind, address))
                result = _safe_probe(scanner, address)
                status = DeviceStatus(
                    scanner.kind, address, result.health, result.reason, result.identity, now
                )
                if tracked is None:
                    self._devices[(scanner.kind, address)] = _Tracked(status)
                    events.append(DeviceEvent(EventKind.ADDED, status))
                    continue
                tracked.missed = 0
                old = tracked.status
                if (old.health, old.reason, old.identity) != (status.health, status.reason,
                                                              status.identity):  # fmt: skip
                    tracked.status = status
                    events.append(DeviceEvent(EventKind.CHANGED, status))
            for address in sorted(known - present):
                tracked = self._devices[(scanner.kind, address)]
                tracked.missed += 1
                if tracked.missed >= self.missed_scans_before_gone:
                    del self._devices[(scanner.kind, address)]
                    gone = DeviceStatus(scanner.kind, address, Health.ABSENT, "disconnected", "",
                                        now)  # fmt: skip
                    events.append(DeviceEvent(EventKind.REMOVED, gone))
        return events

    def health(self) -> dict[str, DeviceStatus]:
        """Health by kind: the best device of each; `absent` for an expected kind with none."""
        order = [Health.OK, Health.DEGRADED, Health.FAULTED, Health.ABSENT]
        best: dict[str, DeviceStatus] = {}
        with self._lock:
            statuses = [t.status for t in self._devices.values()]
        for status in statuses:
            current = best.get(status.kind)
            if current is None or order.index(status.health) < order.index(current.health):
                best[status.kind] = status
        for kind in self.expected:
            best.setdefault(kind, DeviceStatus(kind, "", Health.ABSENT, "not connected", "", 0.0))
        return best

    def devices(self) -> list[DeviceStatus]:
        """Every device currently tracked."""
        with self._lock:
            return [t.status for t in self._devices.values()]

    def start(self, interval: float = 2.0) -> None:
        """Scan every `interval` seconds on a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True,
                                        name="device-manager")  # fmt: skip
        self._thread.start()

    def stop(self) -> None:
        """Stop scanning and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                self.scan_once()
            except Exception:  # noqa: BLE001 - top of a worker thread
                log.exception("device scan failed")
            self._stop.wait(interval)


def _safe_probe(scanner: Scanner, address: str) -> ProbeResult:
    try:
        return scanner.probe(address)
    except Exception as err:  # noqa: BLE001 - a probe that raises is a faulted device
        return ProbeResult(Health.FAULTED, f"probe failed: {type(err).__name__}: {err}")


@dataclass(eq=False)
class PathScanner:
    """Devices that are paths (serial ports, printer nodes): present while the path exists."""

    kind: str
    candidates: Callable[[], Iterable[str]]
    prober: Callable[[str], ProbeResult]

    def scan(self) -> Collection[str]:
        """The candidate paths that exist now."""
        return {path for path in self.candidates() if os.path.exists(path)}

    def probe(self, address: str) -> ProbeResult:
        """Run the kind's probe on `address`."""
        return self.prober(address)
