"""One-key help, the touch-to-continue countdown, the attract loop and the live menu, on the
real Kivy window driven by taps, with the clock moved instead of slept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flows import Texts
from tests.kiosk.ui.helpers import fill_form, step_buttons, tap, traces_left


def _go_to_card(ui: Any) -> None:
    tap(ui, ui.root.welcome.tiles[0])
    assert ui.root.current == "action"


def _go_to_form(ui: Any) -> None:
    _go_to_card(ui)
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current == "form")


def _go_to_confirm(ui: Any, citizen: Any) -> None:
    _go_to_form(ui)
    fill_form(ui, citizen.form)
    tap(ui, step_buttons(ui.root.steps["form"])["submit"])
    assert ui.root.current == "confirm"


WALKS: dict[str, Callable[[Any, Any], None]] = {
    "action": lambda ui, citizen: _go_to_card(ui),
    "form": lambda ui, citizen: _go_to_form(ui),
    "confirm": _go_to_confirm,
}


@pytest.mark.parametrize("screen", list(WALKS))
def test_idle_at_every_screen_of_a_flow_counts_down_and_ends_wiped(
    ui: Any, port: Any, citizen: Any, clock: Any, screen: str
) -> None:
    WALKS[screen](ui, citizen)
    assert ui.root.current == screen
    if screen == "form":
        fill_form(ui, {"phone": citizen.phone, "employer_name": citizen.form["employer_name"]})
    run = ui.session.run
    left = run.seconds_left()
    clock.advance(left - 10)
    ui.session.tick()
    assert ui.root.idle.shown
    assert ui.root.idle.ids.seconds.text == "10"
    clock.advance(10)
    ui.session.tick()
    assert ui.root.current == "end"
    assert run.outcome == "expired"
    assert not ui.root.idle.shown
    clock.advance(10)
    ui.session.tick()
    assert ui.root.current == "attract"
    assert traces_left(ui, citizen.traces()) == []


def test_a_touch_on_the_countdown_keeps_the_visit_and_presses_nothing_under_it(
    ui: Any, citizen: Any, clock: Any
) -> None:
    _go_to_form(ui)
    fill_form(ui, {"phone": citizen.phone})
    run = ui.session.run
    step = run.step.name
    clock.advance(run.seconds_left() - 5)
    ui.session.tick()
    assert ui.root.idle.shown
    # The tap lands where the submit button is: it must only dismiss the countdown.
    tap(ui, step_buttons(ui.root.steps["form"])["submit"])
    assert not ui.root.idle.shown
    assert ui.session.run is run
    assert run.step.name == step
    assert ui.root.steps["form"].blocks["phone"].input.text == citizen.phone
    assert run.seconds_left() == run.step.timeout  # the step's time starts again


def test_the_countdown_is_handed_to_a_voice_hook_once_a_second(ui: Any, clock: Any) -> None:
    spoken: list[tuple[int, str]] = []
    ui.session.on_countdown = lambda seconds, lang: spoken.append((seconds, lang))
    _go_to_form(ui)
    clock.advance(ui.session.run.seconds_left() - 3)
    for _ in range(3):
        ui.session.tick()
        ui.session.tick()  # twice in the same second: said once
        clock.advance(1)
    assert spoken == [(3, "zh-CN"), (2, "zh-CN"), (1, "zh-CN")]


def test_the_help_key_on_every_screen_shows_the_numbers_and_a_double_tap_calls_once(
    ui: Any, port: Any, clock: Any
) -> None:
    welcome = ui.root.welcome
    assert welcome.ids.help.text == "求助"
    tap(ui, welcome.ids.help)
    help_view = ui.root.help
    assert help_view.shown
    assert "0578-3123456" in help_view.ids.numbers.text
    assert "12333" in help_view.ids.numbers.text
    tap(ui, help_view.ids.close)
    assert not help_view.shown
    tap(ui, welcome.ids.help)  # again at once (a double tap): the numbers, no second call
    tap(ui, help_view.ids.close)
    assert port.staff_calls == [("help_key", "menu")]

    clock.advance(60)
    # Someone is still at the menu: without this, the App's real-time one-second tick, if it
    # falls between the clock's move and the tap, finds the menu idle for 60 s (the attract loop).
    ui.session.touch()
    _go_to_card(ui)
    header = ui.root.steps["action"].ids.header.ids
    assert header.help.text == "求助"
    tap(ui, header.help)
    assert help_view.shown
    assert port.staff_calls[-1] == ("help_key", "employment_registration:identify")


def test_an_end_screen_that_is_no_success_says_whom_to_call_and_offers_help(
    ui: Any, port: Any
) -> None:
    _go_to_card(ui)
    tap(ui, step_buttons(ui.root.steps["action"])["cancel"])
    end = ui.root.end
    assert ui.root.current == "end"
    assert "0578-3123456" in end.ids.help_line.text
    assert "12333" in end.ids.help_line.text
    tap(ui, end.ids.help)
    assert ui.root.help.shown


def test_a_double_tap_on_a_tile_starts_one_visit_and_presses_nothing_on_the_next_screen(
    make_port: Any, clock: Any
) -> None:
    from kivy.tests.common import UnitTestTouch

    from devkit.headless import HeadlessUI

    port = make_port()
    with HeadlessUI(port, clock=clock, tap_guard=0.4) as ui:
        clock.advance(1)  # the menu has been up a while
        tile = ui.root.welcome.tiles[0]
        ui.frames(1)
        x, y = tile.to_window(*tile.center)
        for _ in range(2):  # the second lands on the next screen, wherever its buttons are
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            touch.touch_up()
        ui.frames(2)
        assert ui.root.current == "action"
        first = ui.session.run
        assert port.ended == []  # the first visit was not ended by a second start
        ui.session.start(first.flow.id)  # a late tile tap while the visit is open
        assert ui.session.run is first
        clock.advance(1)  # past the guard: taps act again
        tap(ui, ui.root.steps["action"].card_buttons[0])
        ui.until(lambda: ui.root.current == "form")


def test_the_attract_loop_pages_and_wakes_on_touch_card_or_face(make_port: Any, clock: Any) -> None:
    from devkit.headless import HeadlessUI

    port = make_port()
    port.cards = [
        *port.cards,
        _card("policy", "稳岗返还政策", "Job retention refund"),
    ]
    with HeadlessUI(port, clock=clock, attract_at_start=True) as ui:
        attract = ui.root.attract
        assert ui.root.current == "attract"
        assert attract.ids.title.text == "招聘：保洁员"
        assert attract.ids.start.text == "点击屏幕开始办理"
        clock.advance(6)
        ui.session.tick()
        assert attract.ids.title.text == "稳岗返还政策"
        tap(ui, attract)
        assert ui.root.current == "welcome"
        assert ui.session.run is None  # the wake touch started nothing

        clock.advance(60)  # an untouched menu, nobody in front: back to the loop
        ui.session.tick()
        assert ui.root.current == "attract"
        port.card_in = True  # a card laid on the reader
        ui.session.tick()
        assert ui.root.current == "welcome"
        port.card_in = False

        clock.advance(60)
        port.absent_for = 0.0  # someone reading the menu: it stays
        ui.session.tick()
        assert ui.root.current == "welcome"
        port.absent_for = 5.0
        clock.advance(60)
        ui.session.tick()
        assert ui.root.current == "attract"
        port.absent_for = 0.0  # a face in front of the camera
        ui.session.tick()
        assert ui.root.current == "welcome"


def test_a_card_laid_on_the_reader_mid_form_keeps_the_form(
    ui: Any, port: Any, citizen: Any, clock: Any
) -> None:
    _go_to_form(ui)
    fill_form(ui, {"phone": citizen.phone})
    run = ui.session.run
    port.card_in = True
    clock.advance(1)
    ui.session.tick()
    assert ui.root.current == "form"
    assert ui.session.run is run
    assert ui.root.steps["form"].blocks["phone"].input.text == citizen.phone


def test_a_service_whose_device_is_down_is_greyed_with_the_reason(ui: Any, port: Any) -> None:
    port.down = {"employment_registration": Texts("身份证读卡器暂停使用", "ID reader down")}
    ui.session.tick()
    tile = ui.root.welcome.tiles[0]
    assert not tile.available
    assert tile.disabled
    assert "身份证读卡器暂停使用" in tile.text
    tap(ui, tile)
    assert ui.root.current == "welcome"
    assert ui.session.run is None
    port.down = {}
    port.notes = {"employment_registration": Texts("打印机暂停，可扫码取电子回执", "e-receipt")}
    ui.session.tick()
    tile = ui.root.welcome.tiles[0]
    assert tile.available
    assert "电子回执" in tile.text


def test_out_of_service_takes_the_screen_between_visits_with_the_help_phone(
    ui: Any, port: Any, citizen: Any, clock: Any
) -> None:
    _go_to_form(ui)
    port.closed = Texts("本机正在维护，暂停服务。", "Being serviced.")
    ui.session.tick()
    assert ui.root.current == "form"  # a visit in progress is finished first
    ui.session.fire("cancel")
    clock.advance(10)
    ui.session.tick()
    screen = ui.root.out_of_service
    assert ui.root.current == "out_of_service"
    assert screen.ids.reason.text == "本机正在维护，暂停服务。"
    assert "0578-3123456" in screen.ids.numbers.text
    ui.session.start("employment_registration")  # nothing can be started
    assert ui.session.run is None
    port.closed = None
    ui.session.tick()
    assert ui.root.current == "attract"


def _card(kind: str, zh: str, en: str) -> Any:
    from kiosk.ports import AttractCard

    return AttractCard(kind, Texts(zh, en), Texts(zh, en))
