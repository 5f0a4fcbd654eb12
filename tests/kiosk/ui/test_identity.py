"""The identity chooser and every way through it, on the real App (flows/identity.py steps).

The chooser is the notice the shared identity step becomes; it shows one tile per method
the run offers (a method whose device is missing gets none). Card methods are action steps
(the demo trays feed them), typing is a form with the keypad for the ID number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.ui import theme
from kiosk.ui.layout_check import layout_problems
from tests.kiosk.ui.helpers import check_elderly_sizes, step_buttons, tap, visible_texts

pytestmark = pytest.mark.kivy

WRONG_CHECK = "110105194912310021"  # the right check character is X


def tiles(ui: Any) -> dict[str, Any]:
    return {t.method: t for t in ui.root.steps["identify"].tiles}


def start(ui: Any) -> Any:
    tap(ui, ui.root.welcome.tiles[0])
    assert ui.root.current == "identify"
    return ui.root.steps["identify"]


def choose(ui: Any, method: str) -> Any:
    """Tap the method's tile on the chooser: the action screen that reads the card or code."""
    start(ui)
    tap(ui, tiles(ui)[method])
    assert ui.root.current == "action"
    return ui.root.steps["action"]


def method_of(ui: Any) -> str:
    run = ui.session.run
    assert run is not None
    assert run.session.identity is not None
    return str(run.session.identity.method)


def test_the_chooser_has_one_big_tile_per_method_cards_first(identity_ui: Any, shots: Path) -> None:
    ui = identity_ui
    screen = start(ui)
    ui.frames(2)
    assert list(tiles(ui)) == ["id_card", "social_card", "e_social_card", "typed"]
    assert [(t.label, t.hint) for t in screen.tiles] == [
        ("刷身份证", "请将身份证放在读卡区"),
        ("插社保卡", "请将社保卡插入读卡口"),
        ("扫电子社保卡二维码", "在手机上打开电子社保卡，对准摄像头"),
        ("手工输入身份证号码", "没有带证件时再选这一项"),
    ]
    assert [t.primary for t in screen.tiles] == [True, True, True, False]  # typing is plainer
    assert screen.ids.title.text == "请选择身份核验方式"
    # Card first: a card laid on a reader picks its way; the tiles name the others.
    assert screen.ids.prompt.text == "请直接放置身份证或插入社保卡，或选择其他方式"
    assert set(step_buttons(screen)) == {"cancel"}
    assert screen.ids.header.ids.step_label.text == "第1步 / 共5步"
    for tile in screen.tiles:  # all on screen, between the header and the button bar
        assert tile.x >= 0
        assert tile.right <= 1280
        assert tile.y >= screen.ids.buttons.top
        assert tile.top <= screen.ids.header.y
    assert check_elderly_sizes(screen) == []
    ui.screenshot(shots / "identify.png")


def test_a_method_whose_device_is_missing_gets_no_tile(
    make_port: Any, identity_flow: Any, clock: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=identity_flow, devices={"id_card_reader"})
    with HeadlessUI(port, clock=clock) as ui:
        screen = start(ui)
        assert list(tiles(ui)) == ["id_card", "typed"]
        # No printer either: the printing step is not counted.
        assert screen.ids.header.ids.step_label.text == "第1步 / 共4步"
        ui.screenshot(shots / "identify-two-methods.png")


def test_a_kiosk_that_cannot_watch_its_readers_asks_for_a_tap(
    identity_port: Any, clock: Any
) -> None:
    from devkit.headless import HeadlessUI

    identity_port.card_laid = None  # a port without card first
    with HeadlessUI(identity_port, clock=clock) as ui:
        screen = start(ui)
        assert screen.ids.prompt.text == "请点击您要使用的方式"  # the tiles name the methods


def test_a_card_laid_on_the_chooser_is_read_without_a_tap_on_its_tile(
    identity_ui: Any, identity_port: Any
) -> None:
    ui = identity_ui
    start(ui)
    identity_port.tapper.present(identity_port.tapper.names[0])
    ui.until(lambda: ui.root.current == "form")
    assert method_of(ui) == "id_card"
    run = ui.session.run
    assert run.history[:3] == ["identify", "identify.id_card", run.step.name]  # read once
    assert identity_port.laid == []


