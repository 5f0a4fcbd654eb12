"""Where printer bytes go: `write(bytes)`, `read(n, timeout) -> bytes`, `close()`, nothing else.

A transport is a pipe and knows nothing of ESC/POS; every command lives above it. All of
them open lazily (constructing one touches no device) and drop a broken connection so the
next call reopens it once the printer is back. Failures are PrinterUnavailable; a transport
that cannot carry replies at all raises NoBackChannel from `read`.

`open_transport(url)` is the one place that turns configuration into a transport:

    serial:/dev/ttyUSB0?baud=19200      SerialTransport (any pyserial URL after "serial:";
                                        options baud, rtscts, dsrdtr)
    tcp://192.168.1.50:9100             NetworkTransport ("raw"/JetDirect port, default 9100)
    file:/dev/usb/lp0, /dev/usb/lp0     FileTransport (usblp, serial or pty device, or a
                                        regular file that collects jobs)
    usb:0x0416:0x5011?out_ep=0x02       UsbTransport (python-escpos + pyusb; options in_ep,
                                        out_ep)

`FileTransport` covers the Linux ways a receipt printer shows up as a path: a USB printer
class device (`/dev/usb/lp0`), a serial or pty device (`/dev/ttyUSB0`, `/dev/pts/N`, the
simulator's end of a pty pair), or a plain file that collects jobs (demo, tests).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import stat
import time
import tty
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

from drivers.printer.errors import InvalidTransportUrl, NoBackChannel, PrinterUnavailable

DEFAULT_WRITE_TIMEOUT = 10.0
RAW_PRINT_PORT = 9100


class Transport(Protocol):
    """A pipe to the printer: takes bytes, returns the printer's replies, knows no ESC/POS."""

    def write(self, data: bytes) -> None:
        """Send all of `data` or raise PrinterUnavailable."""

    def read(self, n: int, timeout: float) -> bytes:
        """Wait up to `timeout` s for `n` bytes; return what came (b"" if nothing).

        Raises NoBackChannel if this transport can never carry replies.
        """
        ...

    def close(self) -> None:
        """Release the device; a later write may reopen it."""


