"""The menu first: what a first tap needs is started before the window opens, the camera,
scans and sync behind the menu's first frame (issue 8, cold start), and a stop during that
background start still leaves nothing running."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config
from drivers.manager import Health
from kiosk.composition import build_kiosk
from kiosk.config import load_config
from kiosk.hardware import Hardware
from tests.controller.controller_testkit import transaction
from wire import TransactionIn, validate

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from pathlib import Path
from kiosk.composition import build_kiosk
from kiosk.config import load_config

kiosk = build_kiosk(load_config(Path(sys.argv[1])))
kiosk.start_for_menu()
print("menu", "cv2" in sys.modules, kiosk.hardware.presence is None)
kiosk.start_rest()
print("rest", "cv2" in sys.modules, kiosk.hardware.presence is not None)
kiosk.close()
"""


def test_opencv_loads_only_after_the_menu_is_ready(tmp_path: Path) -> None:
    # Written here: the demo tools themselves import OpenCV (a camera simulator).
    config = write_kiosk_config(
        tmp_path / "kiosk.toml", "http://127.0.0.1:9", social_card_reader="none"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE, str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(("menu", "rest"))]
    assert lines == ["menu False True", "rest True True"], done.stdout + done.stderr


def test_a_kiosk_started_for_its_menu_takes_a_visit_and_reads_cards(tmp_path: Path) -> None:
    kiosk = build_kiosk(
        load_config(
            write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
        )
    )
    try:
        kiosk.start_for_menu()
        # A first visit can submit: the outbox is open and takes the row on disk.
        key = uuid.uuid4().hex
        kiosk.outbox.add(validate(TransactionIn, transaction(key=key)))
        assert kiosk.outbox.waiting(key)
        assert kiosk.service.menu()  # services on offer without the camera or the controller
        assert kiosk.hardware.reader is not None  # opened by the time the menu had its look
        health = kiosk.hardware.devices.health()
        assert health["id_card_reader"].health == Health.OK  # scanned once: the menu is live
    finally:
        kiosk.close()


def test_the_camera_shows_in_device_health_once_the_rest_has_started(tmp_path: Path) -> None:
    kiosk = build_kiosk(
        load_config(
            write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
        )
    )
    try:
        kiosk.start_for_menu()
        assert "camera" not in {k for k, s in kiosk.hardware.devices.health().items() if s.address}
        kiosk.start_rest(sync=False)
        assert kiosk.hardware.devices.health()["camera"].address
    finally:
        kiosk.close()


def test_a_stop_while_the_rest_starts_behind_the_menu_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    kiosk = build_kiosk(
        load_config(
            write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
        )
    )
    kiosk.start_for_menu()
    kiosk.start_rest_behind()
    kiosk.close()  # at once: the background start may be anywhere
    assert kiosk._rest is not None
    assert not kiosk._rest.is_alive()
    assert kiosk.sync._thread is None or not kiosk.sync._thread.is_alive()
    presence = kiosk.hardware.presence
    assert presence is None or not presence.working


def test_the_devices_open_behind_the_start_and_the_menu_waits_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kiosk = build_kiosk(
        load_config(
            write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
        )
    )
    release, opened = threading.Event(), threading.Event()
    start = Hardware.start

    def slow_start(self: Hardware, *, camera: bool = True) -> None:
        release.wait(30)  # a reader that takes its time to answer
        start(self, camera=camera)
        opened.set()

    monkeypatch.setattr(Hardware, "start", slow_start)
    menus: list[object] = []
    asker = threading.Thread(target=lambda: menus.append(kiosk.service.menu()))
    try:
        kiosk.start_for_menu()  # returns while the devices are still opening
        assert not opened.is_set()
        asker.start()
        asker.join(0.2)
        assert menus == []  # the menu waits for the devices, never shows them unopened
        release.set()
        asker.join(30)
        assert opened.is_set()
        assert menus
        assert menus[0]
    finally:
        release.set()
        kiosk.close()