def test_a_social_card_inserted_on_the_chooser_picks_the_social_card(
    identity_ui: Any, identity_port: Any
) -> None:
    ui = identity_ui
    start(ui)
    identity_port.social_tapper.present(identity_port.social_tapper.names[0])
    ui.until(lambda: ui.root.current == "form")
    assert method_of(ui) == "social_card"
    assert identity_port.tapper.presented == []


def test_a_card_and_a_tap_on_its_tile_together_start_one_read(
    identity_ui: Any, identity_port: Any
) -> None:
    ui = identity_ui
    start(ui)
    tile = tiles(ui)["id_card"]
    identity_port.tapper.present(identity_port.tapper.names[0])
    ui.session.take_card()  # the card is taken first, then the finger lands
    tap(ui, tile)
    ui.until(lambda: ui.root.current == "form")
    assert ui.session.run.history[:2] == ["identify", "identify.id_card"]
    assert method_of(ui) == "id_card"


def test_the_chooser_says_to_lay_the_card_in_english_and_in_elder_mode(
    identity_ui: Any, identity_port: Any
) -> None:
    ui = identity_ui
    screen = start(ui)
    ui.session.set_lang("en")
    assert screen.ids.prompt.text == "Lay or insert your card, or tap another way"
    ui.session.set_lang("zh-CN")
    ui.session.set_elder(True)
    ui.frames(3)
    screen = ui.root.steps["identify"]
    # Elder mode hides the prompt for the tiles' room: the instruction is the title.
    assert screen.ids.title.text == "请直接放置身份证或插入社保卡，或选择其他方式"
    ui.session.set_lang("en")
    ui.frames(3)
    assert screen.ids.title.text == "Lay or insert your card, or tap another way"
    for tile in screen.tiles:  # the sentence takes no tile off the screen
        assert tile.y >= screen.ids.buttons.top
        assert tile.top <= screen.ids.title.y
    assert check_elderly_sizes(screen) == []
    identity_port.tapper.present(identity_port.tapper.names[0])
    ui.until(lambda: ui.root.current == "form")
    assert method_of(ui) == "id_card"


def test_a_card_laid_while_a_form_shows_keeps_the_form_and_is_not_taken(
    identity_ui: Any, identity_port: Any, clock: Any
) -> None:
    """The card-inserted-mid-form case: the form stays with its answers, no method fires."""
    ui = identity_ui
    start(ui)
    identity_port.tapper.present(identity_port.tapper.names[0])
    ui.until(lambda: ui.root.current == "form")
    run = ui.session.run
    form = ui.root.steps["form"]
    name = next(iter(form.blocks))
    form.blocks[name].input.text = "13800138000"
    step = run.step.name
    identity_port.social_tapper.present(identity_port.social_tapper.names[0])
    clock.advance(1)
    ui.session.tick()
    ui.session.take_card()
    ui.frames(3)
    assert ui.root.current == "form"
    assert ui.session.run is run
    assert run.step.name == step
    assert form.blocks[name].input.text == "13800138000"
    assert identity_port.laid == []  # not kept for a chooser either


def test_the_chooser_spoken_says_to_lay_the_card_first(identity_ui: Any) -> None:
    from kiosk.ui.voice import step_words

    ui = identity_ui
    start(ui)
    spoken = [said.words for said in step_words(ui.session.run)]
    assert spoken[1].startswith("请直接放置身份证或插入社保卡，或选择其他方式")


def test_only_the_card_methods_offered_are_named(
    make_port: Any, identity_flow: Any, clock: Any
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=identity_flow, devices={"id_card_reader"})
    with HeadlessUI(port, clock=clock) as ui:
        screen = start(ui)
        assert screen.ids.prompt.text == "请直接放置身份证，或选择其他方式"


def test_the_id_card_tile_waits_for_a_card_from_the_demo_tray(
    identity_ui: Any, identity_port: Any, shots: Path
) -> None:
    ui = identity_ui
    action = choose(ui, "id_card")
    assert ui.session.run.step.name == "identify.id_card"
    assert action.ids.title.text == "请放置身份证"
    assert action.ids.demo.opacity == 1
    assert action.ids.demo_title.text == "演示模式：模拟刷身份证"
    assert action.ids.header.ids.step_label.text == "第1步 / 共5步"
    tap(ui, action.card_buttons[0])
    ui.until(lambda: ui.root.current == "form")
    assert identity_port.tapper.presented == [identity_port.tapper.names[0]]
    assert method_of(ui) == "id_card"
    assert ui.root.steps["form"].ids.header.ids.step_label.text == "第2步 / 共5步"


