"""SimulatedCamera writes what it is given where cv2.VideoCapture reads it back."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from drivers.camera import InvalidFrame, decode_qr
from drivers.camera.scenes import blank_scene, place, qr_image
from drivers.camera.simulator import SimulatedCamera
from tests.drivers.camera.conftest import numbered_pictures


def _read_all(spec: str, api: int = cv2.CAP_ANY) -> list[np.ndarray]:
    capture = cv2.VideoCapture(spec, api)
    frames = []
    for _ in range(100):
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames


def test_png_sequence_reads_back_exactly() -> None:
    pictures = numbered_pictures(4)
    with SimulatedCamera(pictures) as camera:
        read = _read_all(camera.spec, cv2.CAP_IMAGES)
    assert len(read) == 4
    assert all(np.array_equal(a, b) for a, b in zip(read, pictures, strict=True))


def test_mjpg_file_reads_back_close_and_a_qr_survives_jpeg() -> None:
    picture = place(qr_image("MJPG 测试"), blank_scene(320, 240, noise=0))
    with SimulatedCamera([picture] * 3, fmt="mjpg", fps=10) as camera:
        read = _read_all(camera.spec)
    assert len(read) == 3
    assert np.abs(read[0].astype(int) - picture.astype(int)).mean() < 4
    assert [r.text for r in decode_qr(read[0])] == ["MJPG 测试"]


def test_grey_bgra_file_and_pil_pictures_become_bgr(tmp_path: Path) -> None:
    grey = np.full((30, 40), 50, np.uint8)
    bgra = np.zeros((30, 40, 4), np.uint8)
    bgra[..., 2] = 200  # red
    path = tmp_path / "p.png"
    cv2.imwrite(str(path), np.full((30, 40, 3), 90, np.uint8))
    pil = Image.new("RGB", (40, 30), (255, 0, 0))  # red in RGB
    with SimulatedCamera([grey, bgra, path, pil]) as camera:
        frames = camera.frames
    assert all(f.shape == (30, 40, 3) and f.dtype == np.uint8 for f in frames)
    assert frames[0][0, 0].tolist() == [50, 50, 50]
    assert frames[1][0, 0].tolist() == [0, 0, 200]
    assert frames[2][0, 0].tolist() == [90, 90, 90]
    assert frames[3][0, 0].tolist() == [0, 0, 255]


@pytest.mark.parametrize(
    "picture",
    [np.zeros((4, 4), np.float32), np.zeros((4, 4, 2), np.uint8), "no/such/file.png", 42],
)
def test_a_picture_that_is_not_one_is_refused(picture: object) -> None:
    with pytest.raises(InvalidFrame):
        SimulatedCamera([picture])


def test_mjpg_needs_one_size_and_a_camera_needs_a_picture() -> None:
    with pytest.raises(ValueError, match="one size"):
        SimulatedCamera([np.zeros((4, 4), np.uint8), np.zeros((8, 8), np.uint8)], fmt="mjpg")
    with pytest.raises(ValueError, match="at least one"):
        SimulatedCamera([])


def test_show_replaces_the_sequence_and_drops_extra_files() -> None:
    with SimulatedCamera(numbered_pictures(5)) as camera:
        camera.show(numbered_pictures(2))
        files = sorted(p.name for p in camera.directory.iterdir())
        read = _read_all(camera.spec, cv2.CAP_IMAGES)
    assert files == ["frame_000.png", "frame_001.png"]
    assert len(read) == 2


def test_disappear_and_reappear_remove_and_restore_the_files() -> None:
    with SimulatedCamera(numbered_pictures(3)) as camera:
        camera.disappear()
        assert list(camera.directory.iterdir()) == []
        assert not cv2.VideoCapture(camera.spec, cv2.CAP_IMAGES).isOpened()
        camera.reappear()
        assert len(_read_all(camera.spec, cv2.CAP_IMAGES)) == 3


def test_close_removes_its_own_directory_but_not_a_given_one(tmp_path: Path) -> None:
    own = SimulatedCamera(numbered_pictures(1))
    own.close()
    assert not own.directory.exists()
    given = SimulatedCamera(numbered_pictures(1), directory=tmp_path / "cam")
    given.close()
    assert given.directory.exists()
    assert list(given.directory.iterdir()) == []
