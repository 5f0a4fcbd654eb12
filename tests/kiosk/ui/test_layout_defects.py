"""The layout defects a citizen saw (issue 8), each found by the geometry checks of
kiosk/ui/layout_check.py on the screen where it was seen, in both languages and modes."""

from __future__ import annotations

from typing import Any

import pytest

from drivers.idcard.fixtures import FIXTURES
from kiosk.ui import theme
from tests.kiosk.ui.helpers import tap

pytestmark = pytest.mark.kivy

MODES = [("zh-CN", False), ("en", False), ("zh-CN", True), ("en", True)]


def _mode(ui: Any, lang: str, elder: bool) -> None:
    ui.session.set_lang(lang)
    ui.session.set_elder(elder)
    ui.frames(1)


@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_the_id_card_title_stays_under_the_header_beside_the_demo_card_panel(
    make_port: Any, clock: Any, lang: str, elder: bool
) -> None:
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems

    port = make_port()
    assert port.tapper is not None
    port.tapper.names = [card.name for card in FIXTURES]  # the demo rig's seven cards
    with HeadlessUI(port, clock=clock) as ui:
        _mode(ui, lang, elder)
        ui.session.start("employment_registration")
        ui.frames(3)
        screen = ui.root.steps["action"]
        assert ui.root.current == "action"
        assert screen.ids.demo.opacity == 1
        assert len(screen.card_buttons) == len(FIXTURES)
        # The title's top (it was 18 px up into the header in English) and every other text.
        assert screen.ids.title.top <= screen.ids.header.y
        assert layout_problems(screen) == []
        # Every simulated card can still be reached and tapped.
        for button in screen.card_buttons:
            assert button.height >= theme.style.touch_min
        ui.session.close()
        ui.session.finish()


LONG_JOB = "J20261120-099"
MAX_PAGES = 12


def _long_job() -> dict[str, object]:
    from tests.kiosk.ui.content import job

    return job(
        LONG_JOB,
        "数控车床操作工（长期招聘，可安排住宿）",
        "CNC lathe operator (long term, lodging offered)",
        "缙云县某机械制造有限公司 · 壶镇镇",
        ["用人单位", "缙云县某机械制造有限公司"],
        ["工作地点", "壶镇镇工业园区，厂区有班车往返县城，每天早晚各两班"],
        ["薪资待遇", "5500-7500元/月，缴纳五险一金，提供宿舍和工作餐，年底有奖金"],
        ["用工形式", "全职，两班倒"],
        ["岗位职责", "按图纸操作数控车床加工零件，做好设备日常保养，填写生产记录"],
        ["学历要求", "初中及以上"],
        ["年龄要求", "18-55周岁"],
        ["招聘人数", "5人"],
        ["联系电话", "0578-3000000（工作日）"],
        ["有效期至", "2026-12-31"],
        criteria={"age": [18, 55]},
    )


# Elder mode's rows are the label over the value: beside a label column, a long value
# wrapped to a row taller than the page. (This passed when run first in its process only
# because the Chinese font was not registered then: boxes are narrower than characters.)
@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_every_page_of_a_long_job_shows_only_whole_rows_down_to_the_last(
    make_port: Any, clock: Any, lang: str, elder: bool
) -> None:
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import load_ui_flow

    port = make_port(flow=load_ui_flow("job_search"))
    port.content["jobs"].insert(0, _long_job())
    with HeadlessUI(port, clock=clock) as ui:
        _mode(ui, lang, elder)
        session = ui.session
        session.start("job_search")
        session.fire("browse")
        assert session.submit({"education": "junior_high", "area": "county"}) == {}
        ui.until(lambda: ui.root.current == "list")
        session.select(LONG_JOB)
        ui.frames(10)
        detail = ui.root.steps["detail"]
        assert ui.root.current == "detail"
        rows = list(reversed(detail.ids.rows.children))
        scroll = detail.ids.scroll
        assert len(detail.offsets) > 1  # paged
        seen: set[int] = set()
        pages = []
        for page in range(MAX_PAGES):
            if page:
                if detail.ids.pager.ids.down.disabled:
                    break
                tap(ui, detail.ids.pager.ids.down)  # as a citizen turns the page
                ui.frames(10)
            pages.append([row.label for row in rows if row.opacity])
            assert layout_problems(detail) == [], (page, layout_problems(detail))
            bottom = scroll.to_window(scroll.x, scroll.y)[1]
            top = scroll.to_window(scroll.x, scroll.top)[1]
            for index, row in enumerate(rows):
                low = row.to_window(row.x, row.y)[1]
                high = row.to_window(row.x, row.top)[1]
                if row.opacity == 0:
                    continue
                if high > bottom and low < top:  # on this page: whole
                    assert low >= bottom - 1, (page, row.label)
                    assert high <= top + 1, (page, row.label)
                    seen.add(index)
        # Every row, the last included, was read whole on some page.
        assert seen == set(range(len(rows))), (detail.offsets, pages)
        session.close()
        session.finish()


