"""sd_notify over a real unix datagram socket: READY, and WATCHDOG only while the UI ticks."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.watchdog import Notifier, Watchdog, watchdog_seconds
from tests.support.clock import FakeClock


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[socket.socket]:
    """What systemd listens on: a bound AF_UNIX datagram socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(1.0)
    try:
        yield sock
    finally:
        sock.close()


def received(sock: socket.socket) -> list[str]:
    """Every datagram waiting on the socket, without waiting for more."""
    sock.setblocking(False)
    got = []
    try:
        while True:
            got.append(sock.recv(4096).decode())
    except BlockingIOError:
        pass
    finally:
        sock.settimeout(1.0)
    return got


def test_ready_and_status_reach_the_notify_socket(systemd: socket.socket) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": systemd.getsockname()})
    assert notifier.ready("menu shown")
    assert systemd.recv(4096).decode() == "READY=1\nSTATUS=menu shown"
    assert notifier.stopping()
    assert systemd.recv(4096).decode() == "STOPPING=1"


def test_an_abstract_socket_name_is_reached() -> None:
    name = f"estation-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(1.0)
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ping()
        assert sock.recv(4096) == b"WATCHDOG=1"


def test_without_systemd_nothing_is_sent() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert not notifier.ready()


def test_a_ticking_ui_feeds_the_watchdog_and_a_stalled_one_stops_the_pings(
    systemd: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    dog = Watchdog(
        Notifier({"NOTIFY_SOCKET": systemd.getsockname()}), stall_seconds=10, clock=clock
    )
    assert not dog.feed()  # the UI has not drawn yet: no ping before it ticks
    for _ in range(3):
        dog.ui_alive()
        clock.advance(5)
        assert dog.feed()
    assert received(systemd) == ["WATCHDOG=1"] * 3
    clock.advance(6)  # 11 s since the UI clock last ticked: stalled
    for _ in range(4):
        assert not dog.feed()
        clock.advance(5)
    assert received(systemd) == []
    assert [r.message for r in caplog.records].count("ui_stalled seconds=11 watchdog=not_fed") == 1
    dog.ui_alive()  # the UI came back before systemd gave up
    assert dog.feed()
    assert received(systemd) == ["WATCHDOG=1"]


def test_the_watchdog_time_comes_from_systemd_for_this_process_only() -> None:
    me = str(os.getpid())
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": me}) == 30.0
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_seconds({}) is None
