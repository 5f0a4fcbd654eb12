"""Bad input and faults on the real Kivy window: a screen that crashes, taps doubled on
every step, a card laid down mid-form, the network gone while an application is sent.

Touches that must reach the app's exception guard are queued on Kivy's event loop and
dispatched by its frame (`loop_tap`), as a touchscreen's are, so an exception raised by a
handler travels the same way as on a kiosk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from drivers.manager import DeviceManager
from flows import Flow, Session, load_builtin_catalog
from kiosk.actions import Station
from kiosk.actions.submission import Submitting
from kiosk.outbox import Outbox, State
from kiosk.service import KioskService
from pii import Sealer
from tests.kiosk.ui.conftest import FakePort
from tests.kiosk.ui.helpers import fill_form, step_buttons, tap, traces_left


def loop_tap(ui: Any, widget: Any) -> None:
    """A touch on `widget` handed to Kivy's input queue and dispatched by the next frame."""
    from kivy.base import EventLoop
    from kivy.tests.common import UnitTestTouch

    ui.frames(1)
    touch = UnitTestTouch(*widget.to_window(*widget.center))
    EventLoop._dispatch_input("begin", touch)
    EventLoop._dispatch_input("end", touch)
    ui.frames(1)


def _to_form(ui: Any) -> None:
    tap(ui, ui.root.welcome.tiles[0])
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current == "form")