# Names and choices Kivy cut between characters (浏 / 览 in a notice, 就业困难人 / 员认定申请
# in the header, 高校毕 / 业生 on a choice): found by layout_check.broken_words.
WORD_SCREENS = [
    ("difficulty_identification", 0),  # the header's long service name
    ("social_insurance_subsidy", 2),  # the applicant choices
    ("job_search", 0),  # the start notice: 直接浏览
]


@pytest.mark.parametrize("elder", [False, True])
def test_no_label_cuts_a_chinese_word_across_lines(make_port: Any, clock: Any, elder: bool) -> None:
    from devkit.headless import HeadlessUI
    from devkit.screens import render_all
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    flows = [s.flow for s in load_builtin_catalog().services]
    wanted = {flow_id for flow_id, _ in WORD_SCREENS}
    sample = [f for f in flows if f.id in wanted]
    port = make_port(flow=sample[0], more=sample[1:])
    with HeadlessUI(port, clock=clock) as ui:
        shots = render_all(
            ui,
            [f.id for f in sample],
            None,
            langs=["zh-CN"],
            modes=["elder" if elder else "normal"],
            today=TODAY,
        )
    cut = {f"{s.flow_id}/{s.step}": [p for p in s.problems if "a word cut" in p] for s in shots}
    assert {k: v for k, v in cut.items() if v} == {}


@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_the_whole_catalogs_menu_fits_on_every_page(
    make_port: Any, clock: Any, shots: Any, lang: str, elder: bool
) -> None:
    # Elder mode's 1.5x names and taller header left two rows of tiles and the page
    # buttons sticking out under the menu's box, and the header clock too narrow.
    from devkit.headless import HeadlessUI
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems

    flows = [service.flow for service in load_builtin_catalog().services]
    port = make_port(flow=flows[0], more=flows[1:], demo=False)
    with HeadlessUI(port, clock=clock) as ui:
        _mode(ui, lang, elder)
        welcome = ui.root.welcome
        ui.frames(3)
        pager = welcome.ids.pager
        assert welcome.pages > 1
        seen = []
        for page in range(welcome.pages):
            if page:
                tap(ui, pager.ids.down)  # the big page button, as a citizen turns it
                ui.frames(2)
            assert welcome.page == page
            assert layout_problems(welcome) == [], (page, layout_problems(welcome))
            for tile in welcome.tiles:
                assert tile.height >= theme.style.touch_min
                assert tile.texture_size[1] <= tile.height
                assert tile.y >= welcome.ids.hint.top
            seen += [tile.flow_id for tile in welcome.tiles]
            clock_label = welcome.ids.header_clock
            assert clock_label.texture_size[0] <= clock_label.width  # the time whole
        assert seen == [f.id for f in flows]  # every service on some page, once
        for button in (pager.ids.up, pager.ids.down):
            assert button.height >= theme.style.touch_min
        ui.screenshot(shots / f"menu-{lang}-{'elder' if elder else 'normal'}.png")


