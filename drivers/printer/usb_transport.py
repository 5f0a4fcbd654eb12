"""A USB printer driven from user space: python-escpos's `Usb` printer over pyusb/libusb.

Untested against hardware: no USB printer is attached to the build machine, and I/O is not
mocked. What is tested is `usb_error()`, the mapping of the exceptions python-escpos and
pyusb raise to PrinterUnavailable with a message that says what to do.

pyusb is an optional dependency of python-escpos and is not installed by default: it is
imported only when a `usb:` transport first opens (through escpos.printer.Usb), and its
absence is a PrinterUnavailable naming the alternatives. The kernel's own `usblp` driver
gives the same printer as /dev/usb/lp0 (`file:/dev/usb/lp0`), which needs neither pyusb nor
libusb; the two exclude each other ("Resource busy"), see docs/hardware.md section 2.

Endpoints differ by model (0x01/0x82 on many, 0x02/0x81 on others): `usb:` URLs take
`in_ep` and `out_ep` options.
"""

from __future__ import annotations

import contextlib
import errno
from typing import Any

from drivers.printer.errors import PrinterUnavailable
from drivers.printer.transport import DEFAULT_WRITE_TIMEOUT, _ContextManager

# libusb-1.0 error codes (libusb.h) that pyusb's libusb1 backend puts in backend_error_code.
LIBUSB_ERROR_ACCESS = -3
LIBUSB_ERROR_NO_DEVICE = -4
LIBUSB_ERROR_NOT_FOUND = -5
LIBUSB_ERROR_BUSY = -6
LIBUSB_ERROR_TIMEOUT = -7

_BUSY_HINT = (
    "is held by another driver (the usblp kernel module or CUPS): print through "
    "file:/dev/usb/lp0 instead, or stop CUPS and blacklist usblp"
)
_ACCESS_HINT = "is not accessible to this user: add a udev rule (MODE=0660, GROUP=lp)"
_GONE_HINT = "was not found: check its USB cable and power, and the IDs (`lsusb`)"
_NO_PYUSB_HINT = "pyusb is not installed (pip install pyusb), or use file:/dev/usb/lp0"


def usb_error(err: BaseException, device: str) -> PrinterUnavailable:
    """The PrinterUnavailable, with advice, for an error python-escpos or pyusb raised.

    Classified by errno, libusb code and message rather than by type, so it needs no import
    of pyusb: pyusb's USBError is an OSError with `backend_error_code`; python-escpos wraps
    open failures in DeviceNotFoundError, keeping only the text.
    """
    text = str(err)
    code = getattr(err, "backend_error_code", None)
    number = err.errno if isinstance(err, OSError) else None
    name = type(err).__name__
    if name == "NoBackendError":
        return PrinterUnavailable(
            f"USB printer {device}: libusb is not installed (apt install libusb-1.0-0), "
            "or use file:/dev/usb/lp0"
        )
    if isinstance(err, RuntimeError) and "usb library" in text:
        return PrinterUnavailable(f"USB printer {device}: {_NO_PYUSB_HINT}")
    if number == errno.EBUSY or code == LIBUSB_ERROR_BUSY or "Resource busy" in text:
        return PrinterUnavailable(f"USB printer {device} {_BUSY_HINT}")
    if number == errno.EACCES or code == LIBUSB_ERROR_ACCESS or "Access denied" in text:
        return PrinterUnavailable(f"USB printer {device} {_ACCESS_HINT}")
    if number == errno.ETIMEDOUT or code == LIBUSB_ERROR_TIMEOUT or name == "USBTimeoutError":
        return PrinterUnavailable(
            f"USB printer {device} took no data in time (offline, out of paper or jammed)"
        )
    if (
        number in (errno.ENODEV, errno.ENOENT)
        or code in (LIBUSB_ERROR_NO_DEVICE, LIBUSB_ERROR_NOT_FOUND)
        or name in ("DeviceNotFoundError", "USBNotFoundError")
        or "No such device" in text
    ):
        return PrinterUnavailable(f"USB printer {device} {_GONE_HINT}")
    return PrinterUnavailable(f"USB printer {device} failed: {name}: {text}")


class UsbTransport(_ContextManager):
    """A USB printer by vendor and product ID through python-escpos; opens on first use.

    python-escpos detaches `usblp` where libusb allows (libusb1 backend) and claims the
    device; every failure comes out as PrinterUnavailable via `usb_error`.
    """

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        in_ep: int = 0x82,
        out_ep: int = 0x01,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
    ) -> None:
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.in_ep = in_ep
        self.out_ep = out_ep
        self.write_timeout = write_timeout
        self._printer: Any = None

    @property
    def device(self) -> str:
        """vvvv:pppp, as lsusb shows it."""
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def write(self, data: bytes) -> None:
        """Send all of `data` to the OUT endpoint."""
        printer = self._open()
        try:
            printer.device.write(self.out_ep, data, _millis(self.write_timeout))
        except (OSError, ValueError, RuntimeError) as err:
            self.close()
            raise usb_error(err, self.device) from err

    def read(self, n: int, timeout: float) -> bytes:
        """Up to `n` bytes from the IN endpoint within `timeout` s (b"" on timeout)."""
        printer = self._open()
        try:
            data = printer.device.read(self.in_ep, n, _millis(timeout))
        except OSError as err:
            if err.errno == errno.ETIMEDOUT or getattr(err, "backend_error_code", None) == (
                LIBUSB_ERROR_TIMEOUT
            ):
                return b""
            self.close()
            raise usb_error(err, self.device) from err
        return bytes(data)

    def close(self) -> None:
        """Release the USB interface if claimed."""
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(Exception):
                printer.close()

    def _open(self) -> Any:
        if self._printer is not None:
            return self._printer
        # Imported here: importing python-escpos configures logging, and its Usb class
        # imports pyusb, which may be missing.
        from escpos.exceptions import Error as EscposError
        from escpos.printer import Usb

        if not Usb.is_usable():
            # Checked before a Usb object exists: without pyusb its close(), which its
            # __del__ calls, raises RuntimeError during garbage collection.
            raise PrinterUnavailable(f"USB printer {self.device}: {_NO_PYUSB_HINT}")
        printer = Usb(
            self.vendor_id,
            self.product_id,
            timeout=_millis(self.write_timeout),
            in_ep=self.in_ep,
            out_ep=self.out_ep,
        )
        try:
            printer.open()
        except (EscposError, OSError, ValueError, RuntimeError) as err:
            # DeviceNotFoundError from escpos; pyusb's NoBackendError is a ValueError.
            raise usb_error(err, self.device) from err
        if printer.device is None:
            # python-escpos checks for the device with `assert`, which `python -O` removes.
            raise PrinterUnavailable(f"USB printer {self.device} {_GONE_HINT}")
        self._printer = printer
        return printer


def _millis(seconds: float) -> int:
    # pyusb reads a timeout of 0 as "wait forever": never pass it.
    return max(int(seconds * 1000), 1)