class _ContextManager:
    """`with transport:` closes it at the end."""

    def close(self) -> None:
        """Release the device."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class FileTransport(_ContextManager):
    """Writes to a character device (pty, serial, usblp) or appends to a regular file.

    Devices are opened lazily, non-blocking, with O_NOCTTY (a kiosk service must not
    acquire a printer tty as its controlling terminal), read-write where the device allows
    so status replies can be read back. A write that the device does not take within
    `write_timeout` seconds (paper jam, flow control stuck, nobody reading a pty) raises
    PrinterUnavailable instead of hanging the kiosk. Paths under /dev/ are never created: a
    missing one is an unplugged printer. A regular file has no back channel: `read` raises
    NoBackChannel before anything is written.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, write_timeout: float = DEFAULT_WRITE_TIMEOUT
    ) -> None:
        self.path = os.fspath(path)
        self.write_timeout = write_timeout
        self._fd: int | None = None
        self._is_device = False
        self._is_tty = False  # known at open: isatty() fails once the other end hung up
        self._readable = False

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

    def read(self, n: int, timeout: float) -> bytes:
        """Up to `n` reply bytes within `timeout` s; NoBackChannel for files, write-only devices."""
        fd = self._open()
        if not self._readable:
            kind = "device opened write-only" if self._is_device else "regular file"
            raise NoBackChannel(f"printer {self.path} cannot reply ({kind})")
        try:
            return _read_fd(fd, n, timeout, eof_is_hangup=self._is_tty)
        except OSError as err:
            self.close()
            raise PrinterUnavailable(
                f"read from printer {self.path} failed: {errno.errorcode.get(err.errno or 0, err)}"
            ) from err

    def close(self) -> None:
        """Close the file descriptor if open."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            mode = None
        try:
            if mode is not None and stat.S_ISCHR(mode):
                fd = self._open_device()
                self._is_tty = os.isatty(fd)
                if self._is_tty:
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
                self._is_device = self._readable = False
        except OSError as err:
            raise PrinterUnavailable(f"cannot open printer {self.path}: {err.strerror}") from err
        self._fd = fd
        return fd

    def _open_device(self) -> int:
        flags = os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(self.path, os.O_RDWR | flags)
            self._readable = True
        except PermissionError:
            # Some setups grant the kiosk user write access only (a udev rule for a
            # print-only device): print blind rather than not at all.
            fd = os.open(self.path, os.O_WRONLY | flags)
            self._readable = False
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


def _read_fd(fd: int, n: int, timeout: float, *, eof_is_hangup: bool) -> bytes:
    """Up to `n` bytes from a non-blocking fd within `timeout` s.

    An empty read from a tty means the other end hung up (OSError EIO); from another device
    (usblp after a zero-length packet) it only means "nothing now".
    """
    deadline = time.monotonic() + timeout
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    got = bytearray()
    while len(got) < n:
        remaining = max(deadline - time.monotonic(), 0.0)
        events = poller.poll(remaining * 1000)
        if not events:
            break
        try:
            chunk = os.read(fd, n - len(got))
        except BlockingIOError:
            continue
        if not chunk:
            if eof_is_hangup:
                raise OSError(errno.EIO, "end of file on printer device")
            break
        got += chunk
    return bytes(got)


class SerialTransport(_ContextManager):
    """A serial printer through pyserial: a device path, a pty, or any pyserial URL.

    pyserial puts the port in raw mode and `exclusive=True` takes a lock, so two kiosk
    processes cannot interleave jobs on one printer. Without flow control a slow printer
    drops bytes once its buffer is full; give `rtscts=True` where the cable carries RTS/CTS.
    XON/XOFF is not offered: raster and QR data contain 0x11/0x13 bytes.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 9600,
        rtscts: bool = False,
        dsrdtr: bool = False,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.rtscts = rtscts
        self.dsrdtr = dsrdtr
        self.write_timeout = write_timeout
        self._port: Any = None

    def write(self, data: bytes) -> None:
        """Send all of `data`; raise PrinterUnavailable on timeout or a vanished port."""
        import serial

        port = self._open()
        try:
            port.write(data)
            port.flush()
        except serial.SerialTimeoutException as err:
            self.close()
            raise PrinterUnavailable(
                f"printer {self.url} took no data for {self.write_timeout:g} s"
            ) from err
        except (serial.SerialException, OSError) as err:
            self.close()
            raise PrinterUnavailable(f"write to printer {self.url} failed: {err}") from err

    def read(self, n: int, timeout: float) -> bytes:
        """Up to `n` bytes within `timeout` s."""
        import serial

        port = self._open()
        try:
            port.timeout = timeout
            data: bytes = port.read(n)
        except (serial.SerialException, OSError) as err:
            self.close()
            raise PrinterUnavailable(f"read from printer {self.url} failed: {err}") from err
        return data

    def close(self) -> None:
        """Close the port if open."""
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _open(self) -> Any:
        if self._port is not None:
            return self._port
        # Imported here so that importing drivers.printer does not need pyserial.
        import serial

        try:
            self._port = serial.serial_for_url(
                self.url,
                baudrate=self.baudrate,
                rtscts=self.rtscts,
                dsrdtr=self.dsrdtr,
                timeout=0,
                write_timeout=self.write_timeout,
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as err:
            raise PrinterUnavailable(f"cannot open printer {self.url}: {err}") from err
        return self._port


class NetworkTransport(_ContextManager):
    """A network printer's raw TCP port (9100): one connection, kept open between jobs.

    Many printers serve a single connection at a time and drop idle ones; a broken
    connection is closed and the next call connects again.
    """

    def __init__(
        self,
        host: str,
        port: int = RAW_PRINT_PORT,
        *,
        connect_timeout: float = 5.0,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout
        self._sock: socket.socket | None = None

    @property
    def address(self) -> str:
        """host:port, for messages."""
        return f"{self.host}:{self.port}"

    def write(self, data: bytes) -> None:
        """Send all of `data`; raise PrinterUnavailable if the printer does not take it."""
        sock = self._open()
        try:
            sock.settimeout(self.write_timeout)
            sock.sendall(data)
        except TimeoutError as err:
            self.close()
            raise PrinterUnavailable(
                f"printer {self.address} took no data for {self.write_timeout:g} s"
            ) from err
        except OSError as err:
            self.close()
            raise PrinterUnavailable(f"write to printer {self.address} failed: {err}") from err

    def read(self, n: int, timeout: float) -> bytes:
        """Up to `n` bytes within `timeout` s; a connection closed by the printer raises."""
        sock = self._open()
        deadline = time.monotonic() + timeout
        got = bytearray()
        try:
            while len(got) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    sock.setblocking(False)
                else:
                    sock.settimeout(remaining)
                try:
                    chunk = sock.recv(n - len(got))
                except (TimeoutError, BlockingIOError):
                    break
                if not chunk:
                    raise ConnectionResetError(errno.ECONNRESET, "printer closed the connection")
                got += chunk
        except OSError as err:
            self.close()
            raise PrinterUnavailable(f"read from printer {self.address} failed: {err}") from err
        return bytes(got)

    def close(self) -> None:
        """Close the connection if open."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _open(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as err:
            raise PrinterUnavailable(f"cannot connect to printer {self.address}: {err}") from err
        # Status queries are 3 bytes: send them now, not after Nagle's delay.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        return sock


# scheme -> the options its URL may carry
_OPTIONS: dict[str, frozenset[str]] = {
    "file": frozenset(),
    "serial": frozenset({"baud", "rtscts", "dsrdtr"}),
    "tcp": frozenset(),
    "usb": frozenset({"in_ep", "out_ep"}),
}
_FORMS = "serial:/dev/ttyUSB0?baud=19200, tcp://host:9100, file:/dev/usb/lp0, usb:0x0416:0x5011"


def open_transport(url: str, *, write_timeout: float = DEFAULT_WRITE_TIMEOUT) -> Transport:
    """The transport a configuration string names (see the module docstring); opens nothing."""
    if url.startswith("/"):
        return FileTransport(url, write_timeout=write_timeout)  # a bare device path
    scheme, _, rest = url.partition(":")
    if scheme not in _OPTIONS:
        raise InvalidTransportUrl(f"printer address {url!r} is not one of {_FORMS}")
    target, _, query = rest.partition("?")
    options = _options(url, query, _OPTIONS[scheme])
    if scheme == "file" and target:
        # file:/dev/usb/lp0 and file:///dev/usb/lp0 both name /dev/usb/lp0.
        path = target[2:] if target.startswith("///") else target
        return FileTransport(path, write_timeout=write_timeout)
    if scheme == "serial" and target:
        return SerialTransport(
            target,
            baudrate=_number(url, "baud", options.get("baud", "9600")),
            rtscts=_flag(url, "rtscts", options.get("rtscts", "0")),
            dsrdtr=_flag(url, "dsrdtr", options.get("dsrdtr", "0")),
            write_timeout=write_timeout,
        )
    if scheme == "tcp" and target.startswith("//"):
        parts = urlsplit(url)
        try:
            port = parts.port or RAW_PRINT_PORT
        except ValueError:
            raise InvalidTransportUrl(f"printer address {url!r}: bad port") from None
        if parts.hostname:
            return NetworkTransport(parts.hostname, port, write_timeout=write_timeout)
    if scheme == "usb":
        from drivers.printer.usb_transport import UsbTransport

        ids = target.split(":")
        if len(ids) == 2:
            return UsbTransport(
                _number(url, "vendor id", ids[0]),
                _number(url, "product id", ids[1]),
                in_ep=_number(url, "in_ep", options.get("in_ep", "0x82")),
                out_ep=_number(url, "out_ep", options.get("out_ep", "0x01")),
                write_timeout=write_timeout,
            )
    raise InvalidTransportUrl(f"printer address {url!r} is not one of {_FORMS}")


def _options(url: str, query: str, allowed: frozenset[str]) -> dict[str, str]:
    try:
        options = dict(parse_qsl(query, strict_parsing=True)) if query else {}
    except ValueError:
        raise InvalidTransportUrl(f"printer address {url!r}: bad options {query!r}") from None
    unknown = sorted(set(options) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise InvalidTransportUrl(
            f"printer address {url!r}: unknown option {unknown[0]!r} (known: {known})"
        )
    return options


def _number(url: str, what: str, text: str) -> int:
    try:
        return int(text, 0)  # 0x0416 and 1046 alike
    except ValueError:
        raise InvalidTransportUrl(
            f"printer address {url!r}: {what} {text!r} is no number"
        ) from None


def _flag(url: str, what: str, text: str) -> bool:
    if text.lower() not in ("0", "1", "true", "false"):
        raise InvalidTransportUrl(f"printer address {url!r}: {what}={text!r} is not 0 or 1")
    return text.lower() in ("1", "true")
