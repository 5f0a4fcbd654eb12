"""Maintenance mode: the technician's PIN, its lockout, the hidden gesture, and what they see.

The way in (docs/technicians.md says it for people):
1. On the service menu, with no visit in progress, hold a finger on the **top-left corner**
   for 3 seconds (`CornerGesture`), then within 10 seconds tap the **top-right**,
   **bottom-right** and **bottom-left** corners in that order (clockwise). Corners are the
   squares of 12 % of the screen's shorter side.
2. Enter the maintenance PIN (6 to 12 digits).

The PIN is never stored: `PinFile` keeps an scrypt hash with a random salt; `PinGate`
rate-limits attempts and locks the pad after too many wrong PINs, on disk, so a restart buys
no new guesses (kiosk/maintenance_pin.py). The gesture is kiosk/maintenance_gesture.py.

`Maintenance` is what the maintenance screen asks of the kiosk (`MaintenancePort`): a
snapshot of device health, outbox, network and recent log lines, the self-test with
progress, and the out-of-service switch. While a technician is in, the heartbeat's status
is `maintenance`. What happens at the screen goes to the controller as audited events
(wire.MaintenanceEventIn, through the outbox): entered, left (to service or the desktop), a
wrong PIN with the count so far, a lockout with its end (an alert for ops: someone tried
many PINs), out of service switched on or off. Facts only: no digits, no names (the PIN is
the station's, not a person's), no out-of-service words typed by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from drivers.errors import DriverError
from drivers.manager import DeviceManager, Health
from drivers.printer import Cut, KeyValue, Line, Receipt, Title
from drivers.selftest import Check, Report, check_open_idcard, run_checks
from flows import Texts
from kiosk.journal import redact
from kiosk.maintenance_pin import (
    LOCKOUT_FILE,
    Attempt,
    PinFile,
    PinGate,
    Verdict,
)
from kiosk.outbox import Outbox, OutboxFull, State
from kiosk.receipts import ReceiptOutput
from wire import DeviceKind, MaintenanceEventKind, MaintenanceExit

if TYPE_CHECKING:
    from kiosk.composition import Kiosk
    from wire import MaintenanceEventIn

log = logging.getLogger(__name__)

__all__ = [
    "DeviceLine",
    "Maintenance",
    "MaintenancePort",
    "Snapshot",
    "build_maintenance",
    "network_addresses",
    "printer_check",
    "rescan_checks",
]


@dataclass(frozen=True)
class DeviceLine:
    """One device as the technician sees it."""

    kind: str
    health: str
    reason: str
    identity: str


@dataclass(frozen=True)
class Snapshot:
    """What the maintenance screen shows, gathered at one moment."""

    devices: tuple[DeviceLine, ...]
    outbox_pending: int
    outbox_failed: int
    oldest_pending: dt.datetime | None
    online: bool
    controller_url: str
    network: tuple[str, ...]
    out_of_service: str | None
    log_lines: tuple[str, ...]


class MaintenancePort(Protocol):
    """What the maintenance screen asks of the kiosk."""

    def try_pin(self, pin: str) -> Attempt:
        """Check a PIN against the limits."""
        ...

    def locked_for(self) -> float:
        """Seconds until the PIN pad takes a PIN again."""
        ...

    def snapshot(self) -> Snapshot:
        """Device health, outbox, network, controller and recent log lines now."""
        ...

    def self_test(self, progress: Callable[[int, int, Check], None]) -> Report:
        """Check every device, reporting after each (runs on a worker thread)."""
        ...

    def set_out_of_service(self, on: bool, reason: str) -> None:
        """Take the kiosk out of service or back in."""
        ...

    def opened(self) -> None:
        """The technician is in (audited)."""
        ...

    def closed(self, how: str) -> None:
        """The technician left: back to service, or to the desktop (audited)."""
        ...


def network_addresses() -> tuple[str, ...]:
    """This machine's interfaces with an address (`eth0 192.168.1.20`), loopback left out."""
    found = []
    try:
        import fcntl
        import socket
        import struct

        for _index, name in socket.if_nameindex():
            if name == "lo":
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                try:
                    # SIOCGIFADDR: the interface's IPv4 address, without a netlink library.
                    packed = fcntl.ioctl(
                        sock.fileno(), 0x8915, struct.pack("256s", name[:15].encode())
                    )
                    found.append(f"{name} {socket.inet_ntoa(packed[20:24])}")
                except OSError:
                    found.append(f"{name} (no address)")
    except OSError:
        return ()
    return tuple(found)


