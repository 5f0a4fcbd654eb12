"""The newer field kinds on the form screen: a date range, a region code, a minimum length.

The engine checks the values (flows/fields.py); these tests check what the citizen sees:
two date boxes on the keypad, the region's name as the code is typed, errors in red.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.ui import theme
from tests.kiosk.ui.helpers import check_elderly_sizes, identify_by_typing, step_buttons, tap

pytestmark = pytest.mark.kivy

GOOD = {
    "phone": "13912345678",
    "unemployed_period": ("2026/6/1", "2026-11-20"),
    "household_region": "331122",
}


def go_to_details(ui: Any, citizen: Any) -> Any:
    """Past the chooser by typing the ID number: the form of the flow's own fields."""
    identify_by_typing(ui, citizen)
    ui.frames(2)
    assert ui.root.current == "form"
    return ui.root.steps["form"]


def enter(form: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        boxes = form.blocks[name].inputs
        for box, text in zip(boxes, value if isinstance(value, tuple) else (value,), strict=True):
            box.text = text


def submit(ui: Any, form: Any) -> None:
    tap(ui, step_buttons(form)["submit"])


def error_for(ui: Any, form: Any, name: str, value: Any) -> str:
    """Submit good values but `value` for field `name`: the error shown under it, alone."""
    enter(form, {**GOOD, name: value})
    submit(ui, form)
    assert ui.session.run.step.name == "details"
    others = [b.error.text for n, b in form.blocks.items() if n != name]
    assert others == [""] * len(others)
    return str(form.blocks[name].error.text)


def test_a_date_range_is_two_date_boxes_typed_on_the_keypad(
    identity_ui: Any, citizen: Any, shots: Path
) -> None:
    ui = identity_ui
    form = go_to_details(ui, citizen)
    block = form.blocks["unemployed_period"]
    start, end = block.inputs
    assert start.hint_text == "年-月-日"
    start.focus = True
    ui.frames(1)
    keypad = form.ids.keypad
    assert keypad.target is start
    assert keypad.extra_key == "-"
    assert form.ids.keypad_field.text == "未就业时间段 · 开始日期"
    keys = {b.text: b for b in keypad.children}
    start.text = "2026-06-"
    for key in "01":
        tap(ui, keys[key])
    end.focus = True
    ui.frames(1)
    assert keypad.target is end
    assert form.ids.keypad_field.text == "未就业时间段 · 结束日期"
    end.text = "2026-11"
    for key in "-20":
        tap(ui, keys[key])
    assert (start.text, end.text) == ("2026-06-01", "2026-11-20")
    assert block.value == "2026-06-01/2026-11-20"
    ui.screenshot(shots / "form-date-range.png")


def test_dates_typed_with_slashes_pass_and_come_back_for_editing(
    identity_ui: Any, citizen: Any
) -> None:
    ui = identity_ui
    form = go_to_details(ui, citizen)
    start, _end = form.blocks["unemployed_period"].inputs
    start.text = ""
    ui.frames(1)
    start.insert_text("2026/6/1x")  # a hardware keyboard: the slash stays, the letter goes
    assert start.text == "2026/6/1"
    enter(form, GOOD)
    submit(ui, form)
    assert ui.session.run.step.name == "confirm"
    shown = [text for row in ui.root.steps["confirm"].rows() for text in row]
    assert "2026-06-01 至 2026-11-20" in shown

    tap(ui, step_buttons(ui.root.steps["confirm"])["back"])
    assert ui.session.run.step.name == "details"
    again = ui.root.steps["form"].blocks["unemployed_period"].inputs
    assert [box.text for box in again] == ["2026-06-01", "2026-11-20"]


# One App for all cases: each start costs half a second, and the form is refilled anyway.
RANGE_ERRORS = [
    (("2026-06-01", ""), "请填写结束日期"),
    (("", "2026-06-01"), "请填写开始日期"),
    (("", ""), "请填写未就业时间段"),
    (("2026-11-20", "2026-06-01"), "结束日期不能早于开始日期"),
    (("2026-01-01", "2026-11-20"), "时间段最长180天"),
    (("2026-06-31", "2026-11-20"), "这一天不存在，请检查月份和日期"),
    (("2026-06-01", "2026-12-01"), "日期不能晚于2026-11-26"),
]
REGION_ERRORS = [
    ("33112", "地区代码应为6位数字"),
    ("990105", "没有这个地区代码，请核对"),
    ("330103", "没有这个地区代码，请核对"),  # 下城区, merged away in 2021
    ("", "请填写户籍所在地区代码"),
]


@pytest.mark.parametrize(
    ("name", "cases"), [("unemployed_period", RANGE_ERRORS), ("household_region", REGION_ERRORS)]
)
def test_a_wrong_value_is_explained_in_red_under_its_boxes(
    identity_ui: Any, citizen: Any, shots: Path, name: str, cases: list[tuple[Any, str]]
) -> None:
    ui = identity_ui
    form = go_to_details(ui, citizen)
    block = form.blocks[name]
    for value, message in cases:
        assert error_for(ui, form, name, value) == message, value
        assert block.status is None or block.status.text == ""  # nothing said to be right
    assert tuple(block.error.color) == theme.ERROR
    assert block.error.top <= min(box.y for box in block.inputs)
    ui.screenshot(shots / f"form-error-{name}.png")


def test_a_region_code_is_typed_on_the_keypad_and_confirmed_as_it_is_typed(
    identity_ui: Any, citizen: Any, shots: Path
) -> None:
    ui = identity_ui
    form = go_to_details(ui, citizen)
    block = form.blocks["household_region"]
    box = block.input
    box.focus = True
    ui.frames(1)
    keypad = form.ids.keypad
    assert keypad.target is box
    assert keypad.extra_key == ""  # digits only
    keys = {b.event: b for b in keypad.children}
    box.text = "3311"
    tap(ui, keys["2"])
    assert block.status.text == ""
    tap(ui, keys["2"])
    assert box.text == "331122"
    assert block.status.text == "浙江省缙云县"  # named by pii, as soon as it is typed
    ui.frames(1)
    assert check_elderly_sizes(form) == []
    ui.screenshot(shots / "form-region.png")


def test_a_code_without_a_name_is_still_confirmed(identity_ui: Any, citizen: Any) -> None:
    ui = identity_ui
    ui.root.steps["form"].region_name = {}.get  # a namer that knows no code
    form = go_to_details(ui, citizen)
    block = form.blocks["household_region"]
    block.input.text = "331122"
    assert block.status.text == "地区代码正确"


def test_the_region_name_is_shown_when_it_is_known(identity_ui: Any, citizen: Any) -> None:
    ui = identity_ui
    names = {"331122": "浙江省丽水市缙云县"}
    ui.root.steps["form"].region_name = names.get
    form = go_to_details(ui, citizen)
    block = form.blocks["household_region"]
    block.input.text = "331122"
    assert block.status.text == "浙江省丽水市缙云县"
    assert tuple(block.status.color) == theme.ACCENT
    block.input.text = "990105"
    assert block.status.text == ""


def test_a_text_with_a_minimum_length_counts_what_is_typed(identity_ui: Any, citizen: Any) -> None:
    ui = identity_ui
    form = go_to_details(ui, citizen)
    block = form.blocks["reason"]
    assert block.status.text == ""
    block.input.text = "合同到期"[:2]
    assert block.status.text == "至少4个字，已输入2个字"
    enter(form, GOOD)
    submit(ui, form)
    assert block.error.text == "离职原因至少4个字"
    block.input.text = "合同到期"
    assert block.status.text == "至少4个字，已输入4个字"
    submit(ui, form)
    assert ui.session.run.step.name == "confirm"


def test_the_new_fields_leave_nothing_behind(identity_ui: Any, citizen: Any) -> None:
    ui = identity_ui
    form = go_to_details(ui, citizen)
    enter(form, {**GOOD, "reason": "合同"})
    blocks = list(form.blocks.values())
    boxes = [box for b in blocks for box in b.inputs]
    tap(ui, step_buttons(form)["cancel"])
    assert ui.root.current == "end"
    assert all(box.text == "" for box in boxes)
    assert all(b.status is None or b.status.text == "" for b in blocks)
    assert form.blocks == {}
