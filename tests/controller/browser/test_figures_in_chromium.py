"""A county staff member opens the county's figures in Chromium and sees them drawn.

The controller runs as a process on SQLite, with the region tree of 缙云县 (331122) and a
county staff account there; a kiosk enrolled with a pairing code stands in 壶镇镇 and sends
three applications and a low rating with its reasons through the kiosk API. The browser
signs in, follows the navigation to 县域统计, sees every chart drawn with the counts the
kiosk sent, opens the printable monthly report, whose navigation is hidden when printed,
and downloads the CSV. The page may log no error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from controller.auth.access import Role
from controller.auth.accounts import Accounts
from controller.auth.config import AuthSettings
from controller.clock import utc_now
from controller.db import Database
from controller.models import Kiosk
from controller.services import regions
from controller.services.audit import Actor, AuditLog
from controller.settings import load_settings
from tests.controller.process_testkit import HttpKiosk, create_admin, running_controller
from wire import API_PREFIX

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

STAFF, STAFF_PASSWORD = "jinyun-figures", "a county's long password"
TREE = "code,name\n330000,浙江省\n331100,丽水市\n331122,缙云县\n331122101,壶镇镇\n"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running controller whose kiosk in 壶镇镇 sent three applications and a rating."""
    data_dir = tmp_path_factory.mktemp("figures-controller")
    create_admin(data_dir)
    settings = load_settings(data_dir=data_dir)
    db = Database(settings.database_url)
    try:
        accounts = Accounts(AuthSettings(), utc_now, AuditLog(utc_now))
        with db.session() as session:
            regions.import_regions(session, regions.read_region_file(TREE.splitlines()))
            accounts.create(
                session, Actor.command_line(), STAFF, STAFF_PASSWORD, Role.COUNTY_STAFF, "331122"
            )
            session.commit()
        with running_controller(data_dir) as controller:
            url = controller.wait_ready()
            kiosk = HttpKiosk.enroll(controller, url, "hw-figures-1", "壶镇一号机")
            with db.session() as session:
                placed = session.query(Kiosk).filter_by(kiosk_id=kiosk.kiosk_id).one()
                placed.region_code = "331122101"
                session.commit()
            headers = {"Authorization": f"Bearer {kiosk.token}"}
            numbers = []
            for _ in range(3):
                body = kiosk.next_transaction()
                assert kiosk.send(url, body).status_code == 201
                numbers.append(body["number"])
            rating = {"key": "f" * 32, "transaction_number": numbers[0],
                      "service": "employment_registration", "stars": 1,
                      "reasons": ["too_long"]}  # fmt: skip
            answer = httpx.post(f"{url}{API_PREFIX}/ratings", json=rating, headers=headers)
            assert answer.status_code == 201, answer.text
            yield url
    finally:
        db.dispose()


def test_county_staff_see_their_figures_drawn_and_print_the_month(
    chromium: Browser, artifacts: Path, county: str
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(10_000)
    page.goto(f"{county}/login")
    page.fill("#username", STAFF)
    page.fill("#password", STAFF_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.click("nav >> text=县域统计")
    expect(page.locator("h1")).to_contain_text("缙云县")

    charts = page.locator("figure.chart svg.chart-svg")
    expect(charts).to_have_count(8)
    # Every chart is laid out at a real size, not collapsed by the stylesheet.
    for index in range(8):
        box = charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 30
    services = page.locator("#chart-county-services rect.bar")
    expect(services).to_have_count(1)
    expect(services.first).to_have_attribute("data-value", "3")
    expect(page.locator("#chart-county-townships")).to_contain_text("壶镇镇")
    expect(page.locator("#chart-county-low-reasons")).to_contain_text("办理时间过长")
    expect(page.locator("#rated-stations")).to_contain_text("壶镇一号机")
    page.screenshot(path=artifacts / "01-figures.png", full_page=True)

    page.click("#report-print")
    expect(page.locator("h1")).to_contain_text("月报")
    expect(page.locator("table.report tbody tr")).to_have_count(1)
    expect(page.locator("figure.chart svg.chart-svg")).to_have_count(8)
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("table.report")).to_be_visible()
    page.screenshot(path=artifacts / "02-printable.png", full_page=True)
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.goto(f"{county}/figures")
        page.click("#report-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[1][1:3] == ["331122101", "壶镇镇"]
    assert table[1][5] == "3"
    assert errors == []
    context.close()