# Forms of every kind of question: typed text with the docked keyboard (the employer, a
# job title), keypad numbers, dates, choices, declarations.
FORM_FLOWS = ("employment_registration", "bundle_onboarding", "social_insurance_subsidy")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_one_question_and_its_box_show_without_scrolling(
    make_port: Any, clock: Any, lang: str
) -> None:
    # One question a screen must show that question and its answer box as it opens: the
    # box sat below the visible area, and elder mode's keys stood out of the keyboard's
    # rows over it.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import TODAY

    flows = [s.flow for s in load_builtin_catalog().services if s.flow.id in FORM_FLOWS]
    port = make_port(flow=flows[0], more=flows[1:])
    hidden: dict[str, object] = {}
    asked = 0
    with HeadlessUI(port, clock=clock) as ui:
        form = ui.root.steps["form"]

        def visible(widget: Any, area: Any, floor: float) -> bool:
            low = widget.to_window(widget.x, widget.y)[1]
            high = widget.to_window(widget.x, widget.top)[1]
            bottom = max(area.to_window(area.x, area.y)[1], floor)
            return low >= bottom - 1 and high <= area.to_window(area.x, area.top)[1] + 1

        def each_question(step: str, _index: int) -> None:
            nonlocal asked
            if ui.root.current != "form" or not form.pager.one_at_a_time:
                return
            for index in range(len(form.blocks)):
                form.pager.go_to_field(index)
                ui.frames(4)
                block = list(form.blocks.values())[index]
                keyboard = form.keyboard
                floor = keyboard.to_window(0, keyboard.top)[1] if keyboard.shown else 0
                where = f"{step}/{block.spec.name}"
                parts = [block.label, *block.inputs, *block.choices[:1]]
                parts = [p for p in parts if p.get_root_window() is not None]
                hidden.update(
                    {
                        f"{where}/{type(p).__name__}": "hidden"
                        for p in parts
                        if not visible(p, form.ids.scroll, floor)
                    }  # fmt: skip
                )
                if layout_problems(form):
                    hidden[where] = layout_problems(form)
                asked += 1
            form.pager.go_to_field(0)

        for flow in flows:
            walk_flow(
                ui, flow.id, lang, "elder", lambda s, i: each_question(s, i), lambda _s: [], TODAY
            )
    assert asked > 10
    assert hidden == {}


def _one_line_counters(ui: Any, seen: dict[str, int]) -> Any:
    """A walk's check: how many lines the header's step counter took on each step."""
    from kiosk.ui.layout_check import _lines

    def check(screen: Any) -> list[str]:
        header = getattr(screen.ids, "header", None)
        if header is not None and header.ids.step_label.text:
            label = header.ids.step_label
            seen[f"{ui.session.lang}/{screen.name}/{label.text}"] = len(_lines(label))
        return []

    return check


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_step_counter_stays_on_one_line(make_port: Any, clock: Any, lang: str) -> None:
    # "第2步 / 共5步" wrapped onto two lines beside elder mode's long service names.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    wanted = ("bundle_contract_termination", "difficulty_identification")
    flows = [s.flow for s in load_builtin_catalog().services if s.flow.id in wanted]
    port = make_port(flow=flows[0], more=flows[1:])
    seen: dict[str, int] = {}
    with HeadlessUI(port, clock=clock) as ui:
        for flow in flows:
            walk_flow(
                ui, flow.id, lang, "elder", lambda *_: None, _one_line_counters(ui, seen), TODAY
            )
    assert len(seen) >= 4  # the counter was shown, on several steps
    assert {k: v for k, v in seen.items() if v != 1} == {}


def test_the_end_screens_prompt_stays_inside_its_column(make_port: Any, clock: Any) -> None:
    # social_insurance_subsidy in English: the two-line prompt stood 5 px over the column's
    # top, as the room was reckoned without the spacing beside the column's filler.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import TODAY

    flows = [s.flow for s in load_builtin_catalog().services]
    flow = next(f for f in flows if f.id == "social_insurance_subsidy")
    port = make_port(flow=flow)
    with HeadlessUI(port, clock=clock) as ui:
        shots = walk_flow(ui, flow.id, "en", "normal", lambda *_: None, layout_problems, TODAY)
    end = [s for s in shots if s.screen == "end"]
    assert end, [s.screen for s in shots]
    assert {s.step: s.problems for s in shots if s.problems} == {}


def test_the_walk_pictures_a_step_the_run_left_while_it_was_drawn(
    make_port: Any, clock: Any
) -> None:
    # `estation-kiosk screens` died with an IndexError (job_fair_signup, elder mode): drawing
    # the receipt step's picture ran the frames in which printing ended, and the walk then
    # looked for a button to tap on the end step the run had reached, which has none. Here
    # the run leaves a form for its end step while the form is drawn, at any speed.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == "job_fair_signup")
    port = make_port(flow=flow)
    with HeadlessUI(port, clock=clock) as ui:
        session = ui.session

        def shoot(step: str, _index: int) -> None:
            if step == "details":
                session.fire("cancel")  # the run reaches its `cancelled` end step
                ui.frames(2)

        shots = walk_flow(ui, flow.id, "zh-CN", "elder", shoot, lambda _s: [], TODAY)
    steps = [shot.step for shot in shots]
    assert steps[-2:] == ["details", "end"], " ".join(steps)
    assert session.run is None


