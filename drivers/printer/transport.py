"""Where printer bytes go. The surface is `write(bytes)` and `close()`, nothing else.

`FileTransport` covers the Linux ways a receipt printer shows up as a path: a USB printer
class device (`/dev/usb/lp0`), a serial or pty device (`/dev/ttyUSB0`, `/dev/pts/N`, the
simulator's end of a pty pair), or a plain file that collects jobs (demo, tests).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import time
import tty
from types import TracebackType
from typing import Protocol

from drivers.printer.errors import PrinterUnavailable


class Transport(Protocol):
    """A pipe to the printer: takes bytes, knows nothing of ESC/POS."""

    def write(self, data: bytes) -> None:
        """Send all of `data` or raise PrinterUnavailable."""

    def close(self) -> None:
        """Release the device; a later write may reopen it."""


class FileTransport:
    """Writes to a character device (pty, serial, usblp) or appends to a regular file.

    Devices are opened lazily, non-blocking, with O_NOCTTY (a kiosk service must not
    acquire a printer tty as its controlling terminal). A write that the device does not
    take within `write_timeout` seconds (paper jam, flow control stuck, nobody reading a
    pty) raises PrinterUnavailable instead of hanging the kiosk. Paths under /dev/ are never
    created: a missing one is an unplugged printer.
    """

    def __init__(self, path: str | os.PathLike[str], *, write_timeout: float = 10.0) -> None:
        self.path = os.fspath(path)
        self.write_timeout = write_timeout
        self._fd: int | None = None
        self._is_device = False

    def write(self, data: bytes) -> None:
        """Send all of `data`; raise PrinterUnavailable if the path cannot take it."""
        fd = self._open()
        try:
            if self._is_device:
                self._write_device(fd, memoryview(data))
            else:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
        except OSError as err:
            # EIO/ENODEV after a USB unplug or pty hang-up: drop the fd so the next write
            # reopens the path once the printer is back.
            self.close()
            raise PrinterUnavailable(
                f"write to printer {self.path} failed: {errno.errorcode.get(err.errno or 0, err)}"
            ) from err

    def close(self) -> None:
        """Close the file descriptor if open."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> FileTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            mode = None
        try:
            if mode is not None and stat.S_ISCHR(mode):
                fd = os.open(self.path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
                if os.isatty(fd):
                    # A tty's line discipline turns LF into CR LF (OPOST/ONLCR) and would
                    # corrupt raster and QR data: raw mode passes bytes unchanged.
                    try:
                        tty.setraw(fd)
                    except BaseException:
                        os.close(fd)
                        raise
                self._is_device = True
            elif self.path.startswith("/dev/"):
                raise PrinterUnavailable(f"printer device {self.path} is missing")
            else:
                # 0o600: receipts carry (masked) personal data.
                fd = os.open(
                    self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600
                )
                self._is_device = False
        except OSError as err:
            raise PrinterUnavailable(f"cannot open printer {self.path}: {err.strerror}") from err
        self._fd = fd
        return fd

    def _write_device(self, fd: int, view: memoryview) -> None:
        deadline = time.monotonic() + self.write_timeout
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PrinterUnavailable(
                    f"printer {self.path} took no data for {self.write_timeout:g} s"
                )
            events = poller.poll(remaining * 1000)
            if not events:
                continue
            _, flags = events[0]
            if flags & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                raise PrinterUnavailable(f"printer {self.path} hung up")
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                continue
            view = view[written:]
