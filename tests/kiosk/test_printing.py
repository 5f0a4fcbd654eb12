"""The kiosk printing to a printer on a serial line (the simulator on a real pty)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from devkit.demo import write_kiosk_config
from devkit.scripted import registration_script, walk_kiosk
from drivers.printer.simulator import PrinterSimulator
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import PrinterConfig, load_config
from kiosk.enrollment import Enrollment
from kiosk.outbox import State
from wire import DeviceKind

# Registration without the rating that follows it: these tests count transactions.
ANSWERS = registration_script(dt.date.today(), stars=None)


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tmp_path / "paper") as sim:
        yield sim


def make_kiosk(tmp_path: Path, printer_url: str) -> Kiosk:
    config = load_config(write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9"))
    device = PrinterConfig(kind="device", path=f"serial:{printer_url}", profile="kiosk-80")
    config = dataclasses.replace(config, receipt_printer=device)
    kiosk = build_kiosk(config)
    kiosk.start(sync=False)
    # Not enrolled (no controller): give the kiosk an id so numbers can be made offline.
    kiosk.enroller.current = Enrollment("KA07", "t", config.controller_url)
    return kiosk


def test_a_receipt_comes_out_of_the_printer_with_a_readable_qr(tmp_path, printer) -> None:
    kiosk = make_kiosk(tmp_path, printer.url)
    try:
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.steps[-1] == "done"
        assert printer.wait_for_documents(1)
        png = printer.last_png()
        assert png is not None
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(png)))
        assert text.endswith(f"/r/{result.transaction_number}?k={result.record.receipt_key}")
    finally:
        kiosk.close()


def test_a_printer_known_to_be_out_of_paper_is_not_used_an_e_receipt_is_shown(
    tmp_path, printer
) -> None:
    printer.paper_out = True
    kiosk = make_kiosk(tmp_path, printer.url)  # the device scan at start sees it
    try:
        assert "receipt_printer" not in kiosk.service.devices_available()
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.outcome == "completed"
        assert result.steps[-1] == "e_receipt"
        assert printer.received_documents() == []
        assert kiosk.outbox.counts()[State.PENDING] == 1  # the transaction itself is safe
    finally:
        kiosk.close()


def test_paper_running_out_during_the_visit_still_completes_the_registration(
    tmp_path, printer
) -> None:
    kiosk = make_kiosk(tmp_path, printer.url)
    try:
        assert "receipt_printer" in kiosk.service.devices_available()
        printer.paper_out = True  # runs out after the run started, before the receipt
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.outcome == "completed"
        assert result.steps[-1] == "done_without_receipt"
        assert printer.received_documents() == []
        kiosk.hardware.devices.scan_once()
        assert kiosk.service.heartbeat().devices[DeviceKind.RECEIPT_PRINTER].state == "faulted"
    finally:
        kiosk.close()
