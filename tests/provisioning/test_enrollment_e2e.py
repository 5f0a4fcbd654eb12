"""A technician's whole visit, every hop real: zeroconf on loopback, the kiosk's API over
HTTP, a real controller process, the kiosk on simulators; the cards and the QR code the
self-test asks for are laid on the simulators by devkit's `SelfTestHand` (the self-test with
a social security card, and so the PC/SC service, is in test_enrollment_selftest_e2e.py)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from drivers.idcard.fixtures import FIXTURES
from provisioning.cli import main
from provisioning.kiosk_api import KioskApi, KioskGone, KioskRefused
from tests.provisioning.enrollment_kit import (
    LOOPBACK,
    VILLAGE,
    kiosk_row,
    new_kiosk,
    release_key,
    selftest_row,
    serial_of,
    shown_code,
    station_setup,
)
from tests.support.servers import ControllerProcess, free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


def test_an_unprovisioned_kiosk_is_found_enrolled_and_self_tested(
    tmp_path: Path,
    controller: ControllerProcess,
    capsys: pytest.CaptureFixture[str],
    hand_for: Any,
) -> None:
    serial = serial_of(tmp_path)
    kiosk = new_kiosk(tmp_path)
    try:
        assert main(["discover", *LOOPBACK, "--until", serial]) == 0
        listed = capsys.readouterr().out
        assert serial in listed
        assert "unprovisioned" in listed

        setup = station_setup(tmp_path, controller, camera="/dev/video97")
        key_file, key_id = release_key(tmp_path)
        argv = ["enroll", serial, "--code", shown_code(kiosk), "--setup", str(setup),
                "--release-key", str(key_file), *LOOPBACK]  # fmt: skip
        assert main(argv) == 0
        said = capsys.readouterr().out
        assert "enrolled as" in said
        assert f"release key {key_id} pinned" in said
        assert (kiosk.config.data_dir / "release.pub").read_text("ascii") == key_file.read_text()
        assert selftest_row(controller, serial) == (None, "active")
        # the station's site reached the controller: in its village of the fleet tree
        assert kiosk_row(controller, serial, "region_code, site, address") == (
            VILLAGE, "东区大厅", "人民路1号"
        )  # fmt: skip
        # and the rest of the station's facts, for its page on the controller
        facts = "latitude, longitude, opening_hours, help_phone"
        assert kiosk_row(controller, serial, facts) == (39.92, 116.41, "24h", "0578-1234567")
        # idempotent on the serial: running it again changes nothing and adds no kiosk
        assert main(argv) == 0
        assert "already enrolled" in capsys.readouterr().out
    finally:
        kiosk.close()

    # The kiosk restarts into its setup (camera /dev/video97, which is not there); the
    # technician puts it in maintenance mode to run the self-test and lays a test ID card.
    kiosk = new_kiosk(tmp_path)
    assert kiosk.config.controller_url == controller.wait_ready()
    assert kiosk.config.help_phone == "0578-1234567"  # the one-key help shows it
    assert kiosk.provisioning is not None
    kiosk.provisioning.api.maintenance = lambda: True
    hand = hand_for(kiosk)
    try:
        out = tmp_path / "reports"
        argv = ["selftest", "--kiosk", serial, "--code", shown_code(kiosk), "--out", str(out),
                "--wait", "5"]  # fmt: skip
        assert main([*argv, *LOOPBACK]) == 1  # the camera is missing
        printed = capsys.readouterr().out
    finally:
        kiosk.close()
    report = json.loads((out / f"selftest-{serial}.json").read_text(encoding="utf-8"))
    by_device = {c["device"]: c for c in report["checks"]}
    assert by_device["camera"]["ok"] is False
    assert "/dev/video97" in by_device["camera"]["detail"]
    assert by_device["camera.qr"]["ok"] is False
    assert "/dev/video97" in by_device["camera.qr"]["detail"]
    assert by_device["controller"]["ok"] is True
    assert by_device["receipt_printer.print"]["ok"] is True
    # the card the hand laid, masked: never its number or name in clear
    card = FIXTURES[0]
    read = by_device["id_card_reader.read"]
    assert read["ok"] is True
    assert f"{card.id_number[:3]}{'*' * 11}{card.id_number[-4:]}" in read["detail"]
    assert f"{card.name[0]}*" in read["detail"]
    assert "id_card_reader.read" in hand.answered
    text = json.dumps(report, ensure_ascii=False) + printed
    assert card.id_number not in text
    assert card.name not in text
    assert report["kiosk"]["release_key"] == key_id
    assert f"release key: {key_id} pinned" in printed
    assert "FAIL camera" in printed
    assert (out / f"selftest-{serial}.png").stat().st_size > 1000
    stored, _ = selftest_row(controller, serial)
    assert stored is not None
    assert json.loads(stored)["checks"][0]["device"] == "receipt_printer.print"


def test_a_card_never_laid_fails_its_check_saying_so_with_the_wait_shown(
    tmp_path: Path, controller: ControllerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    serial = serial_of(tmp_path)
    kiosk = new_kiosk(tmp_path)
    try:
        setup = station_setup(tmp_path, controller)
        assert (
            main(["enroll", serial, "--code", shown_code(kiosk), "--setup", str(setup), *LOOPBACK])
            == 0
        )
        said = capsys.readouterr().out
        assert "release key not pinned: this kiosk will not take updates" in said
        assert kiosk.provisioning is not None
        kiosk.provisioning.api.maintenance = lambda: True
        out = tmp_path / "reports"
        argv = ["selftest", "--kiosk", serial, "--code", shown_code(kiosk), "--out", str(out),
                "--wait", "1.5", *LOOPBACK]  # fmt: skip
        assert main(argv) == 1
        captured = capsys.readouterr()
    finally:
        kiosk.close()
    # piped: one progress line per step, the prompt with it
    assert "id_card_reader.read: 请将身份证放在读卡区 Lay an ID card on the reader" in captured.err
    report = json.loads((out / f"selftest-{serial}.json").read_text(encoding="utf-8"))
    [read] = [c for c in report["checks"] if c["device"] == "id_card_reader.read"]
    assert read["ok"] is False
    assert read["detail"] == "no ID card was laid on the reader in 2 s"
    assert "FAIL id_card_reader.read" in captured.out
    assert report["kiosk"]["release_key"] == ""


def test_two_technicians_pairing_at_once_one_wins_and_a_replayed_code_fails(
    tmp_path: Path,
) -> None:
    kiosk = new_kiosk(tmp_path)
    assert kiosk.provisioning is not None
    url = f"http://127.0.0.1:{kiosk.provisioning.api.port}"
    code = shown_code(kiosk)
    results: list[str] = []

    def technician() -> None:
        api = KioskApi(url)
        try:
            api.pair(code)
            results.append("paired")
        except KioskRefused as err:
            results.append(err.code)
        finally:
            api.close()

    try:
        threads = [threading.Thread(target=technician) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["paired", "pairing_code_refused"]
    finally:
        kiosk.close()


def test_a_wrong_setup_is_refused_naming_the_key(tmp_path: Path) -> None:
    kiosk = new_kiosk(tmp_path)
    assert kiosk.provisioning is not None
    api = KioskApi(f"http://127.0.0.1:{kiosk.provisioning.api.port}")
    try:
        api.pair(shown_code(kiosk))
        bad = {"controller": {"url": f"http://127.0.0.1:{free_port()}"},
               "station": {"name": "x"}}  # fmt: skip
        with pytest.raises(KioskRefused) as err:
            api.configure(bad)
        assert err.value.key == "controller.url"
        assert "unreachable" in str(err.value)
    finally:
        api.close()
        kiosk.close()


def test_a_kiosk_that_disappears_mid_enrollment_is_reported_gone(tmp_path: Path) -> None:
    kiosk = new_kiosk(tmp_path)
    assert kiosk.provisioning is not None
    api = KioskApi(f"http://127.0.0.1:{kiosk.provisioning.api.port}", timeout=3)
    try:
        api.pair(shown_code(kiosk))
        kiosk.close()  # unplugged after pairing, before the setup arrives
        with pytest.raises(KioskGone):
            api.configure({"station": {"name": "x"}})
    finally:
        api.close()


def test_an_invalid_csv_row_is_reported_and_the_others_go_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "stations.csv"
    rows.write_text(
        "serial,kiosk_code,controller_url,name,latitude,longitude\n"
        "SN-A,ABC-DEF,http://10.0.0.5:8000,东区,north,119.9\n"
        "SN-B,,http://10.0.0.5:8000,西区,,\n",
        encoding="utf-8",
    )
    assert main(["bulk", str(rows), "--url", "http://127.0.0.1:9"]) == 1
    out = capsys.readouterr().out
    assert "0 enrolled, 2 failed" in out
    assert "line 2 (SN-A): columns latitude, longitude are not numbers" in out
    assert "line 3 (SN-B): column kiosk_code is empty" in out


def test_a_factory_reset_kiosk_restarts_unprovisioned_and_is_found_again(
    tmp_path: Path, controller: ControllerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    serial = serial_of(tmp_path)
    kiosk = new_kiosk(tmp_path)
    try:
        setup = station_setup(tmp_path, controller)
        assert (
            main(["enroll", serial, "--code", shown_code(kiosk), "--setup", str(setup), *LOOPBACK])
            == 0
        )
        assert "it restarts into its setup now" in capsys.readouterr().out
    finally:
        kiosk.close()
    kiosk = new_kiosk(tmp_path)  # systemd started it again, enrolled
    assert kiosk.provisioning is not None
    side = kiosk.provisioning
    assert side.provisioning.state() == "active"
    receipts = kiosk.config.data_dir / "receipts"

    def pairing_receipts() -> set[Path]:
        return set(receipts.glob("pairing-*.escpos"))

    printed_before = pairing_receipts()
    side.api.maintenance = lambda: True  # the technician opened maintenance mode
    try:
        # pairing opened: a code is printed for the technician without anyone asking
        assert wait_until(
            lambda: set(receipts.glob("pairing-*.escpos")) - printed_before, timeout=10
        )
        [printed] = set(receipts.glob("pairing-*.escpos")) - printed_before
        assert printed.name.startswith(f"pairing-{shown_code(kiosk).replace('-', '')}")
        argv = ["reset", serial, "--code", shown_code(kiosk), "--yes", *LOOPBACK]
        assert main(argv) == 0
        said = capsys.readouterr().out
        assert f"{serial}: factory reset; it restarts now and announces itself unprovisioned" in (
            said
        )
        # the running kiosk asks its UI to end with the status systemd restarts
        assert wait_until(side.restart_due, timeout=10)
        assert sorted(p.name for p in kiosk.config.data_dir.iterdir()) == []
    finally:
        kiosk.close()
    kiosk = new_kiosk(tmp_path)  # started again by systemd: from the box, waiting for a technician
    try:
        assert kiosk.config.controller_url == ""
        assert kiosk.provisioning is not None
        assert kiosk.provisioning.provisioning.state() == "unprovisioned"
        assert kiosk.provisioning.notice() is not None  # a new code on its screen and printer
        assert main(["discover", *LOOPBACK, "--until", serial]) == 0
        assert f"{serial}\tunprovisioned" in capsys.readouterr().out
    finally:
        kiosk.close()


def test_a_kiosk_that_does_not_answer_is_reported_on_its_line_like_a_bad_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "stations.csv"
    rows.write_text(
        "serial,kiosk_code,controller_url,name\n"
        "SN-B,,http://10.0.0.5:8000,西区\n"
        "SN-C,ABC-DEF,http://10.0.0.5:8000,南区\n",
        encoding="utf-8",
    )
    assert main(["bulk", str(rows), "--url", "http://127.0.0.1:9"]) == 1
    out = capsys.readouterr().out
    assert "0 enrolled, 2 failed" in out
    assert "line 2 (SN-B): column kiosk_code is empty" in out
    assert "line 3 (SN-C): http://127.0.0.1:9 did not answer" in out


def test_a_region_the_controllers_tree_lacks_is_named_and_the_next_code_enrolls(
    tmp_path: Path, controller: ControllerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    serial = serial_of(tmp_path)
    kiosk = new_kiosk(tmp_path)
    try:
        setup = station_setup(tmp_path, controller)
        data = json.loads(setup.read_text(encoding="utf-8"))
        data["station"]["region_code"] = "331122002"  # in GB/T 2260, not in the demo tree
        setup.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        code = shown_code(kiosk)
        argv = ["enroll", serial, "--setup", str(setup), *LOOPBACK]
        assert main([*argv, "--code", code]) == 1
        err = capsys.readouterr().err
        assert (
            f"{serial}: setup refused: station.region_code: Region 331122002 is not in the"
            " region tree" in err
        )
        assert "allowed: a region of the controller's region tree" in err
        # the code on the kiosk's screen was used; the same one again says what to do
        assert main([*argv, "--code", code]) == 1
        assert "type the one on the kiosk's screen now (each code works once)" in (
            capsys.readouterr().err
        )
        data["station"]["region_code"] = VILLAGE  # fixed; the controller's code still works
        setup.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert main([*argv, "--code", shown_code(kiosk)]) == 0
        assert kiosk_row(controller, serial, "region_code") == (VILLAGE,)
    finally:
        kiosk.close()
