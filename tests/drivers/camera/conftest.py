"""Shared helpers for the camera tests: a simulated camera of numbered QR scenes, a fake
clock that moves time instead of sleeping, and a bounded wait for worker threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from drivers.camera.scenes import blank_scene, place, qr_image
from drivers.camera.simulator import SimulatedCamera


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `condition` until it holds or `timeout` (real seconds) passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def numbered_pictures(count: int, width: int = 160, height: int = 120) -> list[np.ndarray]:
    """Small distinct pictures: picture i is flat grey at level 20 * (i + 1)."""
    return [np.full((height, width, 3), 20 * (i + 1), np.uint8) for i in range(count)]


def picture_index(image: np.ndarray) -> int:
    """Which of `numbered_pictures` an image is (PNG is lossless, so exact)."""
    return int(image[0, 0, 0]) // 20 - 1


class FakeClock:
    """`clock` and `pause` for a FrameSource: pausing moves time, nothing sleeps.

    `pause` yields the GIL for a moment so a test thread can still stop the source.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def pause(self, seconds: float) -> None:
        with self._lock:
            self.pauses.append(seconds)
            self.now += seconds
        time.sleep(0.0005)


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
