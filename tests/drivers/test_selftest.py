"""The self-test a running kiosk's maintenance screen uses: through open devices, with progress."""

from __future__ import annotations

from drivers.idcard import IdCardReader
from drivers.idcard.simulator import IdCardSimulator
from drivers.selftest import Check, check_open_idcard, run_checks


def test_an_open_reader_is_checked_without_opening_its_port_again() -> None:
    with IdCardSimulator() as sim, IdCardReader(sim.url, timeout=0.5) as reader:
        check = check_open_idcard(reader)
        assert check.ok, check.detail
        assert check.detail.startswith("SAM 05.01-")
        sim.unplug()
        broken = check_open_idcard(reader)
    assert not broken.ok


def test_a_reader_the_kiosk_could_not_start_fails_the_check() -> None:
    assert check_open_idcard(None) == Check("idcard", False, "reader not started", 0)


def test_checks_run_in_order_and_report_progress_after_each() -> None:
    seen: list[tuple[int, int, str]] = []
    checks = [lambda: Check("a", True, "", 1), lambda: Check("b", False, "jammed", 2)]
    report = run_checks(checks, lambda done, total, c: seen.append((done, total, c.device)))
    assert seen == [(1, 2, "a"), (2, 2, "b")]
    assert not report.ok
    assert [c.device for c in report.checks] == ["a", "b"]