@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_a_list_cards_chips_stay_inside_their_row(
    make_port: Any, clock: Any, lang: str, elder: bool
) -> None:
    # The chips ("可能符合", "招聘中") had a 48 px floor in a 40 px title row of a normal
    # card: 4 px over it above and below.
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import load_ui_flow

    with HeadlessUI(make_port(flow=load_ui_flow("job_search")), clock=clock) as ui:
        _mode(ui, lang, elder)
        ui.session.start("job_search")
        ui.session.fire("browse")
        assert ui.session.submit({"education": "junior_high", "area": "county"}) == {}
        ui.until(lambda: ui.root.current == "list")
        ui.frames(3)
        screen = ui.root.steps["list"]
        chips = [chip for card in screen.cards for chip in card.ids.chips.children]
        assert len(chips) >= 3
        for chip in chips:
            row = chip.parent.parent  # the title's line: the title, then the chips
            assert chip.y >= row.y - 1, (chip.text, chip.y, row.y)
            assert chip.top <= row.top + 1, (chip.text, chip.top, row.top)
        assert layout_problems(screen) == []


def test_elder_modes_header_keeps_a_long_english_service_name_in_whole_words(
    make_port: Any, clock: Any
) -> None:
    # With the step counter at elder mode's 42 px beside it, "Unemployment registration"
    # had a strip so narrow that the name was cut "Unemploymen / t".
    from devkit.headless import HeadlessUI
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import _lines

    flow = next(
        s.flow for s in load_builtin_catalog().services if s.flow.id == "unemployment_registration"
    )
    with HeadlessUI(make_port(flow=flow), clock=clock) as ui:
        _mode(ui, "en", True)
        ui.session.start(flow.id)
        ui.frames(4)
        header = ui.root.current_screen.ids.header.ids
        assert header.step_label.text.startswith("Step 1 of")
        words = [word for line in _lines(header.flow_title) for word in line.split()]
        assert words == flow.title.get("en").split()
        ui.session.close()
        ui.session.finish()


@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_the_demo_card_panel_shows_only_whole_cards_and_reaches_every_card(
    make_port: Any, clock: Any, lang: str, elder: bool
) -> None:
    # The rig's seven cards scrolled sideways in one row, the fifth cut at the panel's
    # right edge: it looked broken. Whole cards only, and "more" for the next ones.
    from devkit.headless import HeadlessUI

    port = make_port()
    assert port.tapper is not None
    port.tapper.names = [card.name for card in FIXTURES]
    with HeadlessUI(port, clock=clock) as ui:
        _mode(ui, lang, elder)
        ui.session.start("employment_registration")
        ui.frames(3)
        screen = ui.root.steps["action"]
        panel, more = screen.ids.demo, screen.ids.demo_more
        box_left, box_bottom = panel.to_window(panel.x, panel.y)
        box_right, box_top = panel.to_window(panel.right, panel.top)
        reached: list[str] = []
        for _turn in range(len(FIXTURES)):
            shown = list(reversed(screen.ids.demo_cards.children))
            assert shown, reached
            for button in [*shown, more]:
                if button is more and not more.text:
                    continue
                left, bottom = button.to_window(button.x, button.y)
                right, top = button.to_window(button.right, button.top)
                assert box_left <= left, (button.text, left)
                assert right <= box_right, (button.text, right)
                assert box_bottom <= bottom, button.text
                assert top <= box_top, button.text
            reached += [button.text for button in shown if button.text not in reached]
            if len(reached) == len(FIXTURES):
                break
            assert more.opacity == 1
            tap(ui, more)
            ui.frames(2)
        assert reached == [card.name for card in FIXTURES]
        ui.session.close()
        ui.session.finish()


def test_a_registration_that_went_in_shows_a_check_mark_not_an_i(
    make_port: Any, clock: Any
) -> None:
    # "登记成功，请取走回执" was drawn with the calm "i" of a how-to notice: a success has
    # the check mark of the end screen.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    flow_id = "job_seeker_registration"  # its `registered` notice follows the receipt
    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == flow_id)
    marks: dict[str, tuple[str, bool]] = {}
    with HeadlessUI(make_port(flow=flow), clock=clock) as ui:

        def check(screen: Any) -> list[str]:
            if screen.name in ("notice", "end"):
                run = ui.session.run
                step = run.step.name if run is not None else "end"
                marks[step] = (screen.ids.mark.text, screen.success)
            return []

        walk_flow(ui, flow_id, "zh-CN", "normal", lambda *_: None, check, TODAY)
    successes = {step: mark for step, mark in marks.items() if mark[1]}
    assert successes, marks
    assert all(text == "" for text, _ in successes.values()), marks
    assert "registered" in successes, marks


