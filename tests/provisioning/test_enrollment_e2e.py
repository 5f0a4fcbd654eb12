"""A technician's whole visit, every hop real: zeroconf on loopback, the kiosk's API over
HTTP, a real controller process, the kiosk on simulators."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from provisioning.cli import main
from provisioning.kiosk_api import KioskApi, KioskGone, KioskRefused
from tests.support.servers import ControllerProcess, free_port

pytestmark = pytest.mark.e2e

SERIAL = "SN-E2E-0001"
LOOPBACK = ["--interface", "127.0.0.1", "--seconds", "8"]

KIOSK_TOML = f"""
[kiosk]
hardware_id = "{SERIAL}"
name = "new terminal"
data_dir = "data"

[provisioning]
enabled = true
host = "127.0.0.1"
port = 0
addresses = ["127.0.0.1"]

[id_card_reader]
kind = "simulator"
"""


@pytest.fixture
def controller(tmp_path: Path) -> Iterator[ControllerProcess]:
    proc = ControllerProcess(tmp_path / "controller", port=free_port())
    proc.wait_ready()
    yield proc
    proc.stop()


def _kiosk(tmp_path: Path) -> Kiosk:
    path = tmp_path / "kiosk" / "kiosk.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(KIOSK_TOML, encoding="utf-8")
    kiosk = build_kiosk(load_config(path))
    kiosk.start(sync=False)
    return kiosk


def _code(kiosk: Kiosk) -> str:
    assert kiosk.provisioning is not None
    notice = kiosk.provisioning.gate.notice()
    assert notice is not None
    return notice.shown


def _setup(tmp_path: Path, controller: ControllerProcess, camera: str = "none") -> Path:
    path = tmp_path / "setup.json"
    setup = {
        "controller": {"url": controller.wait_ready(), "pairing_code": controller.pairing_code()},
        "station": {"name": "东区大厅", "address": "人民路1号", "region_code": "331122001001",
                    "gps": [28.46, 119.92], "opening_hours": "24h", "help_phone": "0578-1234567"},
        "devices": {"id_card_reader": "simulator", "camera": camera},
    }  # fmt: skip
    path.write_text(json.dumps(setup, ensure_ascii=False), encoding="utf-8")
    return path


def _selftest_row(controller: ControllerProcess) -> tuple[str | None, str]:
    db = sqlite3.connect(controller.data_dir / "controller.db")
    try:
        row = db.execute(
            "SELECT selftest_report, state FROM kiosks WHERE hardware_id = ?", (SERIAL,)
        ).fetchone()
    finally:
        db.close()
    return row[0], row[1]


def test_an_unprovisioned_kiosk_is_found_enrolled_and_self_tested(
    tmp_path: Path, controller: ControllerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    kiosk = _kiosk(tmp_path)
    try:
        assert main(["discover", *LOOPBACK]) == 0
        listed = capsys.readouterr().out
        assert SERIAL in listed
        assert "unprovisioned" in listed

        setup = _setup(tmp_path, controller, camera="/dev/video97")
        argv = ["enroll", SERIAL, "--code", _code(kiosk), "--setup", str(setup), *LOOPBACK]
        assert main(argv) == 0
        assert "enrolled as" in capsys.readouterr().out
        assert _selftest_row(controller) == (None, "active")
        # idempotent on the serial: running it again changes nothing and adds no kiosk
        assert main(argv) == 0
        assert "already enrolled" in capsys.readouterr().out
    finally:
        kiosk.close()

    # The kiosk restarts into its setup (camera /dev/video97, which is not there); the
    # technician puts it in maintenance mode to run the self-test.
    kiosk = _kiosk(tmp_path)
    assert kiosk.config.controller_url == controller.wait_ready()
    assert kiosk.provisioning is not None
    kiosk.provisioning.api.maintenance = lambda: True
    try:
        out = tmp_path / "reports"
        argv = ["selftest", "--kiosk", SERIAL, "--code", _code(kiosk), "--out", str(out)]
        assert main([*argv, *LOOPBACK]) == 1  # the camera is missing
        printed = capsys.readouterr().out
    finally:
        kiosk.close()
    report = json.loads((out / f"selftest-{SERIAL}.json").read_text(encoding="utf-8"))
    by_device = {c["device"]: c for c in report["checks"]}
    assert by_device["camera"]["ok"] is False
    assert "/dev/video97" in by_device["camera"]["detail"]
    assert by_device["controller"]["ok"] is True
    assert by_device["receipt_printer.print"]["ok"] is True
    assert "FAIL camera" in printed
    assert (out / f"selftest-{SERIAL}.png").stat().st_size > 1000
    stored, _ = _selftest_row(controller)
    assert stored is not None
    assert json.loads(stored)["checks"][0]["device"] == "receipt_printer.print"


def test_two_technicians_pairing_at_once_one_wins_and_a_replayed_code_fails(
    tmp_path: Path,
) -> None:
    kiosk = _kiosk(tmp_path)
    assert kiosk.provisioning is not None
    url = f"http://127.0.0.1:{kiosk.provisioning.api.port}"
    code = _code(kiosk)
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
    kiosk = _kiosk(tmp_path)
    assert kiosk.provisioning is not None
    api = KioskApi(f"http://127.0.0.1:{kiosk.provisioning.api.port}")
    try:
        api.pair(_code(kiosk))
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
    kiosk = _kiosk(tmp_path)
    assert kiosk.provisioning is not None
    api = KioskApi(f"http://127.0.0.1:{kiosk.provisioning.api.port}", timeout=3)
    try:
        api.pair(_code(kiosk))
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
