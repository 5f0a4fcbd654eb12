"""The kiosk's view of its devices: a DeviceManager with probes that go through the open drivers.

Probing a serial reader by opening the port a second time would fight the kiosk for it, so
the ID card probe asks the kiosk's own reader (its lock serialises the probe with a citizen's
read). The result is what the heartbeat tells ops.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from drivers.errors import DriverError
from drivers.idcard import IdCardReader
from drivers.manager import DeviceManager, Health, PathScanner, ProbeResult
from wire import DeviceHealth, DeviceState

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


def folder_probe(address: str) -> ProbeResult:
    """Receipts printed to a folder: fine while the folder is writable."""
    if os.access(address, os.W_OK):
        return ProbeResult(Health.OK, identity="folder")
    return ProbeResult(Health.FAULTED, "receipt folder is not writable")


def kiosk_devices(
    *,
    reader_url: Callable[[], str],
    reader: Callable[[], IdCardReader | None],
    printer_path: Path,
) -> DeviceManager:
    """The device manager for this kiosk's configured devices."""
    return DeviceManager(
        [
            PathScanner("idcard", lambda: [reader_url()], idcard_probe(reader)),
            PathScanner("printer", lambda: [str(printer_path)], folder_probe),
        ],
        expected=("idcard", "printer"),
    )


def heartbeat_devices(manager: DeviceManager) -> dict[str, DeviceHealth]:
    """Device health in the wire's terms."""
    return {
        kind: DeviceHealth(state=_STATES[status.health], reason=status.reason[:200])
        for kind, status in manager.health().items()
    }
