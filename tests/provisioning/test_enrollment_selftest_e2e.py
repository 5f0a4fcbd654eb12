"""The installation self-test on a kiosk with every simulator: after enrollment found on
loopback, the cards (a virtual social security card in vpcd's reader, so this module uses
pcscd too: tests/support/parallel.py) and the QR code are laid by devkit's `SelfTestHand`;
the rest of the technician's visit is in test_enrollment_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provisioning.cli import main
from tests.provisioning.enrollment_kit import (
    LOOPBACK,
    new_kiosk,
    serial_of,
    shown_code,
    station_setup,
)
from tests.support.servers import ControllerProcess

pytestmark = pytest.mark.e2e


def test_on_simulators_the_whole_selftest_passes_with_the_cards_and_the_receipts_qr(
    tmp_path: Path, controller: ControllerProcess, capsys: pytest.CaptureFixture[str],
    hand_for: Any,
) -> None:  # fmt: skip
    serial = serial_of(tmp_path)
    kiosk = new_kiosk(tmp_path)
    try:
        setup = station_setup(
            tmp_path, controller, camera="simulator", social_card_reader="simulator",
            receipt_printer={"kind": "simulator", "path": "receipts"},
        )  # fmt: skip
        assert (
            main(["enroll", serial, "--code", shown_code(kiosk), "--setup", str(setup), *LOOPBACK])
            == 0
        )
    finally:
        kiosk.close()
    kiosk = new_kiosk(tmp_path)  # now on the simulated camera and social card reader
    assert kiosk.provisioning is not None
    kiosk.provisioning.api.maintenance = lambda: True
    hand = hand_for(kiosk)
    try:
        out = tmp_path / "reports"
        argv = ["selftest", "--kiosk", serial, "--code", shown_code(kiosk), "--out", str(out),
                "--wait", "20", *LOOPBACK]  # fmt: skip
        status = main(argv)
        printed = capsys.readouterr().out
    finally:
        kiosk.close()
    assert status == 0, printed
    assert hand.answered == ["id_card_reader.read", "social_card_reader.read", "camera.qr"]
    report = json.loads((out / f"selftest-{serial}.json").read_text(encoding="utf-8"))
    assert report["ok"] is True
    by_device = {c["device"]: c for c in report["checks"]}
    assert by_device["social_card_reader.read"]["detail"].startswith("card ")
    assert "QR code decoded" in by_device["camera.qr"]["detail"]
    # the hand held up the QR code the kiosk printed on its test receipt, not another one
    assert by_device["camera.qr"]["detail"] == "QR code decoded: the test receipt's code"
    assert [c["device"] for c in report["checks"]][-1] == "controller"
    assert report["sent_to_controller"] == "sent"
