"""What the heartbeat tells ops about the kiosk's devices, from real probes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kiosk.composition import Kiosk
from kiosk.config import load_config
from kiosk.demo import write_kiosk_config
from wire import DeviceKind, DeviceState


def make_kiosk(tmp_path: Path, printer: str = "simulator") -> Kiosk:
    token = tmp_path / "token"
    token.write_text("health-test-token")
    # No controller at this address: the kiosk starts and reports health all the same.
    config = load_config(write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", token))
    config = dataclasses.replace(config, printer=dataclasses.replace(config.printer, kind=printer))
    return Kiosk(config)


def test_heartbeat_reports_working_devices_with_reasons(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path)
    kiosk.start(sync=False)
    try:
        devices = kiosk.heartbeat().devices
        assert devices[DeviceKind.ID_CARD_READER].state is DeviceState.OK
        assert devices[DeviceKind.RECEIPT_PRINTER].state is DeviceState.OK
    finally:
        kiosk.close()


def test_a_reader_that_stops_answering_is_reported_faulted(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path)
    kiosk.start(sync=False)
    try:
        assert kiosk.simulator is not None
        kiosk.simulator.silent = True
        kiosk.devices.scan_once()
        idcard = kiosk.heartbeat().devices[DeviceKind.ID_CARD_READER]
        assert idcard.state is DeviceState.FAULTED
        assert "ReaderTimeout" in idcard.reason
        kiosk.simulator.silent = False
        kiosk.devices.scan_once()
        assert kiosk.heartbeat().devices[DeviceKind.ID_CARD_READER].state is DeviceState.OK
    finally:
        kiosk.close()


def test_a_printer_out_of_paper_is_reported_faulted_with_the_reason(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path)
    kiosk.start(sync=False)
    try:
        assert kiosk.printer_simulator is not None
        kiosk.printer_simulator.paper_out = True
        kiosk.devices.scan_once()
        printer = kiosk.heartbeat().devices[DeviceKind.RECEIPT_PRINTER]
        assert printer.state is DeviceState.FAULTED
        assert printer.reason == "paper out"
        assert "receipt_printer" not in kiosk.devices_available()
    finally:
        kiosk.close()


def test_a_vanished_receipt_folder_is_reported_absent_after_three_scans(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path, printer="file")
    kiosk.start(sync=False)
    try:
        kiosk.config.receipt_dir.rmdir()
        kiosk.devices.scan_once()
        kiosk.devices.scan_once()
        assert (
            kiosk.heartbeat().devices[DeviceKind.RECEIPT_PRINTER].state is DeviceState.OK
        )  # debounced
        kiosk.devices.scan_once()
        printer = kiosk.heartbeat().devices[DeviceKind.RECEIPT_PRINTER]
        assert printer.state is DeviceState.ABSENT
        assert printer.reason == "not connected"
    finally:
        kiosk.close()