def test_the_social_card_tile_waits_for_a_card_in_the_slot(
    identity_ui: Any, identity_port: Any, shots: Path
) -> None:
    ui = identity_ui
    action = choose(ui, "social_card")
    assert action.ids.title.text == "请插入社保卡"
    assert action.ids.demo_title.text == "演示模式：模拟插入社保卡"
    ui.screenshot(shots / "action-social-card.png")
    tap(ui, action.card_buttons[0])
    ui.until(lambda: ui.root.current == "form")
    assert identity_port.social_tapper.presented
    assert identity_port.tapper.presented == []
    assert method_of(ui) == "social_card"


def test_the_e_social_card_tile_waits_for_the_qr_code(
    identity_ui: Any, identity_port: Any, shots: Path
) -> None:
    ui = identity_ui
    action = choose(ui, "e_social_card")
    assert action.ids.title.text == "请出示电子社保卡二维码"
    assert action.ids.demo.opacity == 0  # no demo tray for the camera
    ui.screenshot(shots / "action-e-social-card.png")
    identity_port.e_social_qr.set()
    ui.until(lambda: ui.root.current == "form")
    assert method_of(ui) == "e_social_card"


def test_a_failed_card_read_offers_another_way_back_to_the_chooser(
    identity_ui: Any, identity_port: Any, shots: Path
) -> None:
    ui = identity_ui
    identity_port.failed_reads = 1
    tap(ui, choose(ui, "id_card").card_buttons[0])
    ui.until(lambda: ui.root.current == "notice")
    notice = ui.root.steps["notice"]
    assert notice.ids.title.text == "未能读取身份证"
    assert set(step_buttons(notice)) == {"retry", "other_method", "cancel"}
    assert step_buttons(notice)["other_method"].text == "换一种方式"
    assert notice.ids.header.ids.step_label.text == "第1步 / 共5步"
    ui.screenshot(shots / "notice-identify-failed.png")
    tap(ui, step_buttons(notice)["other_method"])
    assert ui.root.current == "identify"
    assert len(tiles(ui)) == 4


def go_to_typed(ui: Any) -> Any:
    start(ui)
    tap(ui, tiles(ui)["typed"])
    assert ui.root.current == "form"
    form = ui.root.steps["form"]
    assert ui.session.run.step.name == "identify.typed"
    return form


def type_on_keypad(ui: Any, form: Any, text: str) -> None:
    keys = {b.event: b for b in form.ids.keypad.children}
    for char in text:
        tap(ui, keys[char])


def test_typing_a_valid_id_number_and_name_identifies_the_citizen(
    identity_ui: Any, citizen: Any, shots: Path
) -> None:
    ui = identity_ui
    form = go_to_typed(ui)
    assert form.ids.title.text == "输入身份证号码"
    assert list(form.blocks) == ["id_number", "name"]
    assert set(step_buttons(form)) == {"submit", "other_method", "cancel"}
    keypad = form.ids.keypad
    assert keypad.target is form.blocks["id_number"].input
    assert form.ids.keypad_panel.opacity == 1
    assert form.ids.keypad_field.text == "身份证号码"
    form.blocks["id_number"].input.text = citizen.id_number[:14]
    type_on_keypad(ui, form, citizen.id_number[14:])  # ends with the X key
    assert form.blocks["id_number"].input.text == citizen.id_number
    form.blocks["name"].input.focus = True
    ui.frames(1)
    assert form.ids.keypad_panel.opacity == 0  # a name is not typed on digits
    form.blocks["name"].input.text = citizen.name
    ui.screenshot(shots / "identify-typed.png")
    tap(ui, step_buttons(form)["submit"])
    assert ui.session.run.step.name == "details"
    assert method_of(ui) == "typed"
    assert form.ids.header.ids.step_label.text == "第2步 / 共5步"


