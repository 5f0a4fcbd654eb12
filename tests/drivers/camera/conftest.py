"""Shared helpers for the camera tests: simulated cameras of numbered pictures or a QR code,
a scripted capture on a /dev node, and the capture threads running.

The fake clock they pace a source with (`clock=clock, pause=clock.pause`: pausing moves time,
nothing sleeps) and the bounded wait for worker threads are in tests/support."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from drivers.camera.scenes import blank_scene, place, qr_image
from drivers.camera.simulator import SimulatedCamera


def numbered_pictures(count: int, width: int = 160, height: int = 120) -> list[np.ndarray]:
    """Small distinct pictures: picture i is flat grey at level 20 * (i + 1)."""
    return [np.full((height, width, 3), 20 * (i + 1), np.uint8) for i in range(count)]


def picture_index(image: np.ndarray) -> int:
    """Which of `numbered_pictures` an image is (PNG is lossless, so exact)."""
    return int(image[0, 0, 0]) // 20 - 1


@pytest.fixture
def numbered_camera() -> Iterator[SimulatedCamera]:
    """A PNG-sequence camera showing 5 numbered pictures in a loop."""
    with SimulatedCamera(numbered_pictures(5)) as camera:
        yield camera


@pytest.fixture
def qr_camera() -> Iterator[SimulatedCamera]:
    """A PNG-sequence camera showing a tilted UTF-8 Chinese QR code held up to it."""
    picture = place(qr_image("社保卡测试"), blank_scene(320, 240), tilt_deg=20, noise=4)
    with SimulatedCamera([picture]) as camera:
        yield camera


def capture_threads() -> list[threading.Thread]:
    """The camera sources' capture and analysis threads now running."""
    return [t for t in threading.enumerate() if t.name.startswith("camera-")]


# -- a device whose reads fail (no camera in CI: a scripted capture on a /dev node) -----


class ScriptedCapture:
    """Stands in for cv2.VideoCapture on a device: `script` says which reads succeed."""

    def __init__(self, script: list[bool]) -> None:
        self.script = script
        self.released = False
        self.grabbed = False
        self.grabs = self.retrieves = 0

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def grab(self) -> bool:
        ok = self.script.pop(0) if self.script else True
        time.sleep(0.002)  # a camera's grab blocks until its next frame
        self.grabbed = ok
        self.grabs += 1
        return ok

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        self.retrieves += 1
        return (True, np.full((48, 64, 3), 99, np.uint8)) if self.grabbed else (False, None)

    def set(self, prop: int, value: float) -> bool:
        return False

    def get(self, prop: int) -> float:
        return 0.0

    def getBackendName(self) -> str:  # noqa: N802 - OpenCV's name
        return "SCRIPTED"

    def release(self) -> None:
        self.released = True


@pytest.fixture
def device_node() -> Iterator[Path]:
    """A file under /dev (so the spec is a device) standing for a camera's node."""
    node = Path(f"/dev/shm/estation-test-video-{os.getpid()}-{time.monotonic_ns()}")
    node.touch()
    yield node
    node.unlink(missing_ok=True)
