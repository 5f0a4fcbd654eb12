"""`./dev demo --script provisioning`: a technician's first visit to a new kiosk, end to end.

An unprovisioned kiosk of simulators shows its pairing code and announces itself on
loopback; the technician's tool finds it (discover), enrolls it with the controller by the
code on its screen and a station setup, and runs its self-test; the controller then lists it
in its county.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from devkit.controller_process import ControllerProcess
from devkit.kiosk_toml import Stage, write_kiosk_of_simulators
from devkit.release import SecretKey
from devkit.tappers import DemoRig, SelfTestHand
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config

NEW_KIOSK = "demo-kiosk-0002"


def _technician_setup(folder: Path, controller_url: str, code: str) -> Path:
    """The station setup a technician brings: a township of the demo region tree."""
    setup = {
        "controller": {"url": controller_url, "pairing_code": code},
        "station": {"name": "五云街道24小时就业服务e站", "address": "缙云县五云街道示范路1号",
                    "region_code": "331122001", "gps": [28.66, 120.09],
                    "opening_hours": "24h", "help_phone": "0578-3100000"},
        "devices": {"id_card_reader": "simulator", "camera": "simulator",
                    "social_card_reader": "simulator",
                    "receipt_printer": {"kind": "simulator", "path": "receipts"}},
    }  # fmt: skip
    path = folder / "station-setup.json"
    path.write_text(json.dumps(setup, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _shown_code(kiosk: Kiosk) -> str:
    side = kiosk.provisioning
    notice = side.notice() if side is not None else None
    if notice is None:
        raise RuntimeError("the new kiosk shows no pairing code")
    return notice.shown


def run_provisioning(data_dir: Path, controller: ControllerProcess) -> int:
    """A technician's visit on the demo: a new kiosk found on loopback, enrolled with its
    station setup and release key, restarted into its setup and self-tested."""
    from provisioning.cli import main as provision  # noqa: PLC0415 - only this script needs it

    folder = data_dir / "new-kiosk"
    shutil.rmtree(folder, ignore_errors=True)  # from the box each time
    folder.mkdir(parents=True)
    key_file = folder / "demo-release.pub"
    key_file.write_text(SecretKey.generate().public().text(), encoding="ascii")
    config_path = write_kiosk_of_simulators(folder, NEW_KIOSK, Stage.UNPROVISIONED_ON_LOOPBACK)
    loopback = ["--interface", "127.0.0.1", "--seconds", "6"]
    kiosk = build_kiosk(load_config(config_path))
    kiosk.start(sync=False)
    try:
        code = _shown_code(kiosk)
        print(f"new kiosk:           {NEW_KIOSK}, unprovisioned; its screen shows {code}")
        print(f"$ estation-provision discover --until {NEW_KIOSK}", flush=True)
        if provision(["discover", *loopback, "--until", NEW_KIOSK]) != 0:
            print("the new kiosk was not found on loopback")
            return 1
        setup = _technician_setup(folder, controller.wait_ready(), controller.pairing_code())
        print(f"$ estation-provision enroll {NEW_KIOSK} --code {code} --setup {setup}"
              f" --release-key {key_file}", flush=True)  # fmt: skip
        argv = ["enroll", NEW_KIOSK, "--code", code, "--setup", str(setup),
                "--release-key", str(key_file), *loopback]  # fmt: skip
        if provision(argv) != 0:
            return 1
    finally:
        kiosk.close()
    # It restarts into its setup (on a kiosk, systemd starts it again after its status 75);
    # the technician opens maintenance mode for the self-test, and it prints a code.
    print("(the kiosk restarts into its setup; maintenance mode opened on its screen)")
    kiosk = build_kiosk(load_config(config_path))
    kiosk.start(sync=False)
    side = kiosk.provisioning
    if side is None:
        kiosk.close()
        return 1
    side.api.maintenance = lambda: True
    rig = DemoRig(kiosk.simulators)
    hand = SelfTestHand(rig, lambda: side.provisioning.selftest_run).start()
    try:
        code = _shown_code(kiosk)
        print(f"$ estation-provision selftest --kiosk {NEW_KIOSK} --code {code}", flush=True)
        reports = str(folder / "reports")
        argv = ["selftest", "--kiosk", NEW_KIOSK, "--code", code, "--out", reports,
                "--wait", "30", *loopback]  # fmt: skip
        status = provision(argv)
        kiosk_id = side.provisioning.describe()["kiosk_id"]
    finally:
        hand.stop()
        rig.close()
        kiosk.close()
    print(f"in the fleet tree:   {controller.wait_ready()}/kiosks/{kiosk_id}"
          " (缙云县 > 五云街道; its GPS, opening hours and help phone on that page)")  # fmt: skip
    return status
