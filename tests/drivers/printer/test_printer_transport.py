"""Transports: file/pty device, serial (pyserial on a pty), network (a local TCP server), URLs."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.printer import FileTransport, PrinterUnavailable
from drivers.printer.errors import InvalidTransportUrl, NoBackChannel
from drivers.printer.transport import NetworkTransport, SerialTransport, open_transport
from drivers.printer.usb_transport import UsbTransport
from kiosk.messages import for_error

# Every byte value, LF and CR included: a tty in cooked mode would turn LF into CR LF.
PAYLOAD = bytes(range(256)) * 40


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    # The transport opens the slave by its path, like a device. This fd stays open so the
    # master can be read before the transport opens (Linux returns EIO on a master whose
    # slave nobody holds).
    yield master, os.ttyname(slave)
    for fd in (slave, master):
        with contextlib.suppress(OSError):
            os.close(fd)


def read_exactly(fd: int, count: int) -> bytes:
    got = bytearray()
    while len(got) < count:
        got += os.read(fd, count - len(got))
    return bytes(got)


def test_bytes_reach_the_other_end_of_a_pty_unchanged(pty_pair: tuple[int, str]) -> None:
    master, name = pty_pair
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(read_exactly(master, len(PAYLOAD))))
    reader.start()
    with FileTransport(name, write_timeout=5) as transport:
        transport.write(PAYLOAD)
    reader.join(timeout=5)
    assert received == [PAYLOAD]


def test_pty_nobody_reads_times_out_as_printer_unavailable(pty_pair: tuple[int, str]) -> None:
    _master, name = pty_pair
    with FileTransport(name, write_timeout=0.2) as transport:
        with pytest.raises(PrinterUnavailable, match="took no data"):
            transport.write(b"\x00" * 1_000_000)


def test_pty_hung_up_is_printer_unavailable(pty_pair: tuple[int, str]) -> None:
    master, name = pty_pair
    transport = FileTransport(name, write_timeout=1)
    transport.write(b"first")
    os.close(master)
    with pytest.raises(PrinterUnavailable):
        transport.write(b"second" * 1000)
    transport.close()


def test_file_transport_appends_jobs_to_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "jobs.bin"
    with FileTransport(path) as transport:
        transport.write(b"one\n")
    with FileTransport(path) as transport:
        transport.write(b"two\n")
    assert path.read_bytes() == b"one\ntwo\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_missing_device_path_is_printer_unavailable_and_never_created() -> None:
    path = "/dev/e-station-test-no-such-printer"
    with pytest.raises(PrinterUnavailable, match="missing"):
        FileTransport(path).write(b"x")
    assert not os.path.exists(path)


def test_unwritable_file_path_is_printer_unavailable(tmp_path: Path) -> None:
    with pytest.raises(PrinterUnavailable) as info:
        FileTransport(tmp_path / "no-dir" / "jobs.bin").write(b"x")
    assert "打印机" in for_error(info.value).zh


def test_file_transport_reads_replies_from_a_pty(pty_pair: tuple[int, str]) -> None:
    master, name = pty_pair
    with FileTransport(name, write_timeout=1) as transport:
        transport.write(b"\x10\x04\x01")
        assert read_exactly(master, 3) == b"\x10\x04\x01"
        os.write(master, b"\x12")
        assert transport.read(1, 1.0) == b"\x12"


def test_file_transport_read_times_out_with_nothing(pty_pair: tuple[int, str]) -> None:
    _master, name = pty_pair
    with FileTransport(name) as transport:
        started = time.monotonic()
        assert transport.read(1, 0.1) == b""
        assert 0.09 <= time.monotonic() - started < 1.0
        assert transport.read(64, 0) == b""


def test_regular_file_has_no_back_channel_and_gets_no_bytes(tmp_path: Path) -> None:
    path = tmp_path / "jobs.bin"
    with FileTransport(path) as transport, pytest.raises(NoBackChannel):
        transport.read(1, 0.1)
    assert path.read_bytes() == b""


def test_serial_transport_on_a_pty_passes_every_byte_and_reads_replies(
    pty_pair: tuple[int, str],
) -> None:
    master, name = pty_pair
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(read_exactly(master, len(PAYLOAD))))
    reader.start()
    with open_transport(f"serial:{name}?baud=115200") as transport:
        assert isinstance(transport, SerialTransport)
        transport.write(PAYLOAD)
        reader.join(timeout=5)
        assert received == [PAYLOAD]
        os.write(master, b"\x12\x1a")
        assert transport.read(2, 1.0) == b"\x12\x1a"
        assert transport.read(1, 0.05) == b""


def test_serial_port_that_does_not_exist_is_printer_unavailable() -> None:
    with pytest.raises(PrinterUnavailable, match="cannot open"):
        SerialTransport("/dev/e-station-test-no-such-tty").write(b"x")


class RawPrintServer:
    """A one-connection-at-a-time TCP printer on 127.0.0.1 that answers DLE EOT n."""

    def __init__(self, reply: bytes = b"\x12") -> None:
        self.reply = reply
        self.received = bytearray()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.close_after_bytes: int | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.listener.accept()
                self.connections += 1
                with conn:
                    self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        pending = b""
        while chunk := conn.recv(4096):
            self.received += chunk
            pending += chunk
            while (at := pending.find(b"\x10\x04")) >= 0 and len(pending) >= at + 3:
                conn.sendall(self.reply)
                pending = pending[at + 3 :]
            if self.close_after_bytes is not None and len(self.received) >= self.close_after_bytes:
                return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def print_server() -> Iterator[RawPrintServer]:
    server = RawPrintServer()
    yield server
    server.close()


def test_network_transport_sends_to_port_9100_style_server_and_reads_status(
    print_server: RawPrintServer,
) -> None:
    with open_transport(f"tcp://127.0.0.1:{print_server.port}") as transport:
        assert isinstance(transport, NetworkTransport)
        transport.write(PAYLOAD)
        transport.write(b"\x10\x04\x04")
        assert transport.read(1, 2.0) == b"\x12"
        assert transport.read(1, 0.05) == b""
    assert bytes(print_server.received) == PAYLOAD + b"\x10\x04\x04"
    assert print_server.connections == 1


def test_network_printer_closing_the_connection_is_unavailable_then_reconnects(
    print_server: RawPrintServer,
) -> None:
    print_server.close_after_bytes = 3
    transport = NetworkTransport("127.0.0.1", print_server.port)
    transport.write(b"abc")
    with pytest.raises(PrinterUnavailable, match="closed the connection"):
        transport.read(1, 2.0)
    print_server.close_after_bytes = None
    transport.write(b"\x10\x04\x01")
    assert transport.read(1, 2.0) == b"\x12"
    assert print_server.connections == 2
    transport.close()


def test_network_printer_not_listening_is_unavailable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # free once closed: nobody listens there
    with pytest.raises(PrinterUnavailable, match="cannot connect"):
        NetworkTransport("127.0.0.1", port, connect_timeout=1).write(b"x")


@pytest.mark.parametrize(
    ("url", "kind", "attrs"),
    [
        (
            "serial:/dev/ttyUSB0?baud=19200",
            SerialTransport,
            {"url": "/dev/ttyUSB0", "baudrate": 19200},
        ),
        ("serial:/dev/ttyS1", SerialTransport, {"baudrate": 9600, "rtscts": False}),
        ("serial:/dev/ttyS1?rtscts=1", SerialTransport, {"rtscts": True}),
        ("serial:loop://", SerialTransport, {"url": "loop://"}),
        ("tcp://127.0.0.1:9100", NetworkTransport, {"host": "127.0.0.1", "port": 9100}),
        ("tcp://printer.local", NetworkTransport, {"host": "printer.local", "port": 9100}),
        ("tcp://[::1]:9101", NetworkTransport, {"host": "::1", "port": 9101}),
        ("file:/dev/usb/lp0", FileTransport, {"path": "/dev/usb/lp0"}),
        ("file:///dev/usb/lp0", FileTransport, {"path": "/dev/usb/lp0"}),
        ("file:receipts/out.bin", FileTransport, {"path": "receipts/out.bin"}),
        ("/dev/usb/lp0", FileTransport, {"path": "/dev/usb/lp0"}),
        (
            "usb:0x0416:0x5011",
            UsbTransport,
            {"vendor_id": 0x0416, "product_id": 0x5011, "in_ep": 0x82, "out_ep": 0x01},
        ),
        ("usb:0x0416:0x5011?in_ep=0x81&out_ep=0x02", UsbTransport, {"in_ep": 0x81, "out_ep": 0x02}),
    ],
)
def test_transport_url_is_parsed_in_one_place(
    url: str, kind: type, attrs: dict[str, object]
) -> None:
    transport = open_transport(url)
    assert isinstance(transport, kind)
    for name, value in attrs.items():
        assert getattr(transport, name) == value, name


@pytest.mark.parametrize(
    "url",
    [
        "",
        "lp0",
        "http://printer/",
        "serial:",
        "serial:/dev/ttyS0?baud=fast",
        "serial:/dev/ttyS0?parity=E",
        "serial:/dev/ttyS0?rtscts=maybe",
        "tcp://:9100",
        "tcp://host:port",
        "tcp:host",
        "file:",
        "file:/x?mode=a",
        "usb:0x0416",
        "usb:vendor:product",
    ],
)
def test_bad_transport_url_names_the_forms(url: str) -> None:
    with pytest.raises(InvalidTransportUrl, match="printer address"):
        open_transport(url)


def test_pty_hung_up_while_waiting_for_a_reply_is_printer_unavailable(
    pty_pair: tuple[int, str],
) -> None:
    master, name = pty_pair
    transport = FileTransport(name)
    transport.write(b"\x10\x04\x01")
    os.close(master)
    with pytest.raises(PrinterUnavailable, match="read from printer"):
        transport.read(1, 1.0)
    transport.close()