def test_a_mistyped_id_number_is_explained_in_red_under_its_box(
    identity_ui: Any, citizen: Any, shots: Path
) -> None:
    ui = identity_ui
    form = go_to_typed(ui)
    form.blocks["id_number"].input.text = WRONG_CHECK
    tap(ui, step_buttons(form)["submit"])
    assert ui.session.run.step.name == "identify.typed"
    number, name = form.blocks["id_number"], form.blocks["name"]
    assert number.error.text == "身份证号码有误，请核对后重新输入"
    assert tuple(number.error.color) == theme.ERROR
    assert number.error.top <= number.input.y
    assert name.error.text == "请填写姓名"
    ui.screenshot(shots / "identify-typed-error.png")
    assert ui.session.run.session.identity is None

    number.input.text = citizen.id_number
    name.input.text = citizen.name
    tap(ui, step_buttons(form)["submit"])
    assert ui.session.run.step.name == "details"


def test_after_a_typed_identity_no_trace_of_the_citizen_is_left(
    identity_ui: Any, identity_port: Any, citizen: Any, clock: Any
) -> None:
    ui = identity_ui
    form = go_to_typed(ui)
    form.blocks["id_number"].input.text = citizen.id_number
    form.blocks["name"].input.text = citizen.name
    tap(ui, step_buttons(form)["submit"])
    errors = ui.session.submit(
        {
            "phone": citizen.phone,
            "unemployed_period": "2026-06-01/2026-11-20",
            "household_region": "331122",
        }
    )
    assert errors == {}
    ui.frames(1)
    confirm = ui.root.steps["confirm"]
    shown = [text for row in confirm.rows() for text in row]
    assert citizen.name in shown
    assert "110***********002X" in shown
    tap(ui, step_buttons(confirm)["confirm"])
    ui.until(lambda: ui.root.current == "end")
    run = identity_port.ended[-1]
    assert run.outcome == "completed"
    assert run.session.wiped
    assert identity_port.submitted[0]["id_number"] == citizen.id_number

    clock.advance(10)
    ui.session.tick()
    ui.frames(2)
    assert ui.root.current == "welcome"
    texts = visible_texts(ui)
    assert texts
    traces = [*citizen.traces(), "110***********002X", citizen.transaction, WRONG_CHECK[:10]]
    for trace in traces:
        assert not [t for t in texts if trace in t], f"{trace!r} is still on a screen"
    assert ui.root.steps["form"].blocks == {}
    assert ui.root.steps["form"].ids.keypad.target is None


def test_a_tap_on_the_choosers_demo_card_goes_straight_to_a_read(
    identity_ui: Any, identity_port: Any
) -> None:
    """The demo's cards on the chooser: card first can be tried without a real card."""
    ui = identity_ui
    screen = start(ui)
    ui.frames(3)
    assert screen.demo_shown
    assert screen.ids.demo_title.text == "演示：点测试卡刷卡"
    shown = list(reversed(screen.ids.demo_cards.children))
    assert shown
    assert shown[0] is screen.card_buttons[0]
    assert layout_problems(screen) == []
    tap(ui, shown[0])
    assert identity_port.tapper.presented == [identity_port.tapper.names[0]]
    ui.until(lambda: ui.root.current == "form")
    assert method_of(ui) == "id_card"
    # No tile was touched and the card was read once: the chooser took it by itself.
    assert ui.session.run.history[:3] == ["identify", "identify.id_card", ui.session.run.step.name]


def test_the_chooser_offers_no_demo_cards_without_simulated_readers(
    identity_ui: Any, identity_port: Any
) -> None:
    """A real kiosk has no simulated trays: no demo panel, and it takes no room."""
    identity_port.tapper = None
    identity_port.social_tapper = None
    ui = identity_ui
    screen = start(ui)
    ui.frames(3)
    assert not screen.demo_shown
    assert screen.card_buttons == []
    assert screen.ids.demo.width == 0
    assert screen.card_first  # the chooser still takes a real card laid on the reader


@pytest.mark.parametrize(("lang", "elder"), [("zh-CN", True), ("en", True), ("en", False)])
def test_the_choosers_demo_panel_fits_in_every_mode(
    identity_ui: Any, lang: str, elder: bool
) -> None:
    ui = identity_ui
    ui.session.set_lang(lang)
    ui.session.set_elder(elder)
    screen = start(ui)
    ui.frames(3)
    assert screen.demo_shown
    assert layout_problems(screen) == []
    assert check_elderly_sizes(screen) == []
    for tile in screen.tiles:  # the panel takes no tile off the screen
        assert tile.y >= screen.ids.buttons.top
