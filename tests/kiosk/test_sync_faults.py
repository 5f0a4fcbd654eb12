"""The sync survives what networks and proxies do: each fault against a real controller.

The controller is the real app on a real socket; between it and the kiosk stands a
FaultServer (tests/support/fault_servers.py) that answers as a proxy would, hangs, or cuts
an answer short. Time is moved, never slept: the kiosk's waits are on a fake monotonic
clock; only a hung connection costs its (short) read timeout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from controller.app import create_app
from controller.services import Conflict
from controller.settings import Settings
from kiosk.enroller import Enroller
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox, State
from kiosk.sync import SyncLoop
from pii import Sealer
from tests.controller.controller_testkit import preauthorise, rows, transaction
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.clock import FakeClock
from tests.support.fault_servers import FaultServer, fault_server
from tests.support.servers import serve
from wire import Heartbeat, KioskStatus, RegisterRequest, TransactionIn, validate


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "controller")


@pytest.fixture
def controller(settings: Settings, clock: FakeClock) -> Iterator[str]:
    app: FastAPI = create_app(settings, clock=clock.wall)
    with contextlib.suppress(Conflict):
        preauthorise(app, "hw-faults")
    with serve(app) as url:
        yield url


@pytest.fixture
def proxy(controller: str) -> Iterator[FaultServer]:
    with fault_server(controller) as server:
        server.mode = "forward"
        yield server


@pytest.fixture
def kiosk_outbox(tmp_path: Path, clock: FakeClock) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "kiosk" / "outbox.db", Sealer(bytes(range(32))), clock=clock)
    yield box
    box.close()


def make_sync(
    tmp_path: Path, outbox: Outbox, proxy: FaultServer, clock: FakeClock, *, pace: float = 0
) -> tuple[SyncLoop, RecordingClient]:
    """An enrolled kiosk talking to the controller through `proxy` (short read timeout)."""
    # Short, so a hung controller costs little; not so short that a busy machine looks hung.
    client = RecordingClient(proxy.url, timeout=3)
    enroller = Enroller(
        EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
        client,
        RegisterRequest(hardware_id="hw-faults", name="一号机"),
        proxy.url,
    )
    enroller.ensure()
    sync = SyncLoop(outbox, client, enroller, now=clock.wall, clock=clock, pace=pace)
    return sync, client


def queue(outbox: Outbox, count: int) -> list[str]:
    """`count` applications in the outbox; their numbers."""
    numbers = []
    for i in range(1, count + 1):
        number = f"KA01-261126{i:04d}"
        outbox.add(validate(TransactionIn, transaction(key=f"{i:032x}", number=number)))
        numbers.append(number)
    return numbers


def stored(settings: Settings) -> list[str]:
    """Transaction numbers the controller holds."""
    return sorted(r[0] for r in rows(settings, "SELECT number FROM transactions"))


def test_a_row_that_cannot_be_read_is_quarantined_and_the_others_are_delivered(
    tmp_path: Path,
    kiosk_outbox: Outbox,
    proxy: FaultServer,
    clock: FakeClock,
    settings: Settings,
) -> None:
    numbers = queue(kiosk_outbox, 3)
    # Row 2's payload was sealed under a key this kiosk no longer has (a replaced key file).
    other = Sealer(b"x" * 32)
    with sqlite3.connect(tmp_path / "kiosk" / "outbox.db") as db:
        db.execute(
            "UPDATE outbox SET sealed = ? WHERE number = ?",
            (other.seal("{}", f"{2:032x}".encode()), numbers[1]),
        )
    sync, _ = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    assert sync.drain() == 2
    assert stored(settings) == [numbers[0], numbers[2]]
    entry = kiosk_outbox.entry(f"{2:032x}")
    assert entry is not None
    assert entry.state is State.QUARANTINED
    assert "unreadable" in (entry.last_error or "")
    assert sync.drain() == 0  # nothing stuck in flight, nothing tried again
    assert kiosk_outbox.counts()[State.IN_FLIGHT] == 0


@pytest.mark.parametrize("status", [403, 404, 408, 413, 429, 500, 503])
def test_a_proxy_refusal_keeps_the_row_and_it_arrives_later(
    status: int,
    tmp_path: Path,
    kiosk_outbox: Outbox,
    proxy: FaultServer,
    clock: FakeClock,
    settings: Settings,
) -> None:
    (number,) = queue(kiosk_outbox, 1)
    sync, _ = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    proxy.mode = f"status:{status}"
    assert sync.drain() == 0
    assert kiosk_outbox.counts()[State.PENDING] == 1
    assert kiosk_outbox.counts()[State.FAILED] == 0
    proxy.mode = "forward"
    clock.advance(600)
    assert sync.drain() == 1
    assert stored(settings) == [number]


def test_a_controller_that_never_answers_costs_one_timeout_not_one_per_row(
    tmp_path: Path, kiosk_outbox: Outbox, proxy: FaultServer, clock: FakeClock, settings: Settings
) -> None:
    numbers = queue(kiosk_outbox, 5)
    sync, client = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    proxy.mode = "hang"
    assert sync.drain() == 0
    assert [n for n in client.tried if n.startswith("KA01")] == [numbers[0]]
    assert sync.circuit.is_open
    tried = len(client.tried)
    assert sync.drain() == 0
    assert len(client.tried) == tried  # the circuit is open: nothing is tried
    proxy.mode = "forward"
    clock.advance(600)
    assert sync.drain() == 5
    assert stored(settings) == numbers
    assert kiosk_outbox.counts()[State.ACKED] == 5


def test_an_answer_cut_mid_way_is_sent_again_and_stored_once(
    tmp_path: Path, kiosk_outbox: Outbox, proxy: FaultServer, clock: FakeClock, settings: Settings
) -> None:
    (number,) = queue(kiosk_outbox, 1)
    sync, _ = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    proxy.mode = "forward-cut"  # the controller commits it; the kiosk never hears so
    assert sync.drain() == 0
    assert kiosk_outbox.counts()[State.PENDING] == 1
    proxy.mode = "forward"
    clock.advance(600)
    assert sync.drain() == 1
    assert stored(settings) == [number]


def test_a_definitive_refusal_fails_that_row_only(
    tmp_path: Path, kiosk_outbox: Outbox, proxy: FaultServer, clock: FakeClock, settings: Settings
) -> None:
    sync, client = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    token = sync._enroller.ensure().device_token
    # The controller already holds key 1 with other content: resending it is a 409.
    client.send_transaction(
        validate(TransactionIn, transaction(key=f"{1:032x}", number="KA01-2611269999")), token
    )
    numbers = queue(kiosk_outbox, 2)
    assert sync.drain() == 1
    first = kiosk_outbox.entry(f"{1:032x}")
    assert first is not None
    assert first.state is State.FAILED
    assert "409" in (first.last_error or "")
    assert stored(settings) == [numbers[1], "KA01-2611269999"]


def test_a_wall_clock_stepped_back_a_day_does_not_stall_the_backlog(
    tmp_path: Path, kiosk_outbox: Outbox, proxy: FaultServer, clock: FakeClock, settings: Settings
) -> None:
    (number,) = queue(kiosk_outbox, 1)
    sync, _ = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    step = dt.timedelta(0)
    sync._now = lambda: clock.wall() - step
    proxy.mode = "status:503"
    assert sync.drain() == 0
    step = dt.timedelta(days=1)  # NTP, or a technician, sets the kiosk's date back
    proxy.mode = "forward"
    clock.advance(600)  # ten minutes pass on the monotonic clock
    assert sync.drain() == 1
    assert stored(settings) == [number]


def test_after_an_outage_the_backlog_ramps_up_at_the_set_pace(
    tmp_path: Path, kiosk_outbox: Outbox, proxy: FaultServer, clock: FakeClock, settings: Settings
) -> None:
    queue(kiosk_outbox, 12)
    sync, _ = make_sync(tmp_path, kiosk_outbox, proxy, clock, pace=5)
    proxy.mode = "status:503"
    assert sync.drain() == 0
    proxy.mode = "forward"
    clock.advance(600)
    # Back from the outage: the row that found the controller and one more, then the pace.
    assert sync.drain() == 2
    assert kiosk_outbox.counts()[State.IN_FLIGHT] == 0
    clock.advance(1)
    assert sync.drain() == 5
    clock.advance(10)
    assert sync.drain() == 5
    assert len(stored(settings)) == 12


def test_the_controllers_clock_is_recorded_as_skew(
    tmp_path: Path, kiosk_outbox: Outbox, proxy: FaultServer, clock: FakeClock
) -> None:
    sync, _ = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    sync._status = lambda: _beat(clock.wall() - dt.timedelta(minutes=2))
    sync._now = lambda: clock.wall() - dt.timedelta(minutes=2)  # the kiosk is 2 minutes slow
    sync.beat()
    assert sync.clock_skew == pytest.approx(120, abs=1)


def _beat(sent_at: dt.datetime) -> Heartbeat:
    return Heartbeat(sent_at=sent_at, status=KioskStatus.IDLE)


def test_an_application_whose_sending_was_cut_is_awaiting_delivery_until_acked(
    tmp_path: Path, kiosk_outbox: Outbox, proxy: FaultServer, clock: FakeClock, settings: Settings
) -> None:
    from zoneinfo import ZoneInfo

    from drivers.manager import DeviceManager
    from flows import RunRecord, load_builtin_catalog
    from kiosk.actions import Station
    from kiosk.service import KioskService

    (number,) = queue(kiosk_outbox, 1)
    service = KioskService(
        catalog=load_builtin_catalog(),
        station=Station(lambda: "KA01", "一号机", proxy.url, ZoneInfo("Asia/Shanghai")),
        devices=DeviceManager([]),
        actions_for=lambda flow: None,  # type: ignore[arg-type,return-value]
        online=lambda: True,
        outbox_pending=lambda: 0,
        waiting=kiosk_outbox.waiting,
    )
    record = RunRecord(transaction_key=f"{1:032x}", transaction_number=number)
    sync, _ = make_sync(tmp_path, kiosk_outbox, proxy, clock)
    proxy.mode = "forward-cut"  # the line drops while the application is sent
    assert sync.drain() == 0
    assert service.awaiting_delivery(record)  # kept, and the end screen says so
    assert not service.awaiting_delivery(RunRecord())  # nothing submitted: nothing said
    proxy.mode = "forward"
    clock.advance(600)
    assert sync.drain() == 1
    assert stored(settings) == [number]
    assert not service.awaiting_delivery(record)
