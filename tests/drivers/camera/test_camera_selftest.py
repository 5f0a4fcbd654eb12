"""check_camera on simulated cameras: a working one, a missing one, a black one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from drivers.camera.selftest import check_camera
from drivers.camera.simulator import SimulatedCamera


def test_working_camera_passes_with_size_and_rate(qr_camera: SimulatedCamera) -> None:
    check = check_camera(qr_camera.spec, frames=4, timeout=5)
    assert check.ok, check.detail
    assert check.device == "camera"
    assert check.detail.startswith("320x240 at ")
    assert "fps" in check.detail


def test_missing_camera_fails_with_the_reason(tmp_path: Path) -> None:
    check = check_camera(tmp_path / "gone_%03d.png", timeout=1)
    assert not check.ok
    assert check.detail.startswith("CameraUnavailable: no ")
    assert check.millis < 3000


def test_black_picture_fails_as_covered_lens() -> None:
    with SimulatedCamera([np.zeros((120, 160, 3), np.uint8)]) as camera:
        check = check_camera(camera.spec, timeout=5)
    assert not check.ok
    assert "black frames" in check.detail


def test_nonsense_spec_fails_as_invalid_source() -> None:
    check = check_camera(-3)
    assert not check.ok
    assert check.detail.startswith("InvalidSource: ")
