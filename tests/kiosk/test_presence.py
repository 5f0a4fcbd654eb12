"""Someone at the kiosk or not, from a simulated camera showing real image files."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from devkit.demo import write_kiosk_config
from drivers.camera import FacePresence
from drivers.camera.scenes import blank_scene, place, schematic_face
from drivers.camera.simulator import SimulatedCamera
from kiosk.composition import build_kiosk
from kiosk.config import load_config
from kiosk.config_model import CameraConfig
from kiosk.presence import RECHECK_SECONDS, PresenceWatch
from tests.support.clock import FakeClock
from tests.support.waiting import wait_until
from wire import DeviceState


def test_a_face_in_front_is_present_and_its_absence_is_timed(tmp_path: Path) -> None:
    person = place(schematic_face(180), blank_scene(seed=1))
    camera = SimulatedCamera([person], fps=30, directory=tmp_path / "cam")
    watch = PresenceWatch(camera.source, window=4, need=2, min_size=60)
    watch.start()
    try:
        assert wait_until(lambda: watch.present() is True)
        assert watch.absent_for() == 0.0
        camera.show([blank_scene(seed=2)])  # the citizen walks away
        assert wait_until(lambda: watch.present() is False)
        away = watch.absent_for()
        assert away is not None
        assert wait_until(lambda: (watch.absent_for() or 0) > away)
    finally:
        watch.stop()
        camera.close()


def test_nobody_seen_yet_is_not_a_walk_away(tmp_path: Path) -> None:
    camera = SimulatedCamera([blank_scene(seed=3)], fps=30, directory=tmp_path / "cam")
    watch = PresenceWatch(camera.source)
    watch.start()
    try:
        assert wait_until(lambda: watch.present() is False)
        assert watch.absent_for() is None  # never seen: no one to have walked away
    finally:
        watch.stop()
        camera.close()


def test_a_camera_that_is_gone_cannot_tell(tmp_path: Path) -> None:
    camera = SimulatedCamera([blank_scene()], fps=30, directory=tmp_path / "cam")
    watch = PresenceWatch(lambda **kw: camera.source(fail_threshold=2, **kw))
    watch.start()
    try:
        assert wait_until(lambda: watch.working)
        camera.disappear()
        assert wait_until(lambda: not watch.working)
        assert watch.present() is None
        assert watch.absent_for() is None
    finally:
        watch.stop()
        camera.close()


def test_the_kiosk_reports_its_camera_and_who_walked_away(tmp_path: Path) -> None:
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    config = dataclasses.replace(config, camera=CameraConfig(kind="simulator"))
    kiosk = build_kiosk(config)
    kiosk.start(sync=False)
    try:
        assert wait_until(lambda: kiosk.service.citizen_absent_for() == 0.0)
        kiosk.hardware.devices.scan_once()
        assert kiosk.service.heartbeat().devices["camera"].state is DeviceState.OK
        assert kiosk.simulators.camera is not None
        kiosk.simulators.camera.show([blank_scene(seed=5)])
        assert wait_until(lambda: (kiosk.service.citizen_absent_for() or 0.0) > 0.0)
    finally:
        kiosk.close()


def test_the_kiosks_camera_watch_analyses_at_the_rate_of_kiosk_toml(tmp_path: Path) -> None:
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    config = dataclasses.replace(config, camera=CameraConfig(kind="simulator", analyse_fps=2))
    kiosk = build_kiosk(config)
    try:
        kiosk.hardware.open_camera()  # as the kiosk does behind the menu (Kiosk.start_rest)
        presence = kiosk.hardware.presence
        assert presence is not None
        assert presence.analyse_fps == 2
    finally:
        kiosk.close()


class _NoSource:
    """A FrameSource stand-in: the test hands frames to the watch's analysis itself."""

    def __init__(self, analyse: Callable[[Any], FacePresence], **_options: object) -> None:
        self.analyse = analyse


def test_the_face_detector_runs_only_when_the_scene_moved_or_to_recheck() -> None:
    clock = FakeClock()
    sources: list[_NoSource] = []
    watch = PresenceWatch(
        lambda **options: sources.append(_NoSource(**options)) or sources[-1], clock=clock
    )
    analyse = sources[0].analyse
    person = place(schematic_face(180), blank_scene(seed=1, noise=0))
    assert analyse(person).present
    for _ in range(5):  # a still scene: the same answer, the detector left alone
        assert analyse(person).present
    assert watch.detections == 1
    brighter = np.clip(person.astype(np.int16) + 2, 0, 255).astype(np.uint8)  # light shifts
    assert analyse(brighter).present
    assert watch.detections == 1
    assert not analyse(blank_scene(seed=2)).present  # the citizen walked away: seen at once
    assert watch.detections == 2
    clock.advance(RECHECK_SECONDS)
    analyse(blank_scene(seed=2))  # unchanged, but rechecked after a while
    assert watch.detections == 3


def test_the_kiosks_camera_decodes_only_the_frames_it_analyses(tmp_path: Path) -> None:
    """Decoding all 10 frames a second of a camera nobody looked at cost most of the rest
    CPU; the presence watch needs `analyse_fps` of them."""
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    config = dataclasses.replace(config, camera=CameraConfig(kind="simulator", analyse_fps=2))
    kiosk = build_kiosk(config)
    kiosk.start(sync=False)
    try:
        presence = kiosk.hardware.presence
        assert presence is not None
        assert wait_until(lambda: presence.analysed >= 6, timeout=20)
        health = presence.health()
        analysed = presence.analysed
    finally:
        kiosk.close()
    assert health.frames >= 2 * health.decoded  # the camera gives 10 a second
    assert health.decoded <= analysed + 2  # one decoded per analysis (and the idle one)


def test_a_kiosk_without_a_camera_never_loads_opencv(tmp_path: Path) -> None:
    """OpenCV is 33 MB of RSS and most of a second to import; a kiosk with no camera
    loaded it anyway through the presence watch's imports."""
    path = write_kiosk_config(
        tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none"
    )  # devkit has cv2
    script = f"""
import dataclasses, sys
from pathlib import Path
from kiosk.composition import build_kiosk
from kiosk.config import CameraConfig, load_config
config = load_config(Path({str(path)!r}))
kiosk = build_kiosk(dataclasses.replace(config, camera=CameraConfig(kind="none")))
kiosk.close()
print("cv2" in sys.modules, "drivers.camera" in sys.modules)
"""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(  # noqa: S603 - our own interpreter on our own script
        [sys.executable, "-c", script],
        capture_output=True, text=True, cwd=root, timeout=120, check=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert done.stdout.split()[-2:] == ["False", "False"]
