"""A real browser on a real controller: Debian's chromium, driven by Playwright.

Nothing is downloaded: Playwright starts /usr/bin/chromium (the `chromium` package ./dev
installs), never a browser of its own (`playwright install` is not needed). Every page the
browser opens comes from the controller on 127.0.0.1.

Chromium's sandbox needs user namespaces, which a root process may not use: as root (CI
containers) the browser runs with --no-sandbox, as anyone else with its sandbox on.

Screenshots of each step are kept in build/test-artifacts/browser/ (git-ignored); the
session's summary names the folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.controller.process_testkit import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "build" / "test-artifacts" / "browser"


# Per module, not per session: Playwright's sync driver marks an asyncio loop as running in
# the main thread while it is open, and zeroconf (the kiosk's LAN announcement, tested later
# in the same process) attaches to a running loop it finds there and then waits on it.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, for one module's browser tests."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless; sandboxed unless we are root."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: the browser tests need Debian's `chromium` package"
            " (./dev setup installs it)"
        )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, chromium_sandbox=os.geteuid() != 0
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """The folder this test's screenshots go to: build/test-artifacts/browser/<test name>/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    request.config.stash[_WROTE] = True
    return folder


_WROTE = pytest.StashKey[bool]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say where the screenshots are, when a browser test ran."""
    if config.stash.get(_WROTE, False):
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker, whose summary nobody sees: tell the controller process, which
    says it (tests/conftest.py)."""
    to_controller = getattr(session.config, "workeroutput", None)
    if to_controller is not None and session.config.stash.get(_WROTE, False):
        to_controller["summary_lines"] = [f"browser screenshots: {ARTIFACTS}"]
