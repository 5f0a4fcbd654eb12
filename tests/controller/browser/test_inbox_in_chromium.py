"""A county staff member returns an application with a reason in Chromium; the receipt shows it.

The controller runs as a process, on SQLite and on PostgreSQL. The county staff account
(上城区, 330102) is made through the accounts service as an admin would; a kiosk enrolled
with a pairing code is placed in 湖滨街道 and one in 清波街道, and each sends an application
through the kiosk API. The browser signs in, opens the inbox, narrows it to 湖滨街道, opens
that township's application, takes it into review, returns it with a ready-made reason and
words of its own, and the public receipt page (the QR link, no sign-in) then shows both,
with no personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
from tests.controller.controller_testkit import ID_NUMBER, NAME, RECEIPT_KEY
from tests.controller.process_testkit import HttpKiosk, create_admin, running_controller

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

STAFF, STAFF_PASSWORD = "shangcheng-staff", "a county clerk's long password"
HUBIN, QINGBO = "330102001", "330102002"
TREE = (
    f"code,name\n330000,浙江省\n330100,杭州市\n330102,上城区\n{HUBIN},湖滨街道\n{QINGBO},清波街道\n"
)
WORDS = "请补交劳动合同复印件"


def _setup(data_dir: Path, database_url: str) -> None:
    """The region tree and the county staff account, straight into the database."""
    db = Database(database_url)
    try:
        accounts = Accounts(AuthSettings(), utc_now, AuditLog(utc_now))
        with db.session() as session:
            regions.import_regions(session, regions.read_region_file(TREE.splitlines()))
            accounts.create(
                session, Actor.command_line(), STAFF, STAFF_PASSWORD, Role.COUNTY_STAFF, "330102"
            )
            session.commit()
    finally:
        db.dispose()


def _place(database_url: str, kiosk: HttpKiosk, code: str) -> None:
    db = Database(database_url)
    try:
        with db.session() as session:
            row = session.query(Kiosk).filter_by(kiosk_id=kiosk.kiosk_id).one()
            regions.place_kiosk(session, row, code, "便民服务中心", "")
            session.commit()
    finally:
        db.dispose()


@pytest.fixture
def county(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A running controller; (its URL, the 湖滨街道 application, the 清波街道 one)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    create_admin(data_dir, database_url)
    _setup(data_dir, database_url)
    with running_controller(data_dir, database_url=database_url) as controller:
        url = controller.wait_ready()
        numbers = []
        for n, code in enumerate((HUBIN, QINGBO), start=1):
            kiosk = HttpKiosk.enroll(controller, url, f"hw-inbox-{n}", f"上城{n}号机")
            _place(database_url, kiosk, code)
            body = kiosk.next_transaction()
            stored = kiosk.send(url, body)
            assert stored.status_code == 201, stored.text
            numbers.append(body["number"])
        yield url, numbers[0], numbers[1]


def test_county_staff_return_an_application_and_the_receipt_page_shows_why(
    chromium: Browser, artifacts: Path, county: tuple[str, str, str]
) -> None:
    url, hubin, qingbo = county
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{url}/login")
    page.fill("#username", STAFF)
    page.fill("#password", STAFF_PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.click("nav >> text=办件审核")
    expect(page.locator("h1")).to_contain_text("办件审核")
    inbox = page.locator("table.inbox")
    expect(inbox).to_contain_text(hubin)
    expect(inbox).to_contain_text(qingbo)
    # Personal data stays masked in the list.
    expect(inbox).not_to_contain_text(ID_NUMBER)
    page.screenshot(path=artifacts / "01-inbox.png", full_page=True)

    # Find it: narrow the list to its township.
    page.select_option("form.filters select[name=township]", HUBIN)
    page.click("form.filters button[type=submit]")
    expect(inbox).to_contain_text(hubin)
    expect(inbox).not_to_contain_text(qingbo)
    page.screenshot(path=artifacts / "02-township.png", full_page=True)

    page.click(f"table.inbox a >> text={hubin}")
    expect(page.locator("h1")).to_contain_text(hubin)
    expect(page.locator("#status")).to_contain_text("已受理")
    page.select_option("#review select[name=status]", "reviewing")
    page.click("#review button[type=submit]")
    expect(page.locator("#status")).to_contain_text("审核中")

    page.select_option("#review select[name=status]", "returned")
    page.select_option("#review select[name=reason_code]", "missing_document")
    page.fill("#review textarea[name=reason_text]", WORDS)
    page.click("#review button[type=submit]")
    expect(page.locator("#status")).to_contain_text("退回")
    expect(page.locator("#reason")).to_contain_text(WORDS)
    page.screenshot(path=artifacts / "03-returned.png", full_page=True)

    # The citizen's receipt QR: a page anyone with the link opens, no sign-in.
    public = chromium.new_context(locale="zh-CN").new_page()
    public.goto(f"{url}/r/{hubin}?k={RECEIPT_KEY}")
    reason = public.locator(".reason")
    expect(reason).to_contain_text("缺少所需材料")
    expect(reason).to_contain_text(WORDS)
    expect(reason).to_contain_text("A required document is missing")
    expect(public.locator("body")).not_to_contain_text(ID_NUMBER)
    expect(public.locator("body")).not_to_contain_text(NAME)
    public.screenshot(path=artifacts / "04-receipt.png", full_page=True)
    public.context.close()
    page.context.close()
