"""Elder mode's form before a confirm step: no check screen said twice.

The confirm step lists every answer, so the form's last open question goes on to it by
itself (shown taken first), each answer there has its 修改 back to that question alone, and a
mobile number moves on once its 11 digits are a valid number. Normal mode is as before.
The answers there are elder mode's main text: at the elder body size, 60 dp targets beside.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.ui.layout_check import layout_problems
from kiosk.ui.screens.form_pager import REVIEW
from tests.kiosk.ui.conftest import load_ui_flow
from tests.kiosk.ui.helpers import check_elderly_sizes, open_form, step_buttons, tap, wait

pytestmark = pytest.mark.kivy


@pytest.fixture
def ui(make_port: Any, clock: Any) -> Iterator[Any]:
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow("elder_confirm"))
    with HeadlessUI(port, clock=clock) as headless:
        yield headless


def type_keys(ui: Any, form: Any, text: str) -> None:
    keys = {k.event: k for k in form.ids.keypad.children if getattr(k, "event", "")}
    for char in text:
        tap(ui, keys[char])


def choice(form: Any, name: str, value: str) -> Any:
    return next(b for b in form.blocks[name].choices if b.value == value)


def to_confirm(ui: Any, form: Any, citizen: Any) -> Any:
    type_keys(ui, form, citizen.phone)
    wait(ui, lambda: form.pager.field_index == 1)
    tap(ui, choice(form, "education", "junior"))
    wait(ui, lambda: ui.root.current == "confirm")
    ui.frames(3)
    return ui.root.steps["confirm"]


def test_the_last_open_question_goes_on_to_the_confirm_step_by_itself(
    ui: Any, citizen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.ui.screens import form_pager

    monkeypatch.setattr(form_pager, "ACK_SECONDS", 3.0)  # longer than a tap on a busy CI
    form = open_form(ui, citizen, "elder_confirm", elder=True)
    assert form.pager.asked == [0, 1]  # phone, education
    assert form.pager.reviewed == [2, 3]  # the default's hours, the optional note
    assert form.pager.pages == [0, 1]  # no check screen: the confirm step shows those
    type_keys(ui, form, citizen.phone)
    wait(ui, lambda: form.pager.field_index == 1)
    assert "submit" in step_buttons(form)  # the last question, its submit there too
    tap(ui, choice(form, "education", "junior"))
    # Shown taken before it goes: nothing moves before the citizen can see it.
    assert choice(form, "education", "junior").state == "down"
    assert form.pager.moving_on
    assert ui.root.current == "form"
    wait(ui, lambda: ui.root.current == "confirm")
    confirm = ui.root.steps["confirm"]
    ui.frames(3)
    rows = dict(confirm.rows())
    assert rows["手机号码"] == citizen.phone
    assert rows["文化程度"] == "初中及以下"
    assert rows["工作时间"] == "全职"  # what the default answered, shown to check here
    assert (
        {"phone", "education", "hours", "note"}
        >= set(confirm.change_buttons)
        >= {
            "phone",
            "education",
            "hours",
        }
    )
    assert layout_problems(confirm) == []
    assert check_elderly_sizes(confirm) == []


def test_change_on_the_confirm_step_asks_that_question_alone_and_comes_back(
    ui: Any, citizen: Any
) -> None:
    form = open_form(ui, citizen, "elder_confirm", elder=True)
    confirm = to_confirm(ui, form, citizen)
    change = confirm.change_buttons["hours"]
    confirm.ids.scroll.scroll_to(change, animate=False)  # below the first rows: swiped to
    ui.frames(3)
    tap(ui, change)
    ui.frames(3)
    assert ui.root.current == "form"
    assert list(form.blocks)[form.pager.field_index] == "hours"
    assert form.pager.changing
    assert form.ids.fields.children == [form.blocks["hours"]]
    assert set(step_buttons(form)) == {"submit", "cancel"}  # submit goes back to confirm
    tap(ui, choice(form, "hours", "part"))
    wait(ui, lambda: ui.root.current == "confirm")
    ui.frames(3)
    assert dict(confirm.rows())["工作时间"] == "兼职"
    assert ui.session.run.session.values["education"] == "junior"  # the rest kept


def test_back_from_the_confirm_step_shows_every_answer_on_the_check_screen(
    ui: Any, citizen: Any
) -> None:
    form = open_form(ui, citizen, "elder_confirm", elder=True)
    confirm = to_confirm(ui, form, citizen)
    tap(ui, step_buttons(confirm)["back"])
    ui.frames(3)
    assert ui.root.current == "form"
    assert form.pager.field_index == REVIEW  # all answered: one screen shows them, each with 修改
    assert set(form.pager.change_buttons) == {"phone", "education", "hours", "note"}


def test_an_answer_that_routes_the_form_elsewhere_first_brings_the_check_screen_back(
    ui: Any, citizen: Any
) -> None:
    form = open_form(ui, citizen, "elder_confirm", elder=True)
    assert form.pager.to_confirm
    type_keys(ui, form, citizen.phone)
    wait(ui, lambda: form.pager.field_index == 1)
    college = choice(form, "education", "college")
    form.ids.scroll.scroll_to(college, animate=False)  # the third choice: swiped to
    ui.frames(3)
    tap(ui, college)  # goes on to the degree form first
    wait(ui, lambda: form.pager.field_index == REVIEW)
    assert ui.root.current == "form"
    assert not form.pager.to_confirm
    assert set(form.pager.change_buttons) == {"hours", "note"}
    assert "submit" in step_buttons(form)


def test_a_mobile_number_moves_on_only_once_it_is_a_valid_one(
    ui: Any, citizen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.ui.screens import form_pager

    monkeypatch.setattr(form_pager, "ACK_SECONDS", 3.0)
    form = open_form(ui, citizen, "elder_confirm", elder=True)
    type_keys(ui, form, "12345678901")  # 11 digits, but no mainland mobile starts 12
    ui.frames(5)
    assert not form.pager.moving_on
    assert form.pager.field_index == 0
    form.blocks["phone"].input.text = ""
    type_keys(ui, form, citizen.phone[:-1])
    assert not form.pager.moving_on  # ten digits: not yet
    type_keys(ui, form, citizen.phone[-1])
    assert form.pager.moving_on
    assert form.pager.field_index == 0  # shown complete first
    wait(ui, lambda: form.pager.field_index == 1)
    assert form.blocks["phone"].value == citizen.phone


def test_in_normal_mode_the_confirm_step_has_no_change_buttons(ui: Any, citizen: Any) -> None:
    form = open_form(ui, citizen, "elder_confirm", elder=False)
    type_keys(ui, form, citizen.phone)
    ui.frames(5)
    assert not form.pager.moving_on
    assert ui.root.current == "form"
    tap(ui, choice(form, "education", "junior"))
    ui.frames(5)
    assert ui.root.current == "form"  # nothing goes on by itself in normal mode
    tap(ui, step_buttons(form)["submit"])
    wait(ui, lambda: ui.root.current == "confirm")
    assert ui.root.steps["confirm"].change_buttons == {}


LONG_NOTES = {
    # Longer than a line at 45 px beside a 修改: wrapped, and only between words.
    "zh-CN": "希望在城关镇社区服务中心附近找到灵活就业的工作岗位，每天工作时间不超过六小时",
    "en": "Near the bus station please, mornings only, no heavy lifting",
}


def answer_rows(confirm: Any) -> list[Any]:
    from kiosk.ui.widgets import LabelledRow

    return [w for w in confirm.ids.rows.walk(restrict=True) if isinstance(w, LabelledRow)]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_answers_are_the_elder_body_size_beside_60_dp_change_targets(
    ui: Any, citizen: Any, lang: str
) -> None:
    # The answers stayed at the normal rows' 32-34 px in elder mode: under the 45 px of the
    # elder menu's names, on the screen where an elder checks everything they said.
    from kiosk.ui import theme
    from kiosk.ui.screens.welcome import ELDER_NAME_MIN
    from kiosk.ui.widgets import BigButton

    ui.session.set_lang(lang)
    form = open_form(ui, citizen, "elder_confirm", elder=True)
    form.blocks["note"].input.text = LONG_NOTES[lang]
    confirm = to_confirm(ui, form, citizen)
    assert theme.ELDER_BODY == ELDER_NAME_MIN == 45  # as large as the menu's names
    rows = answer_rows(confirm)
    assert len(rows) == 6  # name, ID number and the four answers
    for row in rows:
        label, value = row.ids.label, row.ids.value
        assert (label.font_size, value.font_size) == (theme.ELDER_BODY, theme.ELDER_BODY)
        # The label over its value: the value has the row's whole width.
        assert value.top <= label.y + 1
        assert value.x == label.x
        assert value.width == row.width
    assert set(confirm.change_buttons) == {"phone", "education", "hours", "note"}
    for name, change in confirm.change_buttons.items():
        assert isinstance(change, BigButton)
        assert min(change.height, change.width) >= theme.TARGET_FLOOR[True], name
        row = change.parent.children[-1]  # the answer beside it
        assert change.x >= row.right  # never over the words it changes
    note = next(r for r in rows if r.value == LONG_NOTES[lang]).ids.value
    assert note.texture_size[1] > 1.8 * note.font_size  # two lines at least: wrapped
    assert layout_problems(confirm) == []  # nothing clipped, no word cut across lines
    assert check_elderly_sizes(confirm) == []
    # Taller than the room: the page scrolls, down to the last 修改.
    scroll = confirm.ids.scroll
    assert scroll.children[0].height > scroll.height
    confirm.ids.scroll.scroll_to(confirm.change_buttons["note"], animate=False)
    ui.frames(3)
    assert scroll.scroll_y < 1
    bottom, top = scroll.to_window(scroll.x, scroll.y)[1], scroll.to_window(0, scroll.top)[1]
    change = confirm.change_buttons["note"]
    assert bottom <= change.to_window(0, change.y)[1] < change.to_window(0, change.top)[1] <= top


def test_normal_modes_answers_keep_their_size_and_switch_in_place_with_the_mode(
    ui: Any, citizen: Any
) -> None:
    from kiosk.ui import theme

    def sizes() -> set[tuple[float, float, bool]]:
        rows = answer_rows(ui.root.steps["confirm"])
        assert len(rows) == 6
        return {(r.ids.label.font_size, r.ids.value.font_size, r.stacked) for r in rows}

    form = open_form(ui, citizen, "elder_confirm", elder=False)
    type_keys(ui, form, citizen.phone)
    tap(ui, choice(form, "education", "junior"))
    tap(ui, step_buttons(form)["submit"])
    wait(ui, lambda: ui.root.current == "confirm")
    ui.frames(3)
    assert sizes() == {(32, 34, False)}
    for row in answer_rows(ui.root.steps["confirm"]):
        assert row.ids.value.x > row.ids.label.right  # side by side
    ui.session.set_elder(True)  # the header's 长辈模式, tapped on this screen
    ui.frames(3)
    assert sizes() == {(theme.ELDER_BODY, theme.ELDER_BODY, True)}
    ui.session.set_elder(False)
    ui.frames(3)
    assert sizes() == {(32, 34, False)}
