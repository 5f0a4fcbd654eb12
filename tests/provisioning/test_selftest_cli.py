from __future__ import annotations

import json

import pytest

from drivers.idcard.simulator import IdCardSimulator
from provisioning.cli import main


def test_selftest_against_simulators_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--simulate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert [c["device"] for c in report["checks"]] == [
        "idcard",
        "printer",
        "printer-status",
        "camera",
    ]
    assert "SAM 05.01-20240101" in report["checks"][0]["detail"]


def test_a_silent_reader_fails_the_selftest(capsys: pytest.CaptureFixture[str]) -> None:
    with IdCardSimulator() as sim:
        sim.silent = True
        assert main(["selftest", "--idcard", sim.url]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL idcard")
    assert "ReaderTimeout" in out


def test_a_missing_printer_fails_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--printer", "/dev/no-such-printer"]) == 1
    assert "FAIL printer" in capsys.readouterr().out


def test_nothing_to_test_is_a_usage_error() -> None:
    assert main(["selftest"]) == 2


def test_a_missing_camera_fails_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--camera", "/dev/no-such-video9"]) == 1
    assert "FAIL camera" in capsys.readouterr().out
