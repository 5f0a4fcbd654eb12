"""The kiosk's view of its devices: a DeviceManager with probes that go through the open drivers.

Probing a serial reader by opening the port a second time would fight the kiosk for it, so
the ID card probe asks the kiosk's own reader (its lock serialises the probe with a citizen's
read). The result is what the heartbeat tells ops.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.errors import DriverError
from drivers.idcard import IdCardReader
from drivers.manager import DeviceManager, Health, PathScanner, ProbeResult, Scanner
from drivers.printer import ReceiptPrinter
from wire import DeviceKind, DeviceState

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import DeviceHealth

if TYPE_CHECKING:  # OpenCV is loaded only by a kiosk that has a camera (kiosk/hardware.py)
    from kiosk.presence import PresenceWatch

_STATES = {
    Health.OK: DeviceState.OK,
    Health.DEGRADED: DeviceState.DEGRADED,
    Health.FAULTED: DeviceState.FAULTED,
    Health.ABSENT: DeviceState.ABSENT,
}


def idcard_probe(reader: Callable[[], IdCardReader | None]) -> Callable[[str], ProbeResult]:
    """A probe that asks the kiosk's open reader for its SAM status and ID."""

    def probe(address: str) -> ProbeResult:
        current = reader()
        if current is None:
            return ProbeResult(Health.FAULTED, "reader not started")
        try:
            current.check_sam()
            return ProbeResult(Health.OK, identity=current.sam_id())
        except DriverError as err:
            return ProbeResult(Health.FAULTED, f"{type(err).__name__}: {err}")

    return probe


class PrinterScanner:
    """A receipt printer behind a transport: present while it exists, healthy by its status."""

    kind: str = DeviceKind.RECEIPT_PRINTER

    def __init__(self, url: str, printer: ReceiptPrinter) -> None:
        self._url = url
        self._printer = printer
        # A device path (bare or after serial:/file:) must exist; tcp:/usb: are probed only.
        scheme, _, rest = url.partition(":")
        path = url if url.startswith("/") else rest.split("?")[0]
        self._path = path if url.startswith("/") or scheme in ("serial", "file") else None

    def scan(self) -> Collection[str]:
        """The printer's URL while its device node exists."""
        return [self._url] if self._path is None or os.path.exists(self._path) else []

    def probe(self, address: str) -> ProbeResult:
        """Ask the printer's real-time status (DLE EOT)."""
        try:
            status = self._printer.status()
        except DriverError as err:
            return ProbeResult(Health.FAULTED, f"{type(err).__name__}: {err}")
        if status is None:
            return ProbeResult(Health.OK, "status not readable on this printer")
        if status.ready:
            if status.paper_near_end:
                return ProbeResult(Health.DEGRADED, "paper near end")
            return ProbeResult(Health.OK)
        return ProbeResult(Health.FAULTED, status.describe())


class CameraScanner:
    """The front camera, healthy while its frame source delivers frames."""

    kind: str = DeviceKind.CAMERA

    def __init__(self, spec: Callable[[], str], watch: Callable[[], PresenceWatch | None]) -> None:
        # Both read at each scan: the camera is opened after the menu's first frame.
        self._spec = spec
        self._watch = watch

    def scan(self) -> Collection[str]:
        """The camera's source, while its device node (if it has one) exists; nothing
        while the camera is not opened yet."""
        spec = self._spec()
        if not spec:
            return []
        node = spec.startswith("/dev/")
        return [spec] if not node or os.path.exists(spec) else []

    def probe(self, address: str) -> ProbeResult:
        """Frames are arriving, or not."""
        watch = self._watch()
        if watch is not None and watch.working:
            return ProbeResult(Health.OK)
        return ProbeResult(Health.FAULTED, "no frames from the camera")


def folder_probe(address: str) -> ProbeResult:
    """Receipts printed to a folder: fine while the folder is writable."""
    if os.access(address, os.W_OK):
        return ProbeResult(Health.OK, identity="folder")
    return ProbeResult(Health.FAULTED, "receipt folder is not writable")


class PcscScanner:
    """Social security card readers as pcscd lists them (all, or the one configured)."""

    kind: str = DeviceKind.SOCIAL_CARD_READER

    def __init__(self, reader_name: str = "") -> None:
        self._name = reader_name

    def scan(self) -> Collection[str]:
        """Readers listed now; none while pcscd is down."""
        # pyscard loads with the first scan of a kiosk that has a social card reader.
        from drivers.socialcard.service import readers as pcsc_readers

        return [r for r in pcsc_readers() if not self._name or r == self._name]

    def probe(self, address: str) -> ProbeResult:
        """A listed reader is usable; reading a card needs a citizen's card."""
        return ProbeResult(Health.OK, identity=address)


def kiosk_devices(
    *,
    reader_url: Callable[[], str],
    reader: Callable[[], IdCardReader | None],
    printer_path: Path | None,
    printer: PrinterScanner | None = None,
    social_reader: str | None = None,
    camera: CameraScanner | None = None,
) -> DeviceManager:
    """The device manager for this kiosk's configured devices.

    Receipts go to `printer_path` (a folder) or to a real `printer`. `social_reader` is None
    when the kiosk has no social security card reader, "" for any reader.
    """
    scanners: list[Scanner] = [
        PathScanner(DeviceKind.ID_CARD_READER, lambda: [reader_url()], idcard_probe(reader)),
        printer
        or PathScanner(DeviceKind.RECEIPT_PRINTER, lambda: [str(printer_path)], folder_probe),
    ]
    expected = [DeviceKind.ID_CARD_READER, DeviceKind.RECEIPT_PRINTER]
    if social_reader is not None:
        scanners.append(PcscScanner(social_reader))
        expected.append(DeviceKind.SOCIAL_CARD_READER)
    if camera is not None:
        scanners.append(camera)
        expected.append(DeviceKind.CAMERA)
    return DeviceManager(scanners, expected=expected)


def heartbeat_devices(manager: DeviceManager) -> dict[DeviceKind, DeviceHealth]:
    """Device health in the wire's terms."""
    from wire import DeviceHealth

    return {
        DeviceKind(kind): DeviceHealth(state=_STATES[status.health], reason=status.reason[:200])
        for kind, status in manager.health().items()
    }
