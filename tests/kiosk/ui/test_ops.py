"""The touchscreen's 24/7 duties on the real App: READY, watchdog, night, maintenance's way in.

The real EStationApp on the off-screen window with a `KioskOps` started on it as
`estation-kiosk` does, a PIN gate on real files, touches through the window, time moved.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.selftest import Check, Report, run_checks
from kiosk.maintenance import Snapshot
from kiosk.maintenance_gesture import HOLD_SECONDS
from kiosk.maintenance_pin import MAX_FAILURES, MIN_GAP, Attempt, PinFile, PinGate
from kiosk.nightly import RESTART_EXIT_CODE
from kiosk.updater import HealthSignal, Step
from kiosk.watchdog import Notifier, Watchdog
from tests.kiosk.ui.conftest import ID_NUMBER, FakePort
from tests.kiosk.ui.helpers import tap
from tests.support.clock import FakeClock

PIN = "482915"

pytestmark = pytest.mark.kivy


class FakeMaintenance:
    """A MaintenancePort over a real PIN gate; the rest recorded or fixed."""

    def __init__(self, gate: PinGate) -> None:
        self.gate = gate
        self.out: str | None = None
        self.audit: list[str] = []
        self.log_lines = (f'level=info msg="card {ID_NUMBER[:3]}***********002X"',)

    def try_pin(self, pin: str) -> Attempt:
        return self.gate.try_pin(pin)

    def locked_for(self) -> float:
        return self.gate.locked_for()

    def snapshot(self) -> Snapshot:
        return Snapshot(
            devices=(),
            outbox_pending=3,
            outbox_failed=0,
            oldest_pending=dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC),
            online=False,
            controller_url="http://127.0.0.1:9",
            network=("eth0 192.168.1.20",),
            out_of_service=self.out,
            log_lines=self.log_lines,
        )

    def self_test(self, progress: Callable[[int, int, Check], None]) -> Report:
        return run_checks([lambda: Check("idcard", True, "SAM x", 1)], progress)

    def set_out_of_service(self, on: bool, reason: str) -> None:
        self.out = reason if on else None

    def opened(self) -> None:
        self.audit.append("opened")

    def closed(self, how: str) -> None:
        self.audit.append(f"closed:{how}")


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def maintenance(tmp_path: Path, wall: Wall) -> FakeMaintenance:
    pins = PinFile(tmp_path / "maintenance.pin")
    pins.set(PIN)
    return FakeMaintenance(PinGate(pins, tmp_path / "lockout.json", clock=wall))


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(2.0)
    try:
        yield sock
    finally:
        sock.close()


def start_ops(ui: Any, port: FakePort, clock: FakeClock, **kw: Any) -> Any:
    """Start a KioskOps on the running App, as run_kiosk_app hands it over."""
    from kiosk.config_model import NightConfig
    from kiosk.ui.ops import KioskOps

    ops = KioskOps(now=port.now, clock=clock, night=kw.pop("night", NightConfig().plan()), **kw)
    ui.app.ops = ops
    ops.start(ui.app)
    return ops


def corner_touch(ui: Any, clock: FakeClock, x: float, y: float, hold: float = 0.1) -> None:
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    ui.frames(1)
    width, height = Window.size
    touch = UnitTestTouch(x * width, y * height)
    touch.touch_down()
    clock.advance(hold)
    touch.touch_up()
    ui.frames(2)


def do_gesture(ui: Any, clock: FakeClock) -> None:
    corner_touch(ui, clock, 0.01, 0.99, HOLD_SECONDS)  # hold the top-left corner
    for x, y in ((0.99, 0.99), (0.99, 0.01), (0.01, 0.01)):  # then clockwise
        corner_touch(ui, clock, x, y)


def enter(ui: Any, screen: Any, pin: str) -> None:
    for digit in pin:
        screen.press(digit)
    tap(ui, screen.keys["ok"])


def test_the_first_frame_sends_ready_to_systemd(
    ui: Any, port: FakePort, clock: FakeClock, systemd: socket.socket
) -> None:
    ops = start_ops(ui, port, clock, notifier=Notifier({"NOTIFY_SOCKET": systemd.getsockname()}))
    assert not ops.ready_sent
    ui.frames(2)
    assert ops.ready_sent
    assert systemd.recv(4096) == b"READY=1\nSTATUS=menu shown"


def test_the_ui_clock_feeds_the_watchdog_and_a_stalled_ui_does_not(
    ui: Any, port: FakePort, clock: FakeClock, systemd: socket.socket
) -> None:
    dog = Watchdog(Notifier({"NOTIFY_SOCKET": systemd.getsockname()}), stall_seconds=5, clock=clock)
    start_ops(ui, port, clock, watchdog=dog)
    assert not dog.feed()  # the UI clock has not ticked yet
    # The ops tick is once a second of the Kivy clock: frames until it ran, on a slow
    # machine longer than the second and a half this waited before (a CI run fell short).
    deadline = time.monotonic() + 20
    while not dog.feed():
        assert time.monotonic() < deadline, "the UI clock never ticked the ops"
        ui.frames(1)
        time.sleep(0.02)
    assert systemd.recv(4096) == b"WATCHDOG=1"
    clock.advance(6)  # no frames: the UI thread's clock stands still
    assert not dog.feed()


def test_the_gesture_on_the_menu_opens_the_pin_pad_and_the_right_pin_the_panel(
    ui: Any, port: FakePort, clock: FakeClock, maintenance: FakeMaintenance
) -> None:
    ops = start_ops(ui, port, clock, maintenance=maintenance)
    do_gesture(ui, clock)
    assert ops.in_maintenance
    screen = ui.root.current_screen
    assert screen.pad.parent is screen
    for digit in PIN:
        screen.press(digit)
    assert screen.dots.text == "●" * len(PIN)  # never the digits
    tap(ui, screen.keys["ok"])
    assert screen.panel.parent is screen
    assert "3 pending" in screen.status.text
    assert "eth0 192.168.1.20" in screen.status.text
    assert ID_NUMBER not in screen.status.text
    tap(ui, screen.service_button)
    assert maintenance.out == "maintenance"
    assert "OUT OF SERVICE" in screen.status.text
    tap(ui, screen.test_button)
    ui.until(lambda: not screen.testing)
    assert screen.progress.value == screen.progress.max == 1
    assert "All passed" in screen.progress_text.text
    tap(ui, screen.back_button)
    assert ui.root.current == ui.root.welcome.name
    assert maintenance.audit == ["opened", "closed:service"]
    assert screen.pad.parent is screen  # locked again for the next time


def test_a_wrong_pin_many_times_locks_the_pad(
    ui: Any, port: FakePort, clock: FakeClock, maintenance: FakeMaintenance, wall: Wall
) -> None:
    start_ops(ui, port, clock, maintenance=maintenance)
    do_gesture(ui, clock)
    screen = ui.root.current_screen
    for _ in range(MAX_FAILURES):
        enter(ui, screen, "000001")
        wall.now += MIN_GAP
    assert "Locked" in screen.message.text
    assert "15" in screen.message.text
    enter(ui, screen, PIN)
    assert screen.pad.parent is screen  # even the right PIN waits out the lockout
    assert "Locked" in screen.message.text


def test_the_gesture_does_nothing_during_a_visit(
    ui: Any, port: FakePort, clock: FakeClock, maintenance: FakeMaintenance
) -> None:
    ops = start_ops(ui, port, clock, maintenance=maintenance)
    ui.session.start(port.flow.id)
    ui.frames(2)
    do_gesture(ui, clock)
    assert not ops.in_maintenance
    assert ui.root.current != "maintenance"


def test_exit_to_the_desktop_only_from_the_panel(
    ui: Any, port: FakePort, clock: FakeClock, maintenance: FakeMaintenance
) -> None:
    ops = start_ops(ui, port, clock, maintenance=maintenance)
    stopped: list[int] = []
    ui.app.stop = lambda *a: stopped.append(ops.exit_code)
    do_gesture(ui, clock)
    enter(ui, ui.root.current_screen, PIN)
    tap(ui, ui.root.current_screen.exit_button)
    assert stopped == [0]
    assert maintenance.audit == ["opened", "closed:desktop"]


def test_a_maintenance_screen_left_alone_returns_to_the_menu(
    ui: Any, port: FakePort, clock: FakeClock, maintenance: FakeMaintenance
) -> None:
    ops = start_ops(ui, port, clock, maintenance=maintenance)
    do_gesture(ui, clock)
    enter(ui, ui.root.current_screen, PIN)
    clock.advance(301)
    ops.tick()
    # At once, before a frame: the App's once-a-second session tick (a real-time interval)
    # may come with the next frame, and after 301 idle seconds it rightly pages the menu on
    # to the attract loop, which is not what this test is about.
    assert ui.root.current == ui.root.welcome.name
    assert not ops.in_maintenance


def test_the_idle_menu_dims_at_night_and_a_touch_brightens_it(
    ui: Any, port: FakePort, clock: FakeClock
) -> None:
    ops = start_ops(ui, port, clock)
    ops.tick()
    assert ops.brightness == 1.0  # 10:00 in Beijing
    clock.advance(12 * 3600)  # 22:00:30, nobody has touched the screen since
    ops.tick()
    assert ops.brightness == 0.4
    assert ops._shade is not None
    assert ops._shade.a == pytest.approx(0.6)
    tap(ui, ui.root.welcome)
    assert ops.brightness == 1.0
    assert ops._shade.a == 0


def test_the_nightly_restart_waits_for_the_visit_to_end(
    ui: Any, port: FakePort, clock: FakeClock
) -> None:
    ops = start_ops(ui, port, clock)
    stopped: list[int] = []
    ui.app.stop = lambda *a: stopped.append(ops.exit_code)
    ui.session.start(port.flow.id)
    ui.frames(2)
    clock.advance(17 * 3600 + 600)  # 03:10:30 the next night, a visit still open
    ops.tick()
    assert stopped == []
    ui.session.close()
    ui.root.show_welcome("zh-CN")
    ui.session.run = None
    ops.tick()
    assert stopped == [RESTART_EXIT_CODE]


def test_a_kiosk_a_technician_enrolled_or_reset_restarts_into_it_with_systemds_status(
    ui: Any, port: FakePort, clock: FakeClock
) -> None:
    wanted = [False]
    ops = start_ops(ui, port, clock, restart_wanted=lambda: wanted[0])
    stopped: list[int] = []
    ui.app.stop = lambda *a: stopped.append(ops.exit_code)
    ops.tick()
    assert stopped == []
    wanted[0] = True  # the provisioning API answered an enrollment or a factory reset
    ops.tick()
    assert stopped == [RESTART_EXIT_CODE]  # systemd's Restart=on-failure starts it again


class FakeUpdater:
    """The updater's side the UI drives: signals seen, and a switch due between visits."""

    def __init__(self) -> None:
        self.seen: list[HealthSignal] = []
        self.staged = True
        self.asked: list[bool] = []

    def saw(self, signal: HealthSignal) -> None:
        self.seen.append(signal)

    def tick(self, between_visits: bool) -> Step:
        self.asked.append(between_visits)
        return Step.RESTART if self.staged and between_visits else Step.NOTHING


def test_a_staged_release_restarts_the_kiosk_between_visits_only(
    ui: Any, port: FakePort, clock: FakeClock
) -> None:
    updater = FakeUpdater()
    ops = start_ops(ui, port, clock, updates=updater, night=None)
    ui.frames(2)
    assert updater.seen == [HealthSignal.MENU]  # the first frame: the UI is up
    stopped: list[int] = []
    ui.app.stop = lambda *a: stopped.append(ops.exit_code)
    ui.session.start(port.flow.id)
    ui.frames(2)
    ops.tick()
    assert updater.asked[-1] is False
    assert stopped == []
    ui.session.close()
    ui.root.show_welcome("zh-CN")
    ui.session.run = None
    ops.tick()
    assert stopped == [RESTART_EXIT_CODE]


def test_the_attract_loop_counts_as_between_visits(
    ui: Any, port: FakePort, clock: FakeClock
) -> None:
    ops = start_ops(ui, port, clock)
    ui.session.run = None
    ui.root.show_attract(port.attract_cards(), 0, "zh-CN")
    ui.frames(2)
    assert ui.root.current == ui.root.attract.name
    assert ops.between_visits
