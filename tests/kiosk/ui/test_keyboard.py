"""Text, names, employers and dates entered by touch alone, on the real Kivy window.

Every value here is typed by taps on the kiosk's own keyboard (real libgooglepinyin and
libzinnia underneath), picked from the employer list or from the calendar: the walk of
就业登记 sends no hardware key event at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.ui.helpers import step_buttons, tap
from tests.kiosk.ui.test_identity import go_to_typed
from tests.kiosk.ui.test_screens import go_to_form

pytestmark = pytest.mark.kivy


def keyboard(form: Any) -> Any:
    return form.ids.keyboard


def field(ui: Any, form: Any, name: str) -> Any:
    """Scroll the form to field `name` (as a finger would) and return its block."""
    block = form.blocks[name]
    form.ids.scroll.scroll_to(block, padding=20, animate=False)
    ui.frames(2)
    return block


def tap_letters(ui: Any, kb: Any, letters: str) -> None:
    for letter in letters:
        tap(ui, kb.keys[letter])


def pick(ui: Any, kb: Any, text: str) -> None:
    """Tap the candidate `text`, paging the bar forward until it shows."""
    for _ in range(10):
        found = [b for b in kb.candidate_buttons if b.text == text]
        if found:
            tap(ui, found[0])
            return
        assert not kb.ids.page_down.disabled, f"{text!r} not among the candidates"
        tap(ui, kb.ids.page_down)
    raise AssertionError(text)


def draw(ui: Any, pad: Any, strokes: list[list[tuple[float, float]]]) -> None:
    """Draw strokes with a finger on the pad; points are fractions of the pad, y downwards."""
    from kivy.tests.common import UnitTestTouch

    ui.frames(1)
    for stroke in strokes:
        points = [
            pad.to_window(pad.x + fx * pad.width, pad.top - fy * pad.height) for fx, fy in stroke
        ]
        touch = UnitTestTouch(*points[0])
        touch.touch_down()
        for x, y in points[1:]:
            touch.touch_move(x, y)
        touch.touch_up()
        ui.frames(1)


def no_key_events() -> list[str]:
    """A list that fills with every hardware key event the window receives."""
    from kivy.core.window import Window

    seen: list[str] = []
    Window.bind(
        on_key_down=lambda *a: seen.append(f"down {a[1:3]}"),
        on_textinput=lambda _w, text: seen.append(f"text {text}"),
    )
    return seen


def test_the_employer_is_typed_by_pinyin_taps(ui: Any, port: Any, shots: Path) -> None:
    port.employer_list = []  # offline: no list, free entry
    form = go_to_form(ui)
    box = form.blocks["employer_name"].input
    kb = keyboard(form)
    assert not kb.shown  # the phone comes first: the number keypad, not letters
    tap(ui, field(ui, form, "employer_name").input)
    assert kb.shown
    assert kb.mode == "pinyin"
    assert kb.target is box
    assert kb.height >= 4 * 88
    assert all(key.height >= 88 and key.width >= 88 for key in kb.keys.values())
    tap_letters(ui, kb, "chengguan")
    assert kb.composing.text == "chengguan"
    pick(ui, kb, "城关")
    tap_letters(ui, kb, "zhen")
    pick(ui, kb, "镇")
    tap_letters(ui, kb, "shequfuwuzhongxin")
    assert kb.candidate_buttons[0].text == "社区服务中心"
    ui.screenshot(shots / "keyboard-pinyin.png")
    pick(ui, kb, "社区服务中心")
    assert box.text == "城关镇社区服务中心"
    tap(ui, kb.keys["del"])
    assert box.text == "城关镇社区服务中"


def test_the_phrase_list_puts_shiye_dengji_first_on_screen(ui: Any) -> None:
    form = go_to_form(ui)
    kb = keyboard(form)
    tap(ui, field(ui, form, "employer_name").input)
    tap_letters(ui, kb, "shiyedengji")
    pinyin = [b.text for b in kb.candidate_buttons if b.kind == "pinyin"]
    assert pinyin[0] == "失业登记"


def test_the_employer_is_written_by_hand(ui: Any, port: Any, shots: Path) -> None:
    port.employer_list = []
    form = go_to_form(ui)
    box = form.blocks["employer_name"].input
    kb = keyboard(form)
    tap(ui, field(ui, form, "employer_name").input)
    tap(ui, kb.mode_buttons["handwriting"])
    assert kb.mode == "handwriting"
    assert kb.ids.hand.opacity == 1
    draw(ui, kb.pad, [[(0.1, 0.5), (0.9, 0.5)], [(0.5, 0.1), (0.5, 0.9)]])  # 十
    assert kb.candidate_buttons[0].text == "十"
    ui.screenshot(shots / "keyboard-handwriting.png")
    tap(ui, kb.candidate_buttons[0])
    assert kb.pad.strokes == []  # ready for the next character
    draw(ui, kb.pad, [[(0.1, 0.5), (0.5, 0.5), (0.9, 0.5)]])  # 一
    pick(ui, kb, "一")
    assert box.text == "十一"


def test_an_employer_is_picked_by_its_initials(ui: Any, shots: Path) -> None:
    form = go_to_form(ui)
    box = form.blocks["employer_name"].input
    kb = keyboard(form)
    tap(ui, field(ui, form, "employer_name").input)
    # The list first: nothing typed yet, every employer is offered.
    assert [b.kind for b in kb.candidate_buttons][:1] == ["employer"]
    tap_letters(ui, kb, "szjy")
    assert kb.candidate_buttons[0].text == "顺泽家园物业管理有限公司"
    assert kb.candidate_buttons[0].kind == "employer"
    ui.screenshot(shots / "keyboard-employers.png")
    tap(ui, kb.candidate_buttons[0])
    assert box.text == "顺泽家园物业管理有限公司"
    assert kb.composing.text == ""
    assert not kb.shown  # a name from the list is whole: the form gets its room back


def test_offline_the_employer_field_is_free_entry(ui: Any, port: Any) -> None:
    port.employer_list = []
    form = go_to_form(ui)
    kb = keyboard(form)
    tap(ui, field(ui, form, "employer_name").input)
    assert kb.candidate_buttons == []
    assert kb.ids.note.text == "点选单位，或输入名称、拼音首字母查找"
    tap(ui, kb.mode_buttons["abc"])
    for key in ("shift", "a", "shift", "b", "signs", "1"):
        tap(ui, kb.keys[key])
    assert form.blocks["employer_name"].input.text == "Ab1"


def test_a_name_with_a_middle_dot_is_typed_in_the_typed_id_fallback(
    identity_ui: Any, citizen: Any
) -> None:
    ui = identity_ui
    form = go_to_typed(ui)
    form.blocks["id_number"].input.text = citizen.id_number
    name = form.blocks["name"].input
    kb = keyboard(form)
    tap(ui, name)
    assert kb.shown
    assert kb.target is name
    assert not kb.pick_list
    tap_letters(ui, kb, "ai")
    pick(ui, kb, "艾")
    tap(ui, kb.keys["·"])
    tap_letters(ui, kb, "maimaiti")
    pick(ui, kb, "买")
    pick(ui, kb, "买买提")
    assert name.text == "艾·买买提"
    tap(ui, kb.keys["hide"])
    tap(ui, step_buttons(form)["submit"])
    assert ui.session.run.step.name == "details"


def test_a_date_is_picked_with_two_taps(ui: Any, shots: Path) -> None:
    form = go_to_form(ui)
    block = form.blocks["start_date"]
    field(ui, form, "start_date")
    tap(ui, block.calendar)  # 1
    picker = form.picker
    assert picker is not None
    ui.frames(2)
    # The flow says most jobs start on the first: the picker opens there (today 2026-11-26).
    assert picker.chosen.isoformat() == "2026-11-01"
    assert picker.ids.month.text == "11月"
    ui.screenshot(shots / "date-picker.png")
    tap(ui, picker.day(2))  # 2
    ui.frames(2)
    assert block.input.text == "2026-11-02"
    assert picker.parent is None  # closed


def test_the_steppers_move_the_date_and_days_out_of_range_are_greyed(ui: Any) -> None:
    form = go_to_form(ui)
    block = form.blocks["start_date"]
    block.input.text = "2026/12/20"
    picker = form.open_picker(block)
    ui.frames(2)
    assert picker.chosen.isoformat() == "2026-12-20"  # what was typed
    assert picker.day(27).disabled  # max_days 30 from 2026-11-26
    tap(ui, picker.ids.month_minus)
    tap(ui, picker.ids.day_plus)
    assert picker.chosen.isoformat() == "2026-11-21"
    tap(ui, picker.ids.ok)
    assert block.input.text == "2026-11-21"


def test_kivy_s_own_keyboard_never_shows(ui: Any) -> None:
    from kivy.config import Config
    from kivy.core.window import Window
    from kivy.uix.vkeyboard import VKeyboard

    form = go_to_form(ui)
    tap(ui, field(ui, form, "employer_name").input)
    ui.frames(2)
    assert Config.get("kivy", "keyboard_mode") == "system"
    assert not [w for w in Window.children if isinstance(w, VKeyboard)]
    box = form.blocks["employer_name"].input
    assert (box.use_bubble, box.use_handles) == (False, False)


def test_employment_registration_is_finished_by_touch_alone(
    ui: Any, port: Any, citizen: Any, shots: Path
) -> None:
    keys_seen = no_key_events()
    tap(ui, ui.root.welcome.tiles[0])
    identify_by_card_tray(ui)
    form = ui.root.steps["form"]
    keypad = {b.event: b for b in form.ids.keypad.children}
    for digit in citizen.phone:
        tap(ui, keypad[digit])
    choice = next(b for b in field(ui, form, "employment_type").choices if b.value == "employed")
    tap(ui, choice)
    kb = keyboard(form)
    tap(ui, field(ui, form, "employer_name").input)
    tap_letters(ui, kb, "jyxcg")
    pick(ui, kb, "缙云县城关镇社区服务中心")
    tap(ui, field(ui, form, "start_date").calendar)
    tap(ui, form.picker.day(2))
    assert not kb.shown  # a date field: the keyboard folded away for the keypad
    ui.screenshot(shots / "form-by-touch.png")
    tap(ui, step_buttons(form)["submit"])
    assert ui.root.current == "confirm", [b.error.text for b in form.blocks.values()]
    tap(ui, step_buttons(ui.root.steps["confirm"])["confirm"])
    ui.until(lambda: ui.root.current == "end")
    sent = port.submitted[-1]
    assert (sent["phone"], sent["employer_name"], sent["start_date"]) == (
        citizen.phone,
        "缙云县城关镇社区服务中心",
        "2026-11-02",
    )
    assert keys_seen == []


def identify_by_card_tray(ui: Any) -> None:
    """On the card step: the demo tray's first card."""
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current == "form")


def test_the_keyboard_forgets_the_visit(ui: Any) -> None:
    form = go_to_form(ui)
    kb = keyboard(form)
    tap(ui, field(ui, form, "employer_name").input)
    tap_letters(ui, kb, "shebao")
    assert kb.candidate_buttons
    ui.frames(1)
    assert form.ids.title.height == 0  # folded: the box typed into needs the room
    tap(ui, kb.keys["hide"])  # 收起
    assert not kb.shown
    assert form.ids.title.height > 0
    tap(ui, step_buttons(form)["cancel"])
    assert ui.root.current == "end"
    assert not kb.shown
    assert kb.candidate_buttons == []
    assert kb.composing.text == ""
