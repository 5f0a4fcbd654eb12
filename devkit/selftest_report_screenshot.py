"""Make docs/img/selftest-report.png by running a technician's visit for real.

    python -m devkit.selftest_report_screenshot docs/img/selftest-report.png

A controller process on 127.0.0.1 (throwaway SQLite) and an unprovisioned kiosk of
simulators announcing itself over zeroconf on loopback. `estation-provision enroll` pairs
with the code on the kiosk's screen and binds it with a pairing code from the controller;
the kiosk restarts into its setup (a camera at /dev/video97, which is not there) and, in
maintenance mode, `estation-provision selftest --kiosk` runs the self-test. The PNG it saves
is copied to the path given: a real report, with the missing camera's row saying why.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from devkit.controller_process import ControllerProcess
from devkit.kiosk_toml import Stage, write_kiosk_of_simulators
from devkit.tappers import DemoRig, SelfTestHand
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from provisioning.cli import main as provision

SERIAL = "ES300-2026-000417"
LOOPBACK = ["--interface", "127.0.0.1", "--seconds", "10"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kiosk(config: Path) -> Kiosk:
    kiosk = build_kiosk(load_config(config))
    kiosk.start(sync=False)
    return kiosk


def _code(kiosk: Kiosk) -> str:
    notice = kiosk.provisioning.gate.notice() if kiosk.provisioning else None
    if notice is None:
        raise RuntimeError("the kiosk shows no pairing code")
    return notice.shown


def make(out: Path) -> Path:
    """Run the visit in a temporary folder; copy the report's PNG to `out`."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        controller = ControllerProcess(root / "controller", port=_free_port())
        try:
            url = controller.wait_ready()
            config = write_kiosk_of_simulators(
                root / "kiosk", SERIAL, Stage.UNPROVISIONED_ON_LOOPBACK
            )
            setup = root / "setup.json"
            setup.write_text(
                json.dumps(
                    {
                        "controller": {"url": url, "pairing_code": controller.pairing_code()},
                        "station": {
                            "name": "城关镇便民服务中心",
                            "address": "人民路1号",
                            "region_code": "331122001",
                            "gps": [28.46, 119.92],
                            "opening_hours": "08:00-20:00",
                            "help_phone": "0578-1234567",
                        },
                        "devices": {"id_card_reader": "simulator", "camera": "/dev/video97"},
                    },  # fmt: skip
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
            kiosk = _kiosk(config)
            try:
                argv = ["enroll", SERIAL, "--code", _code(kiosk), "--setup", str(setup)]
                if provision([*argv, *LOOPBACK]) != 0:
                    raise RuntimeError("enroll failed")
            finally:
                kiosk.close()
            kiosk = _kiosk(config)
            if kiosk.provisioning is None:
                raise RuntimeError("the kiosk's provisioning API is off")
            kiosk.provisioning.api.maintenance = lambda: True
            # The technician's hands: the ID card laid when the self-test asks for it.
            side = kiosk.provisioning
            rig = DemoRig(kiosk.simulators)
            hand = SelfTestHand(rig, lambda: side.provisioning.selftest_run).start()
            try:
                argv = ["selftest", "--kiosk", SERIAL, "--code", _code(kiosk), "--wait", "20"]
                provision([*argv, "--out", str(root / "reports"), *LOOPBACK])
            finally:
                hand.stop()
                rig.close()
                kiosk.close()
        finally:
            controller.stop()
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / "reports" / f"selftest-{SERIAL}.png", out)
    return out


def cli(argv: Sequence[str] | None = None) -> int:
    """`python -m devkit.selftest_report_screenshot OUT.png`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    sys.stdout.write(f"{make(parser.parse_args(argv).out)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
