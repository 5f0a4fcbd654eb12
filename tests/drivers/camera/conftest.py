"""Shared helpers for the camera tests: simulated cameras of numbered pictures or a QR code.

The fake clock they pace a source with (`clock=clock, pause=clock.pause`: pausing moves time,
nothing sleeps) and the bounded wait for worker threads are in tests/support."""

from __future__ import annotations

from collections.abc import Iterator

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
