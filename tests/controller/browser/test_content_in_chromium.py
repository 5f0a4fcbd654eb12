"""A county staff member imports employers and jobs from CSV in Chromium; a kiosk gets them.

The controller runs as a process on SQLite; the county staff account (缙云县, 331122) is
made through the accounts service as an admin would, and a kiosk enrolled with a pairing
code is placed in that county. The browser signs in, checks an employer file (GBK) with a
dry run, imports it, imports jobs naming one employer, sees a faulty file refused with its
row, column and what is allowed, and the kiosk's content fetch then lists both.
"""

from __future__ import annotations

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

STAFF, STAFF_PASSWORD = "jinyun-staff", "a county's long password"
SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "samples"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, HttpKiosk]]:
    """A running controller with a county staff account and a kiosk in 缙云县."""
    data_dir = tmp_path_factory.mktemp("content-controller")
    create_admin(data_dir)
    settings = load_settings(data_dir=data_dir)
    db = Database(settings.database_url)
    try:
        accounts = Accounts(AuthSettings(), utc_now, AuditLog(utc_now))
        with db.session() as session:
            tree = "code,name\n330000,浙江省\n331100,丽水市\n331122,缙云县\n"
            regions.import_regions(session, regions.read_region_file(tree.splitlines()))
            accounts.create(
                session, Actor.command_line(), STAFF, STAFF_PASSWORD, Role.COUNTY_STAFF, "331122"
            )
            session.commit()
        with running_controller(data_dir) as controller:
            url = controller.wait_ready()
            kiosk = HttpKiosk.enroll(controller, url, "hw-content-1", "缙云县一号机")
            with db.session() as session:
                placed = session.query(Kiosk).filter_by(kiosk_id=kiosk.kiosk_id).one()
                placed.region_code = "331122"
                session.commit()
            yield url, kiosk
    finally:
        db.dispose()


def _items(url: str, kiosk: HttpKiosk, source: str) -> list[dict[str, object]]:
    answer = httpx.get(
        f"{url}{API_PREFIX}/content/{source}",
        headers={"Authorization": f"Bearer {kiosk.token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_county_staff_import_employers_and_jobs_from_csv(
    chromium: Browser, artifacts: Path, county: tuple[str, HttpKiosk], tmp_path: Path
) -> None:
    url, kiosk = county
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{url}/login")
    page.fill("#username", STAFF)
    page.fill("#password", STAFF_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.click("nav >> text=内容管理")
    expect(page.locator("h1")).to_contain_text("Content")

    # employers, GBK as Excel on a Chinese Windows saves them: a dry run first
    gbk = tmp_path / "employers.csv"
    gbk.write_bytes((SAMPLES / "employers.csv").read_text(encoding="utf-8-sig").encode("gbk"))
    page.click(".tabs >> text=用工企业")
    page.set_input_files("form.content-import input[type=file]", gbk)
    page.check("form.content-import input[name=dry_run]")
    page.click("form.content-import button[type=submit]")
    expect(page.locator("#import-report")).to_contain_text("Dry run")
    expect(page.locator(".notice-done")).to_contain_text("nothing stored")
    page.screenshot(path=artifacts / "01-employers-dry-run.png", full_page=True)
    assert _items(url, kiosk, "employers") == []

    page.set_input_files("form.content-import input[type=file]", gbk)
    page.click("form.content-import button[type=submit]")
    expect(page.locator(".notice-done")).to_contain_text("Imported")
    expect(page.locator("table.content-items")).to_contain_text("缙云示例锯业有限公司")
    page.screenshot(path=artifacts / "02-employers-imported.png", full_page=True)

    # jobs, UTF-8 with BOM; one names an employer by its credit code
    page.click(".tabs >> text=招聘岗位")
    page.set_input_files("form.content-import input[type=file]", SAMPLES / "jobs.csv")
    page.click("form.content-import button[type=submit]")
    expect(page.locator(".notice-done")).to_contain_text("Imported")
    page.screenshot(path=artifacts / "03-jobs-imported.png", full_page=True)

    # a faulty file: nothing stored, the row and column named
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title_zh,area,industry,work_type,until\nJ-X,车工,a,b,full_time,2001-01-01\n")
    page.set_input_files("form.content-import input[type=file]", bad)
    page.click("form.content-import button[type=submit]")
    expect(page.locator("table.problems")).to_contain_text("in the past")
    expect(page.locator("table.problems td").nth(0)).to_have_text("2")
    expect(page.locator("table.problems td").nth(1)).to_have_text("until")
    page.screenshot(path=artifacts / "04-jobs-refused.png", full_page=True)

    names = {e["name"] for e in _items(url, kiosk, "employers")}
    assert "缙云示例锯业有限公司" in names
    jobs = {j["id"]: j for j in _items(url, kiosk, "jobs")}
    assert "J-X" not in jobs
    assert "JY-2026-001" in jobs
    page.context.close()
