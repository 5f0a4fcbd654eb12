"""USB transport: the error mapping, with python-escpos's and pyusb's own exception types.

No USB I/O is mocked and no printer is attached: only the advice a technician reads is
checked. pyusb is a kiosk dependency (python-escpos needs it for USB printers).
"""

from __future__ import annotations

import errno

import pytest
from escpos.exceptions import DeviceNotFoundError, USBNotFoundError

from drivers.printer import PrinterUnavailable
from drivers.printer.usb_transport import UsbTransport, usb_error

DEVICE = "0416:5011"


@pytest.mark.parametrize(
    ("err", "advice"),
    [
        # What escpos.printer.Usb.open() raises when pyusb's find/claim failed.
        (
            DeviceNotFoundError(
                "Unable to open USB printer on (1046, 20497):\n[Errno 16] Resource busy"
            ),
            "usblp",
        ),
        (
            DeviceNotFoundError("Unable to open USB printer on (1046, 20497):\nDevice not found"),
            "cable",
        ),
        (USBNotFoundError("Device (1046, 20497) not found or cable not plugged in."), "cable"),
        (
            DeviceNotFoundError(
                "Unable to open USB printer on (1046, 20497):\n[Errno 13] "
                "Access denied (insufficient permissions)"
            ),
            "udev",
        ),
        # Without pyusb, escpos's dependency check raises this RuntimeError.
        (
            RuntimeError("Printing with USB connection requires a usb library tobe installed."),
            "pip install pyusb",
        ),
        (OSError(errno.EBUSY, "Resource busy"), "file:/dev/usb/lp0"),
        (OSError(errno.ENODEV, "No such device (it may have been disconnected)"), "cable"),
        (OSError(errno.ETIMEDOUT, "Operation timed out"), "took no data"),
    ],
)
def test_usb_errors_become_printer_unavailable_with_advice(err: Exception, advice: str) -> None:
    mapped = usb_error(err, DEVICE)
    assert isinstance(mapped, PrinterUnavailable)
    assert DEVICE in str(mapped)
    assert advice in str(mapped)
    assert "二维码" in mapped.user_message


def test_pyusb_exception_types_map_to_advice() -> None:
    import usb.core as core

    busy = core.USBError("Resource busy", error_code=-6, errno=errno.EBUSY)
    gone = core.USBError("No such device (it may have been disconnected)", -4, errno.ENODEV)
    denied = core.USBError("Access denied (insufficient permissions)", -3, errno.EACCES)
    timeout = core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
    assert "usblp" in str(usb_error(busy, DEVICE))
    assert "cable" in str(usb_error(gone, DEVICE))
    assert "udev" in str(usb_error(denied, DEVICE))
    assert "took no data" in str(usb_error(timeout, DEVICE))
    assert "libusb" in str(usb_error(core.NoBackendError("No backend available"), DEVICE))


def test_usb_transport_constructs_without_touching_usb() -> None:
    transport = UsbTransport(0x0416, 0x5011)
    transport.close()  # nothing opened, nothing to release
    assert transport.device == DEVICE


def test_usb_printer_that_cannot_be_opened_is_printer_unavailable() -> None:
    # Here: pyusb missing, no libusb, or no such device; each says what to do.
    with pytest.raises(PrinterUnavailable, match=DEVICE):
        UsbTransport(0x0416, 0x5011).write(b"\x1b@")
