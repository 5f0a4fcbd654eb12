"""FileTransport on a real pty pair and on a regular file."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.printer import FileTransport, PrinterUnavailable

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
    assert "打印机" in info.value.user_message
