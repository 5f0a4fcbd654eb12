"""What the enrollment end-to-end tests share: the kiosk from the box, announced on
loopback (so these tests use loopback mDNS: tests/support/parallel.py), its pairing code,
the station setup a technician brings, and the controller's rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from devkit.kiosk_toml import Stage, write_kiosk_of_simulators
from devkit.release import SecretKey
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from tests.support.servers import ControllerProcess

# The longest the CLI looks for a kiosk; it goes on as soon as the kiosk answered.
LOOPBACK = ["--interface", "127.0.0.1", "--seconds", "8"]


def serial_of(tmp_path: Path) -> str:
    """The serial of the test's kiosk: the test's own (its folder's name), as a serial is."""
    return "SN-" + tmp_path.name.replace("_", "-")


def new_kiosk(tmp_path: Path) -> Kiosk:
    """The test's kiosk from its config (written from the box once), started."""
    path = tmp_path / "kiosk" / "kiosk.toml"
    if not path.exists():
        write_kiosk_of_simulators(path.parent, serial_of(tmp_path), Stage.UNPROVISIONED_ON_LOOPBACK)
    kiosk = build_kiosk(load_config(path))
    kiosk.start(sync=False)
    return kiosk


def shown_code(kiosk: Kiosk) -> str:
    """The pairing code on the kiosk's screen now."""
    assert kiosk.provisioning is not None
    notice = kiosk.provisioning.gate.notice()
    assert notice is not None
    return notice.shown


# A village of the demo region tree the controller process seeds (多福巷社区).
VILLAGE = "110101001001"


def station_setup(
    tmp_path: Path, controller: ControllerProcess, camera: str = "none", **devices: Any
) -> Path:
    """The station setup a technician brings, written to the test's folder."""
    path = tmp_path / "setup.json"
    setup = {
        "controller": {"url": controller.wait_ready(), "pairing_code": controller.pairing_code()},
        "station": {"name": "东区大厅", "address": "人民路1号", "region_code": VILLAGE,
                    "gps": [39.92, 116.41], "opening_hours": "24h", "help_phone": "0578-1234567"},
        "devices": {"id_card_reader": "simulator", "camera": camera, **devices},
    }  # fmt: skip
    path.write_text(json.dumps(setup, ensure_ascii=False), encoding="utf-8")
    return path


def kiosk_row(controller: ControllerProcess, serial: str, columns: str) -> tuple[Any, ...]:
    """`columns` of the kiosk's row in the controller's database."""
    db = sqlite3.connect(controller.data_dir / "controller.db")
    try:
        row = db.execute(f"SELECT {columns} FROM kiosks WHERE hardware_id = ?", (serial,))  # noqa: S608 - the tests' own column names
        return tuple(row.fetchone())
    finally:
        db.close()


def selftest_row(controller: ControllerProcess, serial: str) -> tuple[str | None, str]:
    """The self-test report the controller holds for the kiosk, and its state."""
    report, state = kiosk_row(controller, serial, "selftest_report, state")
    return report, state


def release_key(tmp_path: Path) -> tuple[Path, str]:
    """A release public key file, as `estation-release keygen` writes it; its id."""
    public = SecretKey.generate().public()
    path = tmp_path / "estation-release.pub"
    path.write_text(public.text(), encoding="ascii")
    return path, public.key_id_hex
