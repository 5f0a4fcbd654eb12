"""A bundle (一件事) walked on the real App, its new field kinds, and the rating that follows.

灵活就业一件事 from the catalog: a card, one form for the work (several choices), the subsidy
with a bank account on the keypad and a tick, one confirm screen for three services with the
declarations pledged by its one button, one submission,
the e-receipt, then 好差评 without going back to welcome. Choices and ticks inside the
form's ScrollView are pressed with `trigger_action` (a ScrollView holds a touch back for
250 ms of wall time), except one real touch at the far end of a declaration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.ui import theme
from tests.kiosk.ui.conftest import BANK_ACCOUNT, NO_PRINTER, RECEIPT_URL, load_ui_flow
from tests.kiosk.ui.helpers import (
    check_elderly_sizes,
    fill_form,
    identify_by_card,
    snap,
    step_buttons,
    tap,
    tap_at,
    traces_left,
)

pytestmark = pytest.mark.kivy

WORK = {
    "flexible_work_type": "delivery",
    "employer_name": "美团外卖骑手",
    "start_date": "2026-11-01",
    "phone": "13912345678",
}
GROUPED = "6217 0012 3456 7890 123"
MASKED = "6217 **** 0123"


@pytest.fixture
def bundle_ui(make_port: Any, clock: Any) -> Any:
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow("bundle_flexible_employment"), devices=NO_PRINTER)
    with HeadlessUI(port, clock=clock) as ui:
        yield ui


def form_of(ui: Any, step: str) -> Any:
    assert ui.session.run.step.name == step
    assert ui.root.current == "form"
    return ui.root.steps["form"]


def submit(ui: Any) -> None:
    tap(ui, step_buttons(ui.root.steps["form"])["submit"])


def type_on_keypad(ui: Any, digits: str) -> None:
    keys = {b.event: b for b in ui.root.steps["form"].ids.keypad.children}
    for digit in digits:
        tap(ui, keys[digit])


def to_work_form(ui: Any) -> Any:
    """From welcome, by card, to the one form about the work, the insurance and subsidy."""
    tap(ui, ui.root.welcome.tiles[0])
    identify_by_card(ui)
    return form_of(ui, "work")


def to_subsidy_form(ui: Any) -> Any:
    """Card, the work form with the subsidy claimed: on to the subsidy form."""
    work = to_work_form(ui)
    fill_form(ui, {**WORK, "insurance_types": "pension,medical", "contribution_level": "100",
                   "applies_subsidy": "yes"})  # fmt: skip
    submit(ui)
    assert work is ui.root.steps["form"]
    return form_of(ui, "subsidy")


def test_several_choices_are_ticked_on_tiles(bundle_ui: Any, shots: Path) -> None:
    ui = bundle_ui
    form = to_work_form(ui)
    fill_form(ui, WORK)
    block = form.blocks["insurance_types"]
    assert [t.text for t in block.toggles] == ["职工基本养老保险", "职工基本医疗保险"]
    assert block.value == "pension,medical"  # preselected: what flexible workers join
    for toggle in block.toggles:  # unticked both: nothing chosen
        toggle.trigger_action(0)
    submit(ui)
    assert block.error.text == "请选择参保险种（可多选）"
    block.toggles[1].trigger_action(0)
    assert block.value == "medical"
    block.toggles[0].trigger_action(0)
    assert block.value == "pension,medical"  # in the listed order, whatever the tap order
    assert all(t.height >= theme.TOUCH_MIN for t in block.toggles)
    fill_form(ui, {"contribution_level": "100"})
    form.ids.scroll.scroll_to(block, animate=False)  # into view for the picture
    ui.frames(1)
    assert check_elderly_sizes(form) == []
    snap(ui, shots, "form-multi-choice.png")


def test_a_flexible_work_bundle_end_to_end_then_the_rating(
    bundle_ui: Any, citizen: Any, clock: Any, shots: Path
) -> None:
    ui = bundle_ui
    port = ui.port
    form = to_subsidy_form(ui)
    assert not form.keypad_used  # choices only: the whole width

    # Another bank than the social security card's: its account, typed on the keypad and
    # shown back in groups of four.
    fill_form(ui, {"applicant_type": "difficulty_flexible", "bank": "icbc"})
    submit(ui)
    form = form_of(ui, "subsidy_account")
    block = form.blocks["bank_account"]
    block.input.focus = True
    ui.frames(1)
    assert form.ids.keypad.target is block.input
    assert form.ids.keypad.extra_key == ""
    type_on_keypad(ui, BANK_ACCOUNT[:6])
    assert block.input.text == "6217 00"
    block.input.text += BANK_ACCOUNT[6:] + "999"  # a 22nd digit is not taken
    assert block.input.text == GROUPED
    assert block.status.text == "已输入19位数字"
    assert block.value == BANK_ACCOUNT
    assert check_elderly_sizes(form) == []
    snap(ui, shots, "form-bank-account.png")

    # A tick on a form: the whole sentence is the target, a short red line says what to do.
    submit(ui)
    (tick,) = [form.blocks["own_account"]]
    assert tick.error.text == "请阅读后勾选此项"
    assert tick.toggles[0].text.startswith("收款账户为本人账户")
    assert tick.label.parent is None  # the sentence is said once, on its box
    snap(ui, shots, "form-declarations.png")
    box = tick.toggles[0]
    tap_at(ui, box, box.right - 12, box.y + 12)  # far from the box
    ui.until(lambda: box.state == "down")
    snap(ui, shots, "form-declarations-ticked.png")
    submit(ui)

    # One confirm screen for the three services; the account only masked; the
    # declarations under the summary, pledged by the one button that names them.
    confirm = ui.root.steps["confirm"]
    assert ui.root.current == "confirm"
    assert confirm.declarations()[1:] == [
        "· 本人未与用人单位建立劳动关系",
        "· 本人承诺所填信息真实、准确、完整，如有虚假愿承担相应责任",
    ]
    assert step_buttons(confirm)["confirm"].text == "承诺属实，确认提交"
    assert not {"no_labour_contract", "pledge"} & ui.session.run.session.values.keys()
    rows = dict(confirm.rows())
    assert rows["一并办理的事项"] == (
        "就业登记（灵活就业）、灵活就业人员参保登记、灵活就业社会保险补贴申领"
    )
    assert rows["收款账号"] == MASKED
    assert traces_left(ui, [BANK_ACCOUNT, GROUPED]) == []
    snap(ui, shots, "confirm-bundle.png")

    # Back to edit: the account is not shown again in clear; kept unless retyped.
    tap(ui, step_buttons(confirm)["back"])
    for step in ("work", "subsidy"):
        form_of(ui, step)
        submit(ui)
    form = form_of(ui, "subsidy_account")
    block = form.blocks["bank_account"]
    assert block.input.text == ""
    assert block.input.hint_text == MASKED  # grey, where a new number would go
    assert block.status.text.startswith("已填写。无需修改可直接提交")
    assert traces_left(ui, [BANK_ACCOUNT, GROUPED]) == []
    form.ids.scroll.scroll_to(block, animate=False)  # into view for the picture
    ui.frames(2)
    snap(ui, shots, "form-bank-account-kept.png")
    submit(ui)  # the tick comes back ticked
    tap(ui, step_buttons(ui.root.steps["confirm"])["confirm"])
    ui.until(lambda: ui.root.current == "end")

    (sent,) = port.submissions
    assert [i.service for i in sent.items] == [
        "employment_registration",
        "flexible_insurance_enrolment",
        "social_insurance_subsidy",
    ]
    assert sent.fields["bank_account"] == BANK_ACCOUNT
    assert (sent.fields["no_labour_contract"], sent.fields["pledge"]) == ("yes", "yes")
    end = ui.root.end
    assert end.ids.number.text == citizen.transaction
    assert end.ids.qr.payload == RECEIPT_URL
    assert end.ids.finish.text == "评价本次服务"
    assert end.ids.countdown.text == "10秒后进入服务评价"
    snap(ui, shots, "end-then-rating.png")

    # 好差评: five stars, the reasons on one or two.
    tap(ui, end.ids.finish)
    rating = form_of(ui, "rate")
    assert rating.ids.context.text == f"评价事项：灵活就业一件事　办件编号：{citizen.transaction}"
    stars = rating.blocks["stars"].choices
    assert [(s.value, s.words) for s in stars] == [
        ("1", "非常不满意"),
        ("2", "不满意"),
        ("3", "基本满意"),
        ("4", "满意"),
        ("5", "非常满意"),
    ]
    assert not rating.keypad_used
    assert all(s.height >= theme.TOUCH_MIN and s.width >= 200 for s in stars)
    assert check_elderly_sizes(rating) == []
    snap(ui, shots, "rating.png")
    submit(ui)
    assert rating.blocks["stars"].error.text == "请选择满意程度"
    snap(ui, shots, "rating-not-chosen.png")
    stars[1].trigger_action(0)
    ui.frames(1)
    assert [s.lit for s in stars] == [True, True, False, False, False]
    assert rating.blocks["stars"].error.text == ""  # answered by choosing
    snap(ui, shots, "rating-two-stars.png")
    submit(ui)

    reasons = form_of(ui, "reasons")
    assert len(reasons.blocks["reasons"].toggles) == 8
    fill_form(ui, {"reasons": "device_fault,too_long"})
    snap(ui, shots, "rating-reasons.png")
    submit(ui)
    ui.until(lambda: ui.root.current == "end")
    assert end.ids.title.text == "感谢您的评价"
    assert end.ids.number.text == ""  # shown once already, at the end of the transaction
    assert end.ids.finish.text == "完成"
    snap(ui, shots, "rating-thanks.png")
    assert port.ratings == [
        {
            "stars": "2",
            "reasons": "device_fault,too_long",
            "comment": "",
            "transaction_number": citizen.transaction,
            "service": "bundle_flexible_employment",
        }
    ]

    clock.advance(10)
    ui.session.tick()
    ui.frames(2)
    assert ui.root.current == "welcome"
    assert [r.flow.id for r in port.ended] == ["bundle_flexible_employment", "rating"]
    assert all(r.session.wiped for r in port.ended)
    gone = [*citizen.traces(), BANK_ACCOUNT, GROUPED, MASKED, WORK["employer_name"]]
    # The rated service's line ("评价事项：… 办件编号：…"); the catalog's own prompts,
    # kept on a hidden step screen, may say "办件编号" and show no number.
    gone += [citizen.transaction, RECEIPT_URL, "非常不满意", "评价事项", "办件编号："]
    assert traces_left(ui, gone) == []
    assert ui.root.steps["form"].blocks == {}


def test_the_rating_starts_by_itself_and_four_or_five_stars_are_sent_at_once(
    make_port: Any, clock: Any, citizen: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(demo=False)  # no demo tray: the card is on the reader at once
    with HeadlessUI(port, clock=clock, lang="en") as ui:
        ui.session.start("employment_registration")
        ui.until(lambda: ui.root.current == "form")
        assert ui.session.submit(citizen.form) == {}
        ui.session.fire("confirm")
        ui.until(lambda: ui.root.current == "end")
        assert ui.root.end.ids.finish.text == "Rate this service"
        assert ui.root.end.ids.countdown.text == "Rating in 10 s"
        clock.advance(10)
        ui.session.tick()  # nobody touched the end screen: the rating comes by itself
        rating = form_of(ui, "rate")
        assert rating.ids.context.text == f"Employment registration, number {citizen.transaction}"
        rating.blocks["stars"].choices[4].trigger_action(0)
        ui.frames(1)
        assert check_elderly_sizes(rating) == []  # English words wrap inside their tiles
        snap(ui, shots, "rating-en.png")
        submit(ui)
        ui.until(lambda: ui.root.current == "end")
        assert ui.root.end.ids.title.text == "Thank you for your rating"
        assert port.ratings[0]["stars"] == "5"
        assert "reasons" not in port.ratings[0]  # no reasons asked above two stars
