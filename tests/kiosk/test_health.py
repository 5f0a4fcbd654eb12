"""What the heartbeat tells ops about the kiosk's devices, from real probes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from devkit.demo import write_kiosk_config
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from wire import DeviceKind, DeviceState


def make_kiosk(tmp_path: Path, printer: str = "simulator") -> Kiosk:
    # No controller at this address: the kiosk starts and reports health all the same.
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    config = dataclasses.replace(
        config, receipt_printer=dataclasses.replace(config.receipt_printer, kind=printer)
    )
    return build_kiosk(config)


def test_heartbeat_reports_working_devices_with_reasons(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path)
    kiosk.start(sync=False)
    try:
        devices = kiosk.service.heartbeat().devices
        assert devices[DeviceKind.ID_CARD_READER].state is DeviceState.OK
        assert devices[DeviceKind.RECEIPT_PRINTER].state is DeviceState.OK
    finally:
        kiosk.close()


def test_a_reader_that_stops_answering_is_reported_faulted(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path)
    kiosk.start(sync=False)
    try:
        assert kiosk.simulators.idcard is not None
        kiosk.simulators.idcard.silent = True
        kiosk.hardware.devices.scan_once()
        idcard = kiosk.service.heartbeat().devices[DeviceKind.ID_CARD_READER]
        assert idcard.state is DeviceState.FAULTED
        assert "ReaderTimeout" in idcard.reason
        kiosk.simulators.idcard.silent = False
        kiosk.hardware.devices.scan_once()
        assert kiosk.service.heartbeat().devices[DeviceKind.ID_CARD_READER].state is DeviceState.OK
    finally:
        kiosk.close()


def test_a_printer_out_of_paper_is_reported_faulted_with_the_reason(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path)
    kiosk.start(sync=False)
    try:
        assert kiosk.simulators.printer is not None
        kiosk.simulators.printer.paper_out = True
        kiosk.hardware.devices.scan_once()
        printer = kiosk.service.heartbeat().devices[DeviceKind.RECEIPT_PRINTER]
        assert printer.state is DeviceState.FAULTED
        assert printer.reason == "paper out"
        assert "receipt_printer" not in kiosk.service.devices_available()
    finally:
        kiosk.close()


def test_a_vanished_receipt_folder_is_reported_absent_after_three_scans(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path, printer="file")
    kiosk.start(sync=False)
    try:
        kiosk.config.receipt_dir.rmdir()
        kiosk.hardware.devices.scan_once()
        kiosk.hardware.devices.scan_once()
        assert (
            kiosk.service.heartbeat().devices[DeviceKind.RECEIPT_PRINTER].state is DeviceState.OK
        )  # debounced
        kiosk.hardware.devices.scan_once()
        printer = kiosk.service.heartbeat().devices[DeviceKind.RECEIPT_PRINTER]
        assert printer.state is DeviceState.ABSENT
        assert printer.reason == "not connected"
    finally:
        kiosk.close()


def test_the_id_card_readers_timeout_comes_from_kiosk_toml(tmp_path: Path) -> None:
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    config = dataclasses.replace(
        config, id_card_reader=dataclasses.replace(config.id_card_reader, timeout=5.0)
    )
    slow = build_kiosk(config)
    slow.start(sync=False)
    try:
        assert slow.hardware.reader is not None
        assert slow.hardware.reader.timeout == 5.0
    finally:
        slow.close()


def test_the_heartbeat_counts_the_kiosks_starts_in_the_last_hour(tmp_path: Path) -> None:
    # The supervisor restarted a crashed kiosk: the second start is counted by the first's file.
    for expected in (1, 2):
        kiosk = make_kiosk(tmp_path)
        kiosk.start(sync=False)
        try:
            assert kiosk.service.heartbeat().starts_last_hour == expected
        finally:
            kiosk.close()


def test_a_printer_out_of_paper_puts_the_e_receipt_note_on_the_services_that_print(
    tmp_path: Path,
) -> None:
    from kiosk.messages import text

    kiosk = make_kiosk(tmp_path)
    kiosk.start(sync=False)
    try:
        assert [e.flow.id for e in kiosk.service.menu() if e.note is not None] == []
        assert kiosk.simulators.printer is not None
        kiosk.simulators.printer.paper_out = True
        kiosk.hardware.devices.scan_once()
        noted = {e.flow.id: e.note for e in kiosk.service.menu() if e.note is not None}
        assert "employment_registration" in noted
        assert set(noted.values()) == {text("kiosk.fallback.receipt_printer")}
        kiosk.simulators.printer.paper_out = False
        kiosk.hardware.devices.scan_once()
        assert [e.flow.id for e in kiosk.service.menu() if e.note is not None] == []
    finally:
        kiosk.close()
