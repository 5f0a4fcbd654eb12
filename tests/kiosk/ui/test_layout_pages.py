"""The layout defects a citizen saw (issue 8) on paged screens: a long job's pages, the menu, a
list's chips and pager, the demo card panel; each found by the geometry checks of
kiosk/ui/layout_check.py on the screen where it was seen.
"""

from __future__ import annotations

from typing import Any

import pytest

from drivers.idcard.fixtures import FIXTURES
from kiosk.ui import theme
from tests.kiosk.ui.helpers import tap
from tests.kiosk.ui.modes import MODES, set_mode

pytestmark = pytest.mark.kivy


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
        set_mode(ui, lang, elder)
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
        set_mode(ui, lang, elder)
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
        set_mode(ui, lang, elder)
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
        set_mode(ui, lang, elder)
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
