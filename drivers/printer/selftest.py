"""Printer self-test: ask the printer for its real-time status; nothing is printed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from drivers.errors import DriverError
from drivers.printer.device import STATUS_TIMEOUT, ReceiptPrinter
from drivers.printer.profiles import PrinterProfile, profile_by_name
from drivers.printer.protocol import PrinterState
from drivers.printer.transport import open_transport

if TYPE_CHECKING:
    from drivers.selftest import Check

DEVICE = "printer-status"


def check_printer_status(
    transport_url: str,
    profile: PrinterProfile | str = "kiosk-80",
    *,
    timeout: float = STATUS_TIMEOUT,
) -> Check:
    """Open the printer at `transport_url` (see open_transport) and read DLE EOT 1-4.

    ok: the printer is ready (paper near end is ok, and said), or it cannot report status
    at all (its profile has `has_status=False`, or the transport has no back channel) and
    the detail says "not checked". Not ok: paper out, cover open, offline, an error, no
    valid reply, or the printer cannot be reached.
    """
    # Imported here: drivers.selftest imports drivers.printer, and its owner may import
    # this module from there; a top-level import would then be circular.
    from drivers.selftest import Check

    started = time.monotonic()
    try:
        chosen = profile if isinstance(profile, PrinterProfile) else profile_by_name(profile)
        transport = open_transport(transport_url)
        try:
            status = ReceiptPrinter(transport, chosen, status_timeout=timeout).status()
        finally:
            transport.close()
    except DriverError as err:
        ok, detail = False, f"{type(err).__name__}: {err}"
    else:
        if status is None:
            why = (
                f"profile {chosen.name} has no status"
                if not chosen.has_status
                else "the connection carries no replies"
            )
            ok, detail = True, f"status not checked at {transport_url}: {why}"
        else:
            raw = " ".join("--" if r is None else f"{r:02X}" for r in status.replies)
            ok = status.state is PrinterState.READY
            detail = f"{status.describe()} at {transport_url} (DLE EOT 1-4: {raw})"
    return Check(DEVICE, ok, detail, int((time.monotonic() - started) * 1000))