class Maintenance:
    """The kiosk's side of the maintenance screen."""

    def __init__(
        self,
        *,
        gate: PinGate,
        devices: DeviceManager,
        outbox: Outbox,
        online: Callable[[], bool],
        controller_url: str,
        out_of_service: Callable[[], str | None],
        set_out_of_service: Callable[[bool, str], None],
        checks: Callable[[], Sequence[Callable[[], Check]]],
        log_lines: Callable[[int], Sequence[str]] = lambda count: (),
        network: Callable[[], tuple[str, ...]] = network_addresses,
        record: Callable[[MaintenanceEventIn], None] = lambda event: None,
        technician_in: Callable[[bool], None] = lambda on: None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        """`record` queues an event for the controller (the outbox); `technician_in` tells
        the kiosk a technician is in or out (the heartbeat's status); `now` is the kiosk's
        wall clock, with its offset, for the events' times."""
        self._gate = gate
        self._devices = devices
        self._outbox = outbox
        self._online = online
        self._controller_url = controller_url
        self._out_of_service = out_of_service
        self._set_out_of_service = set_out_of_service
        self._checks = checks
        self._log_lines = log_lines
        self._network = network
        self._record = record
        self._technician_in = technician_in
        self._now = now
        self._inside = False

    def try_pin(self, pin: str) -> Attempt:
        """Check a PIN against the limits; a wrong PIN and a lockout are reported."""
        attempt = self._gate.try_pin(pin)
        if attempt.verdict is Verdict.WRONG:
            self._event(MaintenanceEventKind.PIN_FAILED, failures=attempt.failures)
        elif attempt.verdict is Verdict.LOCKED and attempt.locked_now:
            now = self._now()
            self._event(
                MaintenanceEventKind.LOCKED_OUT,
                at=now,
                failures=attempt.failures,
                locked_until=now + dt.timedelta(seconds=attempt.wait_seconds),
            )
        return attempt

    def locked_for(self) -> float:
        """Seconds until the PIN pad takes a PIN again."""
        return self._gate.locked_for()

    def snapshot(self) -> Snapshot:
        """Device health, outbox, network, controller and recent log lines now."""
        counts = self._outbox.counts()
        return Snapshot(
            devices=tuple(
                DeviceLine(s.kind, str(s.health), s.reason, s.identity)
                for s in self._devices.devices()
            ),
            outbox_pending=counts[State.PENDING] + counts[State.IN_FLIGHT],
            outbox_failed=counts[State.FAILED],
            oldest_pending=self._outbox.oldest_pending(),
            online=self._online(),
            controller_url=self._controller_url,
            network=self._network(),
            out_of_service=self._out_of_service(),
            # The log formatter has masked them already; this is the screen's own guard.
            log_lines=tuple(redact(line) for line in self._log_lines(40)),
        )

    def self_test(self, progress: Callable[[int, int, Check], None]) -> Report:
        """Check every device, reporting after each (runs on a worker thread)."""
        log.info("maintenance_selftest started")
        report = run_checks(self._checks(), progress)
        failed = ",".join(c.device for c in report.checks if not c.ok) or "none"
        log.info("maintenance_selftest done ok=%s failed=%s", report.ok, failed)
        return report

    def set_out_of_service(self, on: bool, reason: str) -> None:
        """Take the kiosk out of service or back in (audited)."""
        self._set_out_of_service(on, reason)
        log.info("maintenance_out_of_service on=%s", on)
        self._event(
            MaintenanceEventKind.OUT_OF_SERVICE_ON
            if on
            else MaintenanceEventKind.OUT_OF_SERVICE_OFF
        )

    def opened(self) -> None:
        """The technician is in (audited; the heartbeat says maintenance until they leave)."""
        log.info("maintenance_opened")
        self._inside = True
        self._technician_in(True)
        self._event(MaintenanceEventKind.ENTERED)

    def closed(self, how: str) -> None:
        """The technician left: back to service, or to the desktop (audited)."""
        log.info("maintenance_closed to=%s", how)
        if not self._inside:
            return  # never opened (left the PIN pad): nothing to end
        self._inside = False
        self._technician_in(False)
        try:
            left_to = MaintenanceExit(how)
        except ValueError:
            left_to = MaintenanceExit.SERVICE
        self._event(MaintenanceEventKind.LEFT, left_to=left_to)

    def _event(
        self,
        kind: MaintenanceEventKind,
        *,
        at: dt.datetime | None = None,
        failures: int | None = None,
        locked_until: dt.datetime | None = None,
        left_to: MaintenanceExit | None = None,
    ) -> None:
        from wire import MaintenanceEventIn

        event = MaintenanceEventIn(
            key=uuid.uuid4().hex,
            created_at=at or self._now(),
            kind=kind,
            failures=failures,
            locked_until=locked_until,
            left_to=left_to,
        )
        try:
            self._record(event)
        except OutboxFull as err:
            # The technician's work must not stop for the record: the journal line stays.
            log.warning("maintenance_event not queued kind=%s reason=%s", kind, err)


def printer_check(output: ReceiptOutput, clock: Callable[[], dt.datetime]) -> Check:
    """Print a short test receipt through the kiosk's own receipt output."""
    started = time.monotonic()
    stamp = clock().strftime("%Y-%m-%d %H:%M:%S")
    receipt = Receipt(
        job_id=f"selftest-{stamp}",
        blocks=(Title("打印自检"), Line("Printer self-test"), KeyValue("时间", stamp), Cut()),
    )
    try:
        output.print(receipt, f"selftest-{clock().strftime('%Y%m%d-%H%M%S')}")
        ok, detail = True, "test receipt printed"
    except DriverError as err:
        ok, detail = False, f"{type(err).__name__}: {err}"
    return Check("printer", ok, detail, int((time.monotonic() - started) * 1000))


def rescan_checks(devices: DeviceManager, kinds: Sequence[str]) -> list[Callable[[], Check]]:
    """One check per device kind from a fresh scan (readers of social cards, the camera)."""

    def check(kind: str) -> Check:
        started = time.monotonic()
        devices.scan_once()
        status = devices.health().get(kind)
        ok = status is not None and status.health in (Health.OK, Health.DEGRADED)
        detail = "not configured" if status is None else f"{status.health} {status.reason}"
        return Check(kind, ok, detail.strip(), int((time.monotonic() - started) * 1000))

    return [functools.partial(check, kind) for kind in kinds]


def build_maintenance(
    kiosk: Kiosk,
    pin_file: Path,
    *,
    log_lines: Callable[[int], Sequence[str]] = lambda count: (),
    clock: Callable[[], float] = time.time,
) -> Maintenance:
    """The maintenance side of an assembled kiosk (the PIN lockout kept in its data folder)."""
    hardware = kiosk.hardware
    # The reader and the printer are checked through the open drivers; the rest by a scan.
    own = (DeviceKind.ID_CARD_READER, DeviceKind.RECEIPT_PRINTER)

    def checks() -> list[Callable[[], Check]]:
        return [
            lambda: check_open_idcard(hardware.reader),
            lambda: printer_check(hardware.printer, kiosk.station.now),
            *rescan_checks(
                hardware.devices, [k for k in hardware.devices.health() if k not in own]
            ),
        ]

    return Maintenance(
        gate=PinGate(PinFile(pin_file), kiosk.config.data_dir / LOCKOUT_FILE, clock=clock),
        devices=hardware.devices,
        outbox=kiosk.outbox,
        online=lambda: kiosk.sync.online,
        controller_url=kiosk.config.controller_url,
        out_of_service=lambda: _zh(kiosk.service.out_of_service()),
        set_out_of_service=kiosk.service.set_out_of_service,
        checks=checks,
        log_lines=log_lines,
        record=functools.partial(_queue_event, kiosk),
        technician_in=kiosk.service.technician_in,
        now=kiosk.station.now,
    )


def _queue_event(kiosk: Kiosk, event: MaintenanceEventIn) -> None:
    kiosk.outbox.add_maintenance_event(event)  # on disk first: it outlives a network gone
    kiosk.sync.wake()


def _zh(reason: Texts | None) -> str | None:
    return None if reason is None else reason.get("zh-CN")
