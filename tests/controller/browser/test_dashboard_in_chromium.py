"""An ops admin's round through the dashboard in Chromium, on a controller process.

The controller runs as a process on SQLite, its admin made with `create-admin`, its fleet
fed through the kiosk API: four kiosks, one fine with two transactions, one out of paper,
one with a faulted card reader, one never heard from. The browser signs in (a wrong
password first), reads the fleet and a kiosk, acknowledges one alert and clears another
through their CSRF forms, and signs out. What a person sees is asserted as text; every
step leaves a screenshot. The page may not log an error, and the Content-Security-Policy
may block nothing the dashboard itself asks for: a collector counts every violation (and a
test proves it sees one when there is one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.controller.controller_testkit import ID_NUMBER, NAME
from tests.controller.process_testkit import (
    ADMIN,
    ADMIN_PASSWORD,
    HttpKiosk,
    create_admin,
    running_controller,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# Each violation of the page's Content-Security-Policy, reported to Python as it happens (a
# binding survives navigations; a list kept in the page would not).
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""
PAPER_OUT = {
    "id_card_reader": {"state": "ok"},
    "receipt_printer": {"state": "faulted", "reason": "paper out"},
}
READER_FAULTED = {
    "id_card_reader": {"state": "faulted", "reason": "no answer"},
    "receipt_printer": {"state": "ok"},
}


@dataclass
class Fleet:
    """The running controller and what was seeded into it."""

    url: str
    fine: HttpKiosk
    paper_out: HttpKiosk
    reader_faulted: HttpKiosk
    silent: HttpKiosk


@dataclass
class Watched:
    """A browser page and everything it complained about."""

    page: Page
    folder: Path
    console_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    shots: int = 0

    def shot(self, name: str) -> None:
        """Keep a full-page screenshot of this step."""
        self.shots += 1
        self.page.screenshot(path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """A controller process with an admin and four kiosks that reported through the API."""
    data_dir = tmp_path_factory.mktemp("browser-controller")
    create_admin(data_dir)
    with running_controller(data_dir) as controller:
        url = controller.wait_ready()
        fine = HttpKiosk.enroll(controller, url, "hw-browser-1", "朝阳区一号机")
        paper_out = HttpKiosk.enroll(
            controller, url, "hw-browser-2", "海淀区二号机", site="海淀区就业服务中心"
        )
        reader_faulted = HttpKiosk.enroll(
            controller, url, "hw-browser-3", "通州区三号机", site="通州区人才市场"
        )
        silent = HttpKiosk.enroll(
            controller, url, "hw-browser-4", "顺义区四号机", site="顺义区人社局"
        )
        fine.beat(url)
        paper_out.beat(url, devices=PAPER_OUT)
        reader_faulted.beat(url, devices=READER_FAULTED)
        for _ in range(2):
            stored = fine.send(url, fine.next_transaction())
            assert stored.status_code == 201, stored.text
        yield Fleet(url, fine, paper_out, reader_faulted, silent)


@pytest.fixture
def watched(chromium: Browser, artifacts: Path) -> Iterator[Watched]:
    """A fresh browser context (no cookies) whose page reports errors and CSP violations."""
    context: BrowserContext = chromium.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    seen = Watched(page, artifacts)

    def on_violation(report: str) -> None:
        seen.violations.append(report)

    page.expose_function("reportViolation", on_violation)
    page.add_init_script(_REPORT_VIOLATIONS)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.console_errors.append(str(error)))
    try:
        yield seen
    finally:
        context.close()


def test_an_ops_admin_signs_in_reads_the_fleet_and_a_kiosk_and_handles_alerts(
    fleet: Fleet, watched: Watched
) -> None:
    page = watched.page

    # Signed out, the dashboard sends the browser to the login form.
    page.goto(f"{fleet.url}/")
    expect(page).to_have_url(f"{fleet.url}/login")
    expect(page.locator("h1")).to_contain_text("Sign in")
    watched.shot("login")

    page.fill("#username", ADMIN)
    page.fill("#password", "not the password at all")
    page.click("form.stacked button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("wrong user name or password")
    expect(page.locator("h1")).to_contain_text("Sign in")
    watched.shot("login-refused")

    page.fill("#username", ADMIN)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("form.stacked button[type=submit]")
    expect(page).to_have_url(f"{fleet.url}/")
    expect(page.locator("h1")).to_contain_text("Fleet overview")
    expect(page.locator(".whoami .who")).to_contain_text(ADMIN)
    tiles = {
        text.split("\n")[-1].strip(): text.split("\n")[0].strip()
        for text in page.locator(".tiles .tile").all_inner_texts()
    }
    assert tiles["Kiosks"] == "4", tiles
    assert tiles["Online"] == "3", tiles
    assert tiles["Offline or never seen"] == "1", tiles
    assert tiles["Transactions"] == "2", tiles
    # Paper out and a faulted reader are red; nothing is only yellow.
    assert tiles["Red / yellow"] == "2 / 0", tiles
    rows = page.locator("table.grid.kiosks tbody tr")
    expect(rows).to_have_count(4)
    # None of them placed in a region yet: the region table says so.
    unplaced = page.locator("table.grid.regions tbody tr", has_text="No region set")
    expect(unplaced.locator("td").nth(1)).to_have_text("4")
    for kiosk in (fleet.fine, fleet.paper_out, fleet.reader_faulted, fleet.silent):
        expect(page.get_by_role("link", name=kiosk.kiosk_id, exact=True)).to_be_visible()
    # Two unresolved major alerts (paper out, reader faulted), counted in the header.
    expect(page.locator(".alert-counts .severity-major")).to_have_text("重要 2Major")
    expect(page.locator(".alert-counts .severity-critical")).to_have_text("紧急 0Critical")
    watched.shot("fleet")

    page.get_by_role("link", name=fleet.fine.kiosk_id, exact=True).click()
    expect(page).to_have_url(f"{fleet.url}/kiosks/{fleet.fine.kiosk_id}")
    expect(page.locator("h1")).to_contain_text("朝阳区一号机")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("hw-browser-1")
    transactions = page.locator("dl.facts div", has_text="Transactions").first
    expect(transactions.locator("dd")).to_have_text("2")
    # The citizen is shown masked; neither the ID number nor the name appears in clear.
    content = page.content()
    assert ID_NUMBER not in content
    assert NAME not in content
    watched.shot("kiosk")

    page.click(".alert-counts a")
    expect(page).to_have_url(f"{fleet.url}/alerts")
    alert_rows = page.locator("table.alerts tbody tr")
    expect(alert_rows).to_have_count(2)
    paper_row = alert_rows.filter(has_text=fleet.paper_out.kiosk_id)
    reader_row = alert_rows.filter(has_text=fleet.reader_faulted.kiosk_id)
    expect(paper_row).to_contain_text("out of paper")
    expect(reader_row).to_contain_text("faulted")
    watched.shot("alerts")

    paper_row.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("acknowledged")
    paper_row = page.locator("table.alerts tbody tr", has_text=fleet.paper_out.kiosk_id)
    expect(paper_row).to_contain_text("Acknowledged")
    expect(paper_row).to_contain_text(ADMIN)  # who acknowledged it
    expect(paper_row.get_by_role("button", name="Acknowledge")).to_have_count(0)
    watched.shot("alert-acknowledged")

    reader_row = page.locator("table.alerts tbody tr", has_text=fleet.reader_faulted.kiosk_id)
    reader_row.get_by_role("button", name="Clear").click()
    expect(page.get_by_role("status")).to_contain_text("cleared")
    # A cleared alert leaves the page; the acknowledged one stays until it is cleared.
    expect(page.locator("table.alerts tbody tr")).to_have_count(1)
    expect(page.locator("table.alerts tbody tr")).to_contain_text(fleet.paper_out.kiosk_id)
    expect(page.locator(".alert-counts .severity-major")).to_have_text("重要 1Major")
    watched.shot("alert-cleared")

    page.click(".whoami form button[type=submit]")
    expect(page).to_have_url(f"{fleet.url}/login")
    page.goto(f"{fleet.url}/alerts")
    expect(page).to_have_url(f"{fleet.url}/login?next=/alerts")
    watched.shot("signed-out")

    # The refused sign-in answered 401, which Chromium logs; nothing else may be logged.
    assert len(watched.console_errors) == 1, watched.console_errors
    assert "status of 401" in watched.console_errors[0], watched.console_errors
    assert watched.console_errors[0].endswith(f"({fleet.url}/login)"), watched.console_errors
    assert watched.violations == []


def test_a_form_with_a_forged_csrf_token_is_refused_in_the_browser(
    fleet: Fleet, watched: Watched
) -> None:
    page = watched.page
    page.goto(f"{fleet.url}/login")
    page.fill("#username", ADMIN)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("form.stacked button[type=submit]")
    expect(page).to_have_url(f"{fleet.url}/")

    # The sign-out form of the header, its token replaced as a forged page would send it.
    page.locator(".whoami input[name=csrf_token]").evaluate("input => { input.value = 'forged'; }")
    with page.expect_response(f"{fleet.url}/logout") as refused:
        page.click(".whoami form button[type=submit]")
    assert refused.value.status == 403
    watched.shot("csrf-refused")
    # Still signed in: the forged sign-out did nothing.
    page.goto(f"{fleet.url}/")
    expect(page.locator("h1")).to_contain_text("Fleet overview")
    assert watched.violations == []


def test_the_violation_collector_sees_an_inline_script_the_policy_blocks(
    fleet: Fleet, watched: Watched
) -> None:
    # The collector's negative case: without it, "no violations" could mean "not listening".
    page = watched.page
    page.goto(f"{fleet.url}/login")
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "document.title = 'injected'";
        document.body.append(script);
    }"""
    )
    expect(page).not_to_have_title("injected")
    assert _eventually(lambda: bool(watched.violations), page)
    assert any(v.startswith("script-src") for v in watched.violations), watched.violations


def _eventually(condition: Callable[[], bool], page: Page) -> bool:
    # The report crosses from the page to Python asynchronously: give it a few round trips.
    for _ in range(50):
        if condition():
            return True
        page.wait_for_timeout(20)
    return False
