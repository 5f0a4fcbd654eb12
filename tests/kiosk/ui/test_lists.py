"""Lists and details of content from outside the flow, walked through the job search flow.

The FakePort's `fetch_jobs` answers with content.py's jobs, filtered as the citizen asked;
the run ranks them for the synthetic citizen (76, a woman): the two jobs open to older
people come first, marked "可能符合". Cards are touched through the window: the list is
not in a ScrollView, so a tap lands at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.ui import theme
from tests.kiosk.ui.conftest import NO_PRINTER, RECEIPT_URL, load_ui_flow
from tests.kiosk.ui.content import JOBS
from tests.kiosk.ui.helpers import (
    check_elderly_sizes,
    fill_form,
    identify_by_card,
    snap,
    step_buttons,
    tap,
    traces_left,
)

pytestmark = pytest.mark.kivy

LATHE = "J20261120-031"  # nine rows and a QR code; the citizen is too old for it
RANKED = [
    "J20261118-044",  # 40 or over: may suit
    "J20261116-020",  # women from 50: may suit
    LATHE,
    "J20261119-012",
    "J20261117-006",
    "J20261115-088",
    "J20261114-002",
]


@pytest.fixture
def jobs_ui(make_port: Any, clock: Any) -> Any:
    from devkit.headless import HeadlessUI

    with HeadlessUI(make_port(flow=load_ui_flow("job_search")), clock=clock) as ui:
        yield ui


def decode(path: Path) -> str:
    from tests.support.qr import read_qr

    text = read_qr(path)
    assert text is not None, "no QR code found on the screen"
    return text


def to_list(ui: Any, *, personalised: bool, filters: dict[str, str]) -> Any:
    """From welcome through the start notice (with or without an ID) and the filters."""
    tap(ui, ui.root.welcome.tiles[0])
    notice = ui.root.steps["notice"]
    assert ui.root.current == "notice"
    assert notice.ids.header.ids.step_label.text == ""  # two ways on: no step count
    assert not notice.alarm  # a choice, not a failure
    assert [b.primary for b in step_buttons(notice).values()] == [True, True, False]
    tap(ui, step_buttons(notice)["personalised" if personalised else "browse"])
    if personalised:
        identify_by_card(ui)
    form = ui.root.steps["form"]
    assert ui.root.current == "form"
    assert not form.keypad_used  # filters are choices: the form uses the whole width
    fill_form(ui, filters)
    tap(ui, step_buttons(form)["submit"])
    ui.until(lambda: ui.root.current in ("list", "notice"))
    return ui.root.steps["list"]


def card_ids(screen: Any) -> list[str]:
    return [card.item_id for card in screen.cards]


def test_job_search_from_filters_to_a_printed_slip(jobs_ui: Any, citizen: Any, shots: Path) -> None:
    ui = jobs_ui
    port = ui.port
    screen = to_list(ui, personalised=True, filters={"education": "junior_high", "area": "county"})
    assert ui.root.current == "list"
    ui.frames(2)

    # Four big cards a page, the jobs that may suit first, and big page buttons.
    assert card_ids(screen) == RANKED[:4]
    chips = [[c.text for c in card.ids.chips.children[::-1]] for card in screen.cards]
    assert chips[0] == ["可能符合", "招聘中"]
    assert chips[2] == ["招聘中"]
    assert screen.ids.count.text == "共7项"
    pager = screen.ids.pager
    assert pager.ids.position.text == "第1页\n共2页"
    assert pager.ids.up.disabled
    assert not pager.ids.down.disabled
    assert set(step_buttons(screen)) == {"refine", "finish"}
    for card in screen.cards:
        assert card.height >= theme.TOUCH_MIN
        assert card.y >= screen.ids.buttons.top  # all on screen, above the buttons
    assert check_elderly_sizes(screen) == []
    snap(ui, shots, "list.png")

    tap(ui, pager.ids.down)
    assert card_ids(screen) == RANKED[4:]
    assert pager.ids.down.disabled
    long_title = next(c for c in screen.cards if c.item_id == "J20261115-088")
    title_label = long_title.children[-1].children[-1].children[-1]
    assert title_label.texture_size[0] <= title_label.width  # cut short, never overflowing
    snap(ui, shots, "list-page-2.png")
    tap(ui, pager.ids.up)

    # A job's detail: its rows large, its QR code big enough for a phone.
    tap(ui, next(c for c in screen.cards if c.item_id == LATHE))
    assert ui.root.current == "detail"
    detail = ui.root.steps["detail"]
    ui.frames(2)
    assert detail.ids.kicker.text == "岗位详情"
    assert detail.ids.title.text == "数控车床操作工"
    rows = [(w.label, w.value) for w in reversed(detail.ids.rows.children)]
    assert rows[0] == ("用人单位", "缙云县某机械制造有限公司")
    assert rows[-1][0] == "匹配情况"
    assert "不符合：年龄（18-50岁）" in rows[-1][1]
    assert detail.ids.qr.payload == f"https://jobs.example.gov.cn/j/{LATHE}"
    assert detail.ids.qr.module_px >= 6
    assert detail.ids.qr_label.text.startswith("扫描二维码")  # the step's prompt, by the code
    assert set(step_buttons(detail)) == {"back_to_list", "print_slip", "finish"}
    assert detail.ids.pager.opacity == 1  # nine rows do not fit: paged
    assert check_elderly_sizes(detail) == []
    path = ui.screenshot(shots / "detail.png")
    assert decode(path) == f"https://jobs.example.gov.cn/j/{LATHE}"
    tap(ui, detail.ids.pager.ids.down)
    assert detail.ids.scroll.scroll_y < 1
    assert detail.ids.pager.ids.position.text.startswith("第2页")
    snap(ui, shots, "detail-rows-page-2.png")

    tap(ui, step_buttons(detail)["print_slip"])
    ui.until(lambda: ui.root.current == "detail")
    assert port.slips == [LATHE]
    assert detail.ids.note.text == "凭条已打印，请从出纸口取走"
    snap(ui, shots, "detail-slip-printed.png")

    tap(ui, step_buttons(detail)["back_to_list"])
    assert ui.root.current == "list"
    assert LATHE in card_ids(screen)  # back on the page of the job seen
    tap(ui, step_buttons(screen)["finish"])
    assert ui.root.current == "end"
    assert ui.root.end.ids.title.text == "感谢使用岗位查询"
    tap(ui, ui.root.end.ids.finish)  # job search is no transaction: no rating follows
    assert ui.root.current == "welcome"

    titles = [str(job["title"]["zh-CN"]) for job in JOBS]  # type: ignore[index]
    gone = [*citizen.traces(), *titles, "可能符合", "匹配情况", "jobs.example.gov.cn"]
    assert traces_left(ui, gone) == []
    assert detail.ids.qr.texture is None
    assert screen.cards == []
    assert port.ended[-1].session.wiped


def test_browsing_without_a_printer_shows_the_code_and_offers_no_slip(
    make_port: Any, clock: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow("job_search"), devices=NO_PRINTER, demo=False)
    with HeadlessUI(port, clock=clock) as ui:
        screen = to_list(ui, personalised=False, filters={"area": "wuyun"})
        # Without an ID no age is known: no job is said to suit, the bank's order stays.
        assert card_ids(screen) == ["J20261119-012", "J20261116-020", "J20261114-002"]
        assert all(len(card.ids.chips.children) == 1 for card in screen.cards)
        assert screen.ids.pager.opacity == 0  # one page: no page buttons
        tap(ui, screen.cards[0])
        detail = ui.root.steps["detail"]
        assert set(step_buttons(detail)) == {"back_to_list", "finish"}
        assert detail.has_qr
        assert detail.ids.pager.opacity == 0  # three rows fit
        snap(ui, shots, "detail-no-printer.png")


def test_filters_that_match_nothing_lead_to_the_flows_own_notice(jobs_ui: Any) -> None:
    ui = jobs_ui
    to_list(ui, personalised=False, filters={"industry": "it"})
    assert ui.root.current == "notice"  # the flow routes `empty` itself
    notice = ui.root.steps["notice"]
    assert notice.ids.title.text == "没有符合条件的岗位"
    assert not notice.alarm  # nothing failed: no red mark, no talk of retrying
    assert notice.ids.message.text == ""
    tap(ui, step_buttons(notice)["refine"])
    form = ui.root.steps["form"]
    assert form.blocks["industry"].value == "it"  # the filters come back as chosen


def test_the_list_in_english(make_port: Any, clock: Any, shots: Path) -> None:
    from devkit.headless import HeadlessUI

    with HeadlessUI(make_port(flow=load_ui_flow("job_search")), clock=clock, lang="en") as ui:
        screen = to_list(ui, personalised=True, filters={"education": "junior_high"})
        chips = [c.text for c in screen.cards[0].ids.chips.children[::-1]]
        assert chips == ["May suit you", "Hiring"]
        assert screen.ids.pager.ids.up.text == "Up"
        assert check_elderly_sizes(screen) == []
        snap(ui, shots, "list-en.png")


@pytest.fixture
def classes_ui(make_port: Any, clock: Any) -> Any:
    from devkit.headless import HeadlessUI

    with HeadlessUI(make_port(flow=load_ui_flow("training_signup")), clock=clock) as ui:
        tap(ui, ui.root.welcome.tiles[0])
        ui.until(lambda: ui.root.current == "list")
        yield ui


def test_a_full_class_is_greyed_and_cannot_be_chosen(
    classes_ui: Any, citizen: Any, shots: Path
) -> None:
    ui = classes_ui
    screen = ui.root.steps["list"]
    full = next(c for c in screen.cards if c.item_id == "T2026-0460")
    assert full.disabled
    assert [(c.text, c.tone) for c in full.ids.chips.children] == [("已满", "muted")]
    assert check_elderly_sizes(screen) == []  # the greyed card is skipped: it takes no touch
    snap(ui, shots, "list-full-class.png")
    tap(ui, full)
    assert ui.root.current == "list"
    ui.session.select("T2026-0460")  # nor through the session
    assert ui.root.current == "list"

    tap(ui, screen.cards[0])
    detail = ui.root.steps["detail"]
    assert detail.ids.title.text == "焊工（五级）职业技能等级培训"
    buttons = step_buttons(detail)
    assert buttons["sign_up"].primary  # the way on is the filled button
    assert detail.ids.qr_label.text == "扫码可查看课程安排，或点击“我要报名”。"
    snap(ui, shots, "detail-class.png")
    tap(ui, buttons["sign_up"])
    tap(ui, next(t for t in ui.root.steps["identify"].tiles if t.method == "typed"))
    assert ui.session.submit({"id_number": citizen.id_number, "name": citizen.name}) == {}
    confirm = ui.root.steps["confirm"]
    assert ("所选培训班", "焊工（五级）职业技能等级培训") in confirm.rows()
    tap(ui, step_buttons(confirm)["confirm"])
    ui.until(lambda: ui.root.current == "end")
    assert ui.port.submissions[0].selected == {"trainings": "T2026-0471"}


def test_an_empty_list_says_so_calmly(make_port: Any, clock: Any, shots: Path) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow("training_signup"))
    port.content["trainings"] = []
    with HeadlessUI(port, clock=clock) as ui:
        tap(ui, ui.root.welcome.tiles[0])
        ui.until(lambda: ui.root.current == "list")
        screen = ui.root.steps["list"]
        assert screen.cards == []
        assert screen.ids.empty.text.startswith("暂时没有可显示的内容")
        assert screen.ids.count.text == ""
        assert screen.ids.pager.opacity == 0
        assert set(step_buttons(screen)) == {"cancel"}
        assert check_elderly_sizes(screen) == []
        snap(ui, shots, "list-empty.png")


def test_registered_job_seekers_keep_the_e_receipt_and_see_the_jobs_for_them(
    make_port: Any, clock: Any, citizen: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow("job_seeker_registration"), devices=NO_PRINTER, demo=False)
    with HeadlessUI(port, clock=clock) as ui:
        session = ui.session
        session.start("job_seeker_registration")
        session.fire("id_card")  # no demo tray: the card is on the reader
        ui.until(lambda: ui.root.current == "form")
        profile = {"employment_status": "unemployed", "education": "junior_high"}
        profile |= {"experience": "y5_10", "certificate": "none", "phone": citizen.phone}
        # One page: the person and the job wanted.
        profile |= {"industry": "any", "work_type": "any", "salary_range": "any"}
        profile |= {"area": "county", "available_from": "2026-12-01"}
        assert session.submit(profile) == {}
        session.fire("confirm")
        ui.until(lambda: ui.root.current == "notice")  # no printer: the e-receipt notice
        notice = ui.root.steps["notice"]
        assert not notice.alarm
        assert notice.receipt
        assert notice.ids.number.text == f"办件编号 {citizen.transaction}"
        assert set(step_buttons(notice)) == {"view_jobs", "finish"}
        path = ui.screenshot(shots / "notice-e-receipt.png")
        assert decode(path) == RECEIPT_URL

        tap(ui, step_buttons(notice)["view_jobs"])
        ui.until(lambda: ui.root.current == "list")
        screen = ui.root.steps["list"]
        assert card_ids(screen) == RANKED[:4]  # the same ranking as a search with the card
        tap(ui, screen.cards[0])
        tap(ui, step_buttons(ui.root.steps["detail"])["finish"])
        assert ui.root.end.ids.finish.text == "评价本次服务"  # the registration is rated


def test_render_screen_png_walks_on_to_a_detail(make_port: Any, tmp_path: Path) -> None:
    from PIL import Image

    from devkit.screenshot import render_screen_png

    port = make_port(flow=load_ui_flow("job_search"))
    path = render_screen_png(port, "detail", tmp_path / "detail.png")
    assert Image.open(path).size == (1280, 800)
    (run,) = port.ended  # closed with the App, on the detail it was walked to
    assert run.history[-2:] == ["job", "_cancelled"]
