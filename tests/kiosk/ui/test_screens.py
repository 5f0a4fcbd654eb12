"""The real App on a headless window, walked like a citizen would: taps, typing, waiting.

Taps go through the window as touches (so hit-testing and the idle-timer reset are real);
choices inside the scrolling form are pressed with `trigger_action`, because a ScrollView
holds a touch back for 250 ms of wall time to tell taps from swipes. Time is the fake clock
shared by the App and the run, moved by the test; the App's one-second Clock interval calls
`session.tick()`, which the tests call directly after moving the clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.ui import theme
from tests.kiosk.ui.helpers import (
    check_elderly_sizes,
    fill_form,
    step_buttons,
    tap,
    visible_texts,
)

pytestmark = pytest.mark.kivy


def go_to_form(ui: Any) -> Any:
    tap(ui, ui.root.welcome.tiles[0])
    assert ui.root.current == "action"
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current == "form")
    return ui.root.steps["form"]


def go_to_end(ui: Any, citizen: Any, shots: Path | None = None) -> None:
    form = go_to_form(ui)
    fill_form(ui, citizen.form)
    tap(ui, step_buttons(form)["submit"])
    assert ui.root.current == "confirm"
    if shots is not None:
        ui.screenshot(shots / "confirm.png")
    tap(ui, step_buttons(ui.root.steps["confirm"])["confirm"])
    ui.until(lambda: ui.root.current == "end")


def test_walking_the_flow_reaches_the_transaction_number(
    ui: Any, port: Any, citizen: Any, shots: Path
) -> None:
    ui.screenshot(shots / "welcome.png")
    tap(ui, ui.root.welcome.tiles[0])
    action = ui.root.steps["action"]
    assert ui.root.current == "action"
    assert action.ids.demo.opacity == 1
    assert [b.text for b in action.card_buttons] == [citizen.name]
    assert action.ids.header.ids.step_label.text == "第1步 / 共5步"
    ui.screenshot(shots / "action.png")

    tap(ui, action.card_buttons[0])
    ui.until(lambda: ui.root.current == "form")
    form = ui.root.steps["form"]
    assert form.ids.header.ids.step_label.text == "第2步 / 共5步"
    ui.screenshot(shots / "form.png")
    fill_form(ui, {**citizen.form, "phone": "1391234"})
    tap(ui, step_buttons(form)["submit"])

    assert ui.root.current == "form"
    phone = form.blocks["phone"]
    assert phone.error.text == "手机号码应为11位"
    assert tuple(phone.error.color) == theme.ERROR
    assert phone.error.top <= phone.input.y  # right under its box
    assert all(b.error.text == "" for n, b in form.blocks.items() if n != "phone")
    ui.screenshot(shots / "form-error.png")

    phone.input.text = citizen.phone
    tap(ui, step_buttons(form)["submit"])
    assert ui.root.current == "confirm"
    confirm = ui.root.steps["confirm"]
    shown = [text for row in confirm.rows() for text in row]
    assert citizen.phone in shown
    assert citizen.id_number not in shown  # masked on screen
    assert "110***********002X" in shown
    ui.screenshot(shots / "confirm.png")

    tap(ui, step_buttons(confirm)["confirm"])
    ui.until(lambda: ui.root.current == "end")
    end = ui.root.end
    assert end.ids.number.text == citizen.transaction
    assert end.ids.title.text == "办理成功，请取走回执"
    assert end.ids.finish.text == "评价本次服务"  # the rating (好差评) follows
    ui.screenshot(shots / "end.png")
    assert port.submitted[0]["phone"] == citizen.phone
    assert port.submitted[0]["id_number"] == citizen.id_number


def test_after_the_end_screen_no_trace_of_the_citizen_is_left(
    ui: Any, port: Any, citizen: Any, clock: Any
) -> None:
    go_to_end(ui, citizen)
    run = port.ended[-1]
    assert run.outcome == "completed"
    assert run.session.wiped
    assert ui.session.run is None
    assert port.tapper.removed == 1  # the demo card went back in the tray

    clock.advance(9)
    ui.session.tick()
    assert ui.root.current == "end"
    assert ui.root.end.ids.countdown.text == "1秒后进入服务评价"
    clock.advance(1)
    ui.session.tick()
    assert ui.root.current == "form"  # the rating, linked to the number, not to the person
    assert ui.session.run.flow.id == "rating"
    tap(ui, step_buttons(ui.root.steps["form"])["skip"])
    assert ui.root.current == "end"
    assert ui.root.end.ids.title.text == "未评价，感谢使用"
    assert ui.root.end.ids.number.text == ""  # shown once, at the end of the transaction
    clock.advance(10)
    ui.session.tick()
    ui.frames(2)

    assert ui.root.current == "welcome"
    assert [r.outcome for r in port.ended] == ["completed", "cancelled"]
    assert all(r.session.wiped for r in port.ended)
    texts = visible_texts(ui)
    assert texts, "the walk found no widgets"
    for trace in [*citizen.traces(), "110***********002X", citizen.transaction]:
        assert not [t for t in texts if trace in t], f"{trace!r} is still on a screen"


def test_finish_leads_on_to_the_rating(ui: Any, citizen: Any) -> None:
    go_to_end(ui, citizen)
    assert ui.root.end.ids.finish.text == "评价本次服务"
    tap(ui, ui.root.end.ids.finish)
    assert ui.root.current == "form"
    assert ui.session.run.flow.id == "rating"


def test_without_a_way_to_start_the_rating_finish_returns_to_welcome_at_once(
    make_port: Any, clock: Any, citizen: Any
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port()
    port.new_follow_on_run = None  # an older port: no follow-on flows
    with HeadlessUI(port, clock=clock) as ui:
        go_to_end(ui, citizen)
        assert ui.root.end.ids.finish.text == "完成"
        tap(ui, ui.root.end.ids.finish)
        assert ui.root.current == "welcome"


def test_an_idle_form_counts_down_then_times_out_to_the_attract_loop_and_wipes(
    ui: Any, port: Any, citizen: Any, clock: Any, shots: Path
) -> None:
    form = go_to_form(ui)
    form.blocks["phone"].input.text = citizen.phone  # typed, never submitted
    form.blocks["employer_name"].input.text = citizen.form["employer_name"]
    run = ui.session.run

    clock.advance(160)
    ui.session.tick()
    assert not ui.root.idle.shown  # 20 s left: no hurry shown yet
    clock.advance(10)
    ui.session.tick()
    assert ui.root.idle.shown  # the last 10 s: a modal over the form
    assert ui.root.idle.ids.title.text == "点击屏幕继续"
    assert ui.root.idle.ids.seconds.text == "10"
    clock.advance(10)
    ui.session.tick()
    assert not ui.root.idle.shown
    assert ui.root.current == "end"
    assert ui.root.end.ids.title.text == "长时间未操作，已退出"
    assert ui.root.end.ids.number.text == ""
    ui.screenshot(shots / "end-expired.png")
    assert port.ended == [run]
    assert run.outcome == "expired"
    assert run.session.wiped

    clock.advance(10)
    ui.session.tick()
    assert ui.root.current == "attract"  # nobody touched it: the attract loop, not the menu
    texts = visible_texts(ui)
    for trace in citizen.traces():
        assert not [t for t in texts if trace in t], f"{trace!r} is still on a screen"


def test_a_touch_anywhere_restarts_the_idle_timeout(ui: Any, clock: Any) -> None:
    form = go_to_form(ui)
    clock.advance(170)
    tap(ui, form.ids.title)  # not a control: just a finger on the screen
    clock.advance(170)
    ui.session.tick()
    assert ui.root.current == "form"


def test_the_keypad_types_into_the_chosen_field(ui: Any) -> None:
    form = go_to_form(ui)
    keypad = form.ids.keypad
    keys = {b.event: b for b in keypad.children}
    assert keypad.target is form.blocks["phone"].input
    for key in ("1", "3", "9", "del", "8"):
        tap(ui, keys[key])
    assert form.blocks["phone"].input.text == "138"

    form.blocks["start_date"].input.focus = True
    ui.frames(1)
    assert keypad.target is form.blocks["start_date"].input
    keys = {b.text: b for b in keypad.children}  # the extra key now reads "-"
    for key in "2026-11-02":
        tap(ui, keys[key])
    assert form.blocks["start_date"].input.text == "2026-11-02"

    form.blocks["employer_name"].input.focus = True
    ui.frames(1)
    assert form.ids.keypad_panel.opacity == 0  # Chinese text comes from the IME, not digits


def test_letters_cannot_be_typed_into_a_phone_number(ui: Any) -> None:
    form = go_to_form(ui)
    box = form.blocks["phone"].input
    ui.frames(1)  # a text box takes typing once it has been laid out
    box.insert_text("139abc1x")
    assert box.text == "1391"


def test_a_failed_card_read_shows_the_reason_and_retry_works(
    ui: Any, port: Any, shots: Path
) -> None:
    port.failed_reads = 1
    tap(ui, ui.root.welcome.tiles[0])
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current == "notice")
    notice = ui.root.steps["notice"]
    assert notice.ids.title.text == "未能读取身份证"
    assert notice.ids.message.text == "读卡失败，请将身份证重新放好"
    assert set(step_buttons(notice)) == {"retry", "cancel"}
    assert step_buttons(notice)["retry"].text == "重试"
    ui.screenshot(shots / "notice.png")

    tap(ui, step_buttons(notice)["retry"])
    ui.until(lambda: ui.root.current == "form")


def test_cancel_while_waiting_for_a_card_ends_the_visit(ui: Any, port: Any, shots: Path) -> None:
    tap(ui, ui.root.welcome.tiles[0])
    tap(ui, step_buttons(ui.root.steps["action"])["cancel"])
    assert ui.root.current == "end"
    assert ui.root.end.ids.title.text == "已取消办理"
    assert ui.root.end.ids.finish.text == "返回首页"
    ui.screenshot(shots / "end-cancelled.png")
    assert port.ended[-1].outcome == "cancelled"
    tap(ui, ui.root.end.ids.finish)
    assert ui.root.current == "welcome"


def test_english_is_one_tap_away_and_resets_for_the_next_person(
    ui: Any, port: Any, shots: Path
) -> None:
    english = next(b for b in ui.root.welcome.language_buttons if b.lang == "en")
    tap(ui, english)
    assert ui.root.welcome.tiles[0].text == "Employment registration"
    ui.screenshot(shots / "welcome-en.png")
    tap(ui, ui.root.welcome.tiles[0])
    action = ui.root.steps["action"]
    assert action.ids.title.text == "Place your ID card"
    assert action.ids.header.ids.step_label.text == "Step 1 of 5"
    tap(ui, action.card_buttons[0])
    ui.until(lambda: ui.root.current == "form")
    ui.screenshot(shots / "form-en.png")
    tap(ui, step_buttons(ui.root.steps["form"])["cancel"])
    tap(ui, ui.root.end.ids.finish)
    assert ui.root.welcome.tiles[0].text == "就业登记"


def test_every_screen_meets_the_size_floors_for_elderly_users(
    ui: Any, port: Any, citizen: Any, clock: Any
) -> None:
    seen = {}

    def check() -> None:
        ui.frames(1)
        seen[ui.root.current] = check_elderly_sizes(ui.root.current_screen)

    check()
    port.failed_reads = 1
    tap(ui, ui.root.welcome.tiles[0])
    check()
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current == "notice")
    check()
    tap(ui, step_buttons(ui.root.steps["notice"])["retry"])
    ui.until(lambda: ui.root.current == "form")
    check()
    fill_form(ui, citizen.form)
    tap(ui, step_buttons(ui.root.steps["form"])["submit"])
    check()
    tap(ui, step_buttons(ui.root.steps["confirm"])["confirm"])
    ui.until(lambda: ui.root.current == "end")
    check()
    assert set(seen) == {"welcome", "action", "notice", "form", "confirm", "end"}
    assert {k: v for k, v in seen.items() if v} == {}
    assert ui.root.welcome.ids.tiles.cols <= theme.MAX_PER_ROW


def test_the_size_check_catches_small_buttons_and_text(ui: Any) -> None:
    from kivy.uix.boxlayout import BoxLayout

    from kiosk.ui.widgets import BigButton, TextLabel

    box = BoxLayout()
    # Set after construction: the class rules follow theme.style and win over keywords.
    button, label = BigButton(text="OK"), TextLabel(text="small print")
    button.height, label.font_size = 60, 20
    box.add_widget(button)
    box.add_widget(label)
    assert len(check_elderly_sizes(box)) == 2


def test_many_services_wrap_at_four_tiles_a_row_inside_the_screen(
    make_port: Any, clock: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    with HeadlessUI(make_port(services=6), clock=clock) as ui:
        ui.frames(2)
        tiles = ui.root.welcome.tiles
        assert len(tiles) == 6
        assert ui.root.welcome.ids.tiles.cols == 4
        hint = ui.root.welcome.ids.hint
        for tile in tiles:
            assert tile.x >= 0
            assert tile.right <= 1280
            assert tile.y >= hint.top  # above the hint line, all on screen
            assert tile.height >= theme.TOUCH_MIN
        assert ui.root.welcome.ids.header_clock.text  # the clock moved to the header
        ui.screenshot(shots / "welcome-six-services.png")


def test_render_screen_png_writes_the_named_screen(
    make_port: Any, citizen: Any, tmp_path: Path
) -> None:
    from PIL import Image

    from devkit.screenshot import render_screen_png

    path = render_screen_png(
        make_port(), "confirm", tmp_path / "confirm.png", form_values=citizen.form
    )
    assert path == tmp_path / "confirm.png"
    assert Image.open(path).size == (1280, 800)


def test_the_menu_clock_shows_station_time_not_utc(ui: Any) -> None:
    """The fake wall clock says 02:00 UTC, which is 10:00 at a Beijing-time station: the
    menu shows what the receipt will print, whatever time zone the process runs in."""
    welcome = ui.root.welcome
    welcome.refresh()
    assert welcome.ids.clock.text == "10:00"
    assert welcome.ids.date.text == "2026年11月26日 星期四"


@pytest.mark.parametrize(
    ("action", "warning"),
    [
        ("read_id_card", "5"),  # waiting for the citizen's card: a nudge
        ("print_receipt", ""),  # the kiosk is printing: its wait, not the citizen's
        ("submit", ""),
        ("fetch_jobs", ""),
    ],
)
def test_the_idle_warning_never_shows_while_the_kiosk_itself_is_working(
    ui: Any, action: str, warning: str
) -> None:
    from types import SimpleNamespace

    from flows import StepKind

    run = SimpleNamespace(
        step=SimpleNamespace(kind=StepKind.ACTION, action=action),
        seconds_left=lambda: 5.0,
        lang="zh-CN",
    )
    ui.session.count_down(run)
    assert ui.root.idle.ids.seconds.text == warning
    assert ui.root.idle.shown is bool(warning)


def test_the_menu_follows_the_services_on_offer_within_a_tick(make_port: Any, clock: Any) -> None:
    # The ID reader was unplugged: the kiosk's own list dropped 就业登记, and the screen
    # must stop offering it (it used to keep the tile and end in "读卡器未连接").
    from devkit.headless import HeadlessUI

    port = make_port(services=3)
    with HeadlessUI(port, clock=clock) as ui:
        welcome = ui.root.welcome
        assert [t.flow_id for t in welcome.tiles] == [
            "employment_registration",
            "service_2",
            "service_3",
        ]
        unplugged = port.flow
        port.flow = port.extra.pop(0)  # the registration is no longer on offer
        ui.session.tick()
        ui.frames(1)
        assert [t.flow_id for t in welcome.tiles] == ["service_2", "service_3"]
        assert unplugged.id not in [t.flow_id for t in welcome.tiles]
        port.extra.insert(0, port.flow)
        port.flow = unplugged  # plugged in again
        ui.session.tick()
        assert [t.flow_id for t in welcome.tiles][0] == "employment_registration"


def test_the_language_switches_on_any_step_in_place_keeping_what_was_typed(
    ui: Any, port: Any, citizen: Any, shots: Path
) -> None:
    form = go_to_form(ui)
    form.blocks["phone"].input.text = citizen.phone  # typed, not submitted yet
    language = form.ids.header.ids.language
    assert language.text == "English"
    tap(ui, language)
    run = ui.session.run
    assert run.lang == "en"
    assert ui.root.current == "form"  # the same step, not the menu
    assert form.ids.header.ids.flow_title.text == "Employment registration"
    assert form.blocks["phone"].label.text == "Mobile number"
    assert form.blocks["phone"].value == citizen.phone
    assert language.text == "中文"
    ui.screenshot(shots / "form-en.png")
    tap(ui, language)
    assert run.lang == "zh-CN"
    assert form.blocks["phone"].label.text == "手机号码"
    assert form.blocks["phone"].value == citizen.phone
    # and the next visit starts in the language last chosen
    assert ui.session.lang == "zh-CN"
