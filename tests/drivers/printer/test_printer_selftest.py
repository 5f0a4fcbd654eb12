"""check_printer_status: a Check from the printer's real-time status, nothing printed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from drivers.printer import profile_by_name
from drivers.printer.selftest import check_printer_status
from drivers.printer.simulator import PrinterSimulator
from drivers.selftest import Check


def test_ready_printer_passes_with_its_status_bytes(sim: PrinterSimulator) -> None:
    check = check_printer_status(f"serial:{sim.url}", "kiosk-80")
    assert isinstance(check, Check)
    assert check.ok
    assert check.device == "printer-status"
    assert check.detail.startswith("ready at serial:")
    assert "12 12 12 12" in check.detail
    assert sim.received_documents() == []


def test_paper_near_end_passes_and_says_so(sim: PrinterSimulator) -> None:
    sim.paper_near_end = True
    check = check_printer_status(f"file:{sim.url}", profile_by_name("kiosk-80"))
    assert check.ok
    assert "paper near end" in check.detail


@pytest.mark.parametrize(
    ("knob", "words"),
    [("paper_out", "paper out"), ("cover_open", "cover open"), ("silent_status", "unknown")],
)
def test_printer_not_ready_fails_with_the_reason(
    sim: PrinterSimulator, knob: str, words: str
) -> None:
    setattr(sim, knob, True)
    check = check_printer_status(f"serial:{sim.url}", "kiosk-80", timeout=0.1)
    assert not check.ok
    assert words in check.detail


def test_printer_without_status_is_not_checked_but_not_failed(sim: PrinterSimulator) -> None:
    blind = dataclasses.replace(profile_by_name("kiosk-80"), has_status=False)
    check = check_printer_status(f"serial:{sim.url}", blind)
    assert check.ok
    assert "not checked" in check.detail
    assert sim.status_queries() == []


def test_regular_file_is_not_checked(tmp_path: Path) -> None:
    check = check_printer_status(f"file:{tmp_path / 'paper.escpos'}")
    assert check.ok
    assert "carries no replies" in check.detail


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("/dev/e-station-test-no-such-printer", "PrinterUnavailable"),
        ("lp0", "InvalidTransportUrl"),
    ],
)
def test_unreachable_or_misconfigured_printer_fails(url: str, error: str) -> None:
    check = check_printer_status(url)
    assert not check.ok
    assert check.detail.startswith(error)


def test_unknown_profile_fails() -> None:
    check = check_printer_status("file:/dev/null", "no-such-profile")
    assert not check.ok
    assert "UnknownPrinterProfile" in check.detail