def test_a_how_to_notice_keeps_its_i(make_port: Any, clock: Any) -> None:
    # The check mark is for a success only: job_search's "how to search" stays an "i".
    from devkit.headless import HeadlessUI
    from tests.kiosk.ui.conftest import load_ui_flow

    with HeadlessUI(make_port(flow=load_ui_flow("job_search")), clock=clock) as ui:
        ui.session.start("job_search")
        ui.frames(2)
        screen = ui.root.current_screen
        assert screen.name == "notice"
        assert (screen.ids.mark.text, screen.success, screen.alarm) == ("i", False, False)
        ui.session.close()
        ui.session.finish()


END_FLOWS = ("job_seeker_registration", "unemployment_registration", "bundle_onboarding")


@pytest.mark.parametrize("printer_fails", [False, True])
@pytest.mark.parametrize("flow_id", END_FLOWS)
def test_elder_modes_english_end_screens_keep_number_and_prompt_in_the_column(
    make_port: Any, clock: Any, flow_id: str, printer_fails: bool
) -> None:
    # Elder mode in English: the number box or the prompt stood out of the column, and
    # beside the e-receipt's QR code the number was 838 px wide in 752 with the prompt
    # spilling. Now: the number a size down until it fits, the prompt to its floor, then
    # the prompt scrolls. (A failing printer leads to the e-receipt screens.)
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import TODAY

    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == flow_id)
    port = make_port(flow=flow)
    port.printer_fails = printer_fails
    with HeadlessUI(port, clock=clock) as ui:
        shots = walk_flow(ui, flow_id, "en", "elder", lambda *_: None, layout_problems, TODAY)
    ends = [s for s in shots if s.screen in ("end", "notice")]
    assert ends, [s.screen for s in shots]
    assert {s.step: s.problems for s in shots if s.problems} == {}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_list_pager_shows_both_lines_of_its_position(
    make_port: Any, clock: Any, lang: str
) -> None:
    # policy_lookup in elder mode: beside one card under a two-line prompt the pager had
    # 36 px between its buttons for "第1页 / 共8页" (68 px high).
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import TODAY

    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == "policy_lookup")
    pagers: list[tuple[bool, list[str]]] = []
    with HeadlessUI(make_port(flow=flow), clock=clock) as ui:

        def check(screen: Any) -> list[str]:
            if screen.name == "list":
                pagers.append((screen.ids.pager.shown, layout_problems(screen)))
            return []

        walk_flow(ui, flow.id, lang, "elder", lambda *_: None, check, TODAY)
    assert pagers == [(True, [])]


@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_the_headers_voice_button_speaks_as_large_as_its_neighbours(
    make_port: Any, clock: Any, lang: str, elder: bool
) -> None:
    # In elder mode "Voice on" stayed at a fixed 30 px beside the 45 px of the language
    # and help buttons.
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems

    with HeadlessUI(make_port(), clock=clock) as ui:
        _mode(ui, lang, elder)
        ui.session.start("employment_registration")
        ui.frames(3)
        screen = ui.root.current_screen
        header = screen.ids.header.ids
        assert header.voice.font_size == header.language.font_size == theme.style.body
        assert header.voice.texture_size[0] <= header.voice.width
        assert layout_problems(screen.ids.header) == []
        ui.session.close()
        ui.session.finish()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_welcome_band_holds_a_long_station_name(
    make_port: Any, clock: Any, lang: str, monkeypatch: Any
) -> None:
    # The demo station's name, three lines at its 28 px floor beside elder mode's wide
    # buttons, was 108 px high in the band's 100.
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import FakePort

    monkeypatch.setattr(FakePort, "station_name", "示范街道24小时就业服务e站")
    with HeadlessUI(make_port(), clock=clock) as ui:
        _mode(ui, lang, True)
        ui.frames(3)
        station = ui.root.welcome.ids.station
        assert station.text == "示范街道24小时就业服务e站"
        assert layout_problems(ui.root.welcome) == []