def _boom(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("a bug in a screen 13912345678")


def test_a_screen_whose_show_raises_recovers_to_the_attract_loop_wiped_and_logged(
    ui: Any, port: Any, citizen: Any, caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    form = ui.root.steps["form"]
    monkeypatch.setattr(form, "show", _boom)
    tap(ui, ui.root.welcome.tiles[0])
    run = ui.session.run
    with caplog.at_level(logging.INFO):
        # The card is read on a worker; its result comes back on the UI clock and routes
        # to the form, whose show raises inside a Kivy frame.
        tap(ui, ui.root.steps["action"].card_buttons[0])
        ui.until(lambda: ui.root.current == "attract")
    assert ui.session.run is None
    assert port.ended == [run]
    assert run.outcome == "failed"
    assert traces_left(ui, citizen.traces()) == []
    crash = [r.getMessage() for r in caplog.records if "ui_crash" in r.getMessage()]
    assert crash
    assert "RuntimeError" in crash[0]
    assert citizen.phone not in caplog.text  # the message is not logged: it may hold PII
    monkeypatch.undo()
    tap(ui, ui.root.attract)  # the kiosk serves the next citizen
    assert ui.root.current == "welcome"
    _to_form(ui)
    assert ui.root.current == "form"


def test_a_button_handler_that_raises_recovers_and_forgets_what_was_typed(
    ui: Any, port: Any, citizen: Any, monkeypatch: Any
) -> None:
    _to_form(ui)
    form = ui.root.steps["form"]
    fill_form(ui, citizen.form)
    monkeypatch.setattr(form, "submit", _boom)
    loop_tap(ui, step_buttons(form)["submit"])
    assert ui.root.current == "attract"
    assert ui.session.run is None
    assert len(port.ended) == 1
    assert traces_left(ui, citizen.traces()) == []
    assert ui.app.alive


def _frame_with_tick(ui: Any) -> None:
    """One frame in which the App's once-a-second tick runs (a Kivy clock event)."""
    from kivy.clock import Clock

    app, ran = ui.app, []

    def tick(_dt: float) -> None:
        # Once: Kivy runs an event again when it raised the first time.
        if not ran:
            ran.append(True)
            app._tick(0)

    Clock.schedule_once(tick, 0)
    ui.frames(1)


def _ops_with_watchdog(ui: Any, port: Any, clock: Any, address: str) -> tuple[Any, Any]:
    from kiosk.config_model import NightConfig
    from kiosk.ui.ops import KioskOps
    from kiosk.watchdog import Notifier, Watchdog

    dog = Watchdog(Notifier({"NOTIFY_SOCKET": address}), stall_seconds=5, clock=clock)
    ops = KioskOps(now=port.now, clock=clock, night=NightConfig().plan(), watchdog=dog)
    ui.app.ops = ops
    ops.start(ui.app)
    return ops, dog


def test_a_crash_the_app_cannot_recover_from_stops_it_and_starves_the_watchdog(
    ui: Any, port: Any, clock: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(tmp_path / "notify"))
        systemd.settimeout(2.0)
        ops, dog = _ops_with_watchdog(ui, port, clock, str(tmp_path / "notify"))
        ops.tick()
        assert dog.feed()  # a live UI feeds systemd
        assert systemd.recv(64) == b"WATCHDOG=1"
        # The menu's refresh raises, and so does the attract loop the app recovers to.
        monkeypatch.setattr(ui.root.welcome, "refresh", _boom)
        monkeypatch.setattr(ui.root.attract, "show", _boom)
        with pytest.raises(RuntimeError):
            _frame_with_tick(ui)  # the exception leaves Kivy's loop: the app stops
        assert not ui.app.alive
        clock.advance(6)
        ops.tick()  # a clock that still ticks while the app stops is no proof of life
        assert not dog.feed()


def test_a_screen_that_crashes_again_and_again_is_given_up_on(
    ui: Any, clock: Any, monkeypatch: Any
) -> None:
    from kiosk.ui.app import MAX_CRASHES

    # Only the test's own ticks: the App's once-a-second one runs on real time and would
    # crash at a moment a slow machine chooses.
    ui.app._tick_event.cancel()
    monkeypatch.setattr(ui.root, "refresh", _boom)  # every tick crashes, on any screen
    for _ in range(MAX_CRASHES):
        _frame_with_tick(ui)  # each one recovered to the attract loop
        assert ui.root.current == "attract"
        assert ui.app.alive
        clock.advance(1)
    with pytest.raises(RuntimeError):
        _frame_with_tick(ui)
    assert not ui.app.alive


class OutboxPort(FakePort):
    """The fake kiosk, but `submit` is the kiosk's own (kiosk/actions/submission.py) into a
    real sealed outbox on disk, and the end screen asks a real KioskService about it."""

    def __init__(self, clock: Any, outbox: Outbox, *, network: bool) -> None:
        super().__init__(clock)
        self.outbox = outbox
        self.network = network  # False: the connection drops while the sync sends
        self.station = Station(
            kiosk_id=lambda: "KA01",
            name=self.station_name,
            controller_url="https://estation.example.gov.cn",
            timezone=ZoneInfo("Asia/Shanghai"),
            wall=clock.wall,
        )
        service = KioskService(
            catalog=load_builtin_catalog(),
            station=self.station,
            devices=DeviceManager([]),
            actions_for=lambda flow: None,  # type: ignore[arg-type,return-value]
            online=lambda: self.network,
            outbox_pending=lambda: 0,
            waiting=outbox.waiting,
        )
        self.awaiting_delivery = service.awaiting_delivery  # type: ignore[method-assign]

    def _submit(self, flow: Flow, session: Session) -> str:
        submitting = Submitting(
            flow, self.station, self.outbox, on_submitted=self._sync, now=self.station.now
        )
        return submitting.submit(session)

    def _sync(self) -> None:
        """The sync loop woken by the submit: the controller acks, or the line drops."""
        for txn in self.outbox.claim_due():
            if self.network:
                self.outbox.mark_acked(txn.key, self.clock.wall())
            else:
                self.outbox.mark_retry(txn.key, "ConnectError", 30)


@pytest.mark.parametrize("network", [False, True], ids=["lost_mid_submit", "up"])
def test_an_application_sent_as_the_network_goes_is_kept_and_the_citizen_told(
    tmp_path: Path, clock: Any, citizen: Any, network: bool
) -> None:
    from devkit.headless import HeadlessUI

    outbox = Outbox(tmp_path / "outbox.db", Sealer(bytes(range(32))), clock=clock)
    port = OutboxPort(clock, outbox, network=network)
    try:
        with HeadlessUI(port, clock=clock, idle_return_seconds=10) as ui:
            _to_form(ui)
            fill_form(ui, citizen.form)
            tap(ui, step_buttons(ui.root.steps["form"])["submit"])
            tap(ui, step_buttons(ui.root.steps["confirm"])["confirm"])
            ui.until(lambda: ui.root.current == "end")
            end = ui.root.end
            number = end.ids.number.text
            assert number.startswith("KA01-")
            [key] = _keys(tmp_path / "outbox.db")
            kept = outbox.entry(key)
            assert kept is not None
            assert kept.number == number  # on disk, sealed, whatever the network did
            saved = "您的申请已保存在本机，网络恢复后会自动发送"
            if network:
                assert kept.state is State.ACKED
                assert saved not in end.ids.prompt.text
            else:
                assert kept.state is State.PENDING  # the sync loop sends it again later
                assert saved in end.ids.prompt.text
                assert end.success  # done: nothing for the citizen to do again
    finally:
        outbox.close()


def _keys(path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT key FROM outbox WHERE kind = 'transaction'")]


def double_tap(ui: Any, widget: Any) -> None:
    """Two touches on `widget` a few frames apart, as a finger's double tap (or a second
    tap on a slow screen): the clock does not move between them."""
    from kivy.tests.common import UnitTestTouch

    ui.frames(1)
    x, y = widget.to_window(*widget.center)
    for _ in range(2):
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        ui.frames(2)


def _toggles_once(ui: Any, clock: Any, header: Any) -> None:
    """A double tap on the language key and on the elder key each switch once."""
    session = ui.session
    lang, elder = session.lang, session.elder
    double_tap(ui, header.language)
    assert session.lang != lang
    clock.advance(1)
    double_tap(ui, header.language)
    assert session.lang == lang
    clock.advance(1)
    double_tap(ui, header.elder)
    assert session.elder is not elder
    clock.advance(1)
    double_tap(ui, header.elder)
    assert session.elder is elder
    clock.advance(1)


def test_a_double_tap_on_every_step_button_of_a_walk_is_one_action(
    make_port: Any, clock: Any, citizen: Any
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port()
    with HeadlessUI(port, clock=clock, tap_guard=0.4) as ui:
        clock.advance(1)
        double_tap(ui, ui.root.welcome.tiles[0])  # the menu's tile
        assert ui.root.current == "action"
        run = ui.session.run
        assert run.history == [run.flow.start]
        clock.advance(1)
        action = ui.root.steps["action"]
        _toggles_once(ui, clock, action.ids.header.ids)
        double_tap(ui, action.card_buttons[0])  # the card tray
        ui.until(lambda: ui.root.current == "form")
        assert port.tapper.presented == [port.tapper.names[0]]
        clock.advance(1)
        form = ui.root.steps["form"]
        _toggles_once(ui, clock, form.ids.header.ids)
        fill_form(ui, citizen.form)
        steps = len(run.history)
        double_tap(ui, step_buttons(form)["submit"])
        assert ui.root.current == "confirm"
        assert len(run.history) == steps + 1
        clock.advance(1)
        confirm = ui.root.steps["confirm"]
        _toggles_once(ui, clock, confirm.ids.header.ids)
        double_tap(ui, step_buttons(confirm)["confirm"])
        ui.until(lambda: ui.root.current == "end")
        assert len(port.submitted) == 1  # one application, not two
        clock.advance(1)
        double_tap(ui, ui.root.end.ids.finish)  # on into the rating, pressing nothing there
        rating = ui.session.run
        assert rating is not None
        assert rating is not run
        assert rating.history == [rating.flow.start]
        assert port.ratings == []
