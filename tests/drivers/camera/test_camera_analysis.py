"""decode_qr and face_present on synthetic frames: what is found, what is not, what raises."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from drivers.camera import (
    CameraError,
    InvalidFrame,
    QrResult,
    as_grey,
    decode_qr,
    face_present,
)
from drivers.camera.scenes import (
    blank_scene,
    faceless_head,
    place,
    qr_image,
    qr_modules,
    schematic_face,
)
from kiosk.messages import for_error

CHINESE = "电子社保卡：人社部测试 12345"
KANJI = "漢字モード試験"


def _scene(picture: np.ndarray, **kwargs: float) -> np.ndarray:
    return place(picture, blank_scene(seed=1, noise=3), **kwargs)  # type: ignore[arg-type]


# -- QR ---------------------------------------------------------------------------------


def test_utf8_chinese_qr_decodes_to_bytes_and_text() -> None:
    (result,) = decode_qr(_scene(qr_image(CHINESE)))
    assert result.payload == CHINESE.encode("utf-8")
    assert result.text == CHINESE
    assert result.encoding == "utf-8"


def test_opencv_text_api_raises_on_kanji_mode_which_is_why_we_read_bytes() -> None:
    frame = _scene(qr_image(KANJI, kanji=True))
    with pytest.raises(UnicodeDecodeError):
        cv2.QRCodeDetector().detectAndDecode(frame)


def test_kanji_mode_qr_decodes_as_shift_jis_without_exception() -> None:
    (result,) = decode_qr(_scene(qr_image(KANJI, kanji=True)))
    assert result.payload == KANJI.encode("shift_jis")
    assert result.text == KANJI
    assert result.encoding == "shift_jis"


@pytest.mark.parametrize(
    ("tilt", "turn", "blur", "noise"),
    [(35, 0, 0.0, 10), (-30, 25, 1.0, 12), (20, -40, 1.5, 8), (45, 15, 0.5, 15)],
)
def test_tilted_noisy_qr_on_clutter_decodes(
    tilt: float, turn: float, blur: float, noise: float
) -> None:
    scene = blank_scene(seed=3, clutter=0.8, noise=noise)
    frame = place(
        qr_image(CHINESE), scene, height_fraction=0.6, tilt_deg=tilt, turn_deg=turn,
        blur=blur, noise=noise, seed=7,
    )  # fmt: skip
    assert [r.text for r in decode_qr(frame)] == [CHINESE]


def test_scene_without_code_gives_empty_list() -> None:
    assert decode_qr(blank_scene(seed=2, clutter=1.0, noise=8)) == []


def _damaged_qr(payload: str, share: float) -> np.ndarray:
    """A QR code with `share` of its data modules flipped; finders and timing intact."""
    modules = qr_modules(payload, error_correction="L")
    n, quiet = modules.shape[0], 4
    keep = np.ones_like(modules)
    keep[quiet:-quiet, quiet:-quiet] = False
    for rows, cols in ((slice(0, quiet + 8), slice(0, quiet + 8)),
                       (slice(0, quiet + 8), slice(n - quiet - 8, n)),
                       (slice(n - quiet - 8, n), slice(0, quiet + 8))):  # fmt: skip
        keep[rows, cols] = True  # finder patterns and their separators
    keep[quiet + 6, :] = keep[:, quiet + 6] = True  # timing patterns
    flip = np.random.default_rng(0).random(modules.shape) < share
    damaged = np.where(flip & ~keep, ~modules, modules)
    grey = np.repeat(np.repeat(np.where(damaged, 0, 255).astype(np.uint8), 6, 0), 6, 1)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def test_qr_found_but_damaged_beyond_error_correction_gives_empty_list() -> None:
    frame = _scene(_damaged_qr(CHINESE, share=0.3))
    # Both OpenCV detectors locate it and fail to decode it: the path under test.
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    assert cv2.QRCodeDetector().detectAndDecodeBytesMulti(grey)[:2] == (True, [b""])
    assert decode_qr(frame) == []


def test_slightly_damaged_qr_is_repaired_by_error_correction() -> None:
    assert not np.array_equal(_damaged_qr(CHINESE, share=0.005), _damaged_qr(CHINESE, share=0))
    assert [r.text for r in decode_qr(_scene(_damaged_qr(CHINESE, share=0.005)))] == [CHINESE]


def test_far_too_blurred_qr_gives_empty_list() -> None:
    assert decode_qr(_scene(qr_image(CHINESE), blur=12.0)) == []


@pytest.mark.parametrize(
    ("height", "width", "square"),
    [(160, 160, 1), (480, 640, 8)],
    ids=["160 px, 1 px squares", "640 x 480, 8 px squares (a checked shirt)"],
)
def test_checkerboard_frame_is_searched_in_bounded_time(
    height: int, width: int, square: int
) -> None:
    # OpenCV's ArUco QR detector took 13 s and 0.5 s on these with its default settings.
    rows, cols = np.indices((height, width)) // square
    frame = ((rows + cols) % 2 * 255).astype(np.uint8)
    started = time.perf_counter()
    assert decode_qr(frame) == []
    assert time.perf_counter() - started < 2.0


def test_two_codes_in_one_frame_are_both_read() -> None:
    scene = blank_scene(800, 400, seed=4)
    scene = place(qr_image("第一张"), scene, height_fraction=0.6, center=(0.27, 0.5))
    scene = place(qr_image("第二张"), scene, height_fraction=0.6, center=(0.73, 0.5))
    assert sorted(r.text or "" for r in decode_qr(scene)) == ["第一张", "第二张"]


def test_corners_lie_on_the_code() -> None:
    frame = _scene(qr_image("corners"), height_fraction=0.5, center=(0.5, 0.5))
    (result,) = decode_qr(frame)
    xs = [x for x, _ in result.corners]
    ys = [y for _, y in result.corners]
    assert len(result.corners) == 4
    # The code (without its quiet zone) sits inside the placed 240 px square at the centre.
    assert 200 < min(xs) < max(xs) < 440
    assert 120 < min(ys) < max(ys) < 360


def test_gbk_byte_mode_payload_comes_back_transcoded_by_opencv() -> None:
    # Pinned OpenCV >= 4.9 behaviour (see QrResult): non-UTF-8 bytes are read as
    # ISO-8859-1. If an upgrade returns the raw GBK bytes, this test says so.
    gbk = "社保".encode("gbk")
    (result,) = decode_qr(_scene(qr_image(gbk)))
    assert result.payload == gbk.decode("latin-1").encode("utf-8")


def test_grey_and_bgra_frames_decode_like_bgr() -> None:
    frame = _scene(qr_image(CHINESE))
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA)
    for variant in (grey, grey[..., None], bgra):
        assert [r.text for r in decode_qr(variant)] == [CHINESE]


def test_repr_of_a_result_does_not_show_the_payload() -> None:
    result = QrResult(CHINESE.encode(), CHINESE, "utf-8", ())
    assert "社保" not in repr(result)
    assert str(len(CHINESE.encode())) in repr(result)


# -- faces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "height_fraction", "center"),
    [(200, 0.6, (0.5, 0.5)), (120, 0.3, (0.25, 0.4)), (300, 0.9, (0.5, 0.5))],
)
def test_drawn_face_is_present_with_its_box(
    size: int, height_fraction: float, center: tuple[float, float]
) -> None:
    frame = place(
        schematic_face(size), blank_scene(seed=5, noise=4),
        height_fraction=height_fraction, center=center, noise=4,
    )  # fmt: skip
    presence = face_present(frame)
    assert presence.present
    assert presence.count == 1
    box = presence.largest
    assert box is not None
    cx, cy = center[0] * 640, center[1] * 480
    assert abs(box.x + box.width / 2 - cx) < 0.15 * height_fraction * 480
    assert abs(box.y + box.height / 2 - cy) < 0.2 * height_fraction * 480


def test_drawn_faces_are_found_across_sizes_contrasts_and_noise() -> None:
    rng = np.random.default_rng(11)
    for i in range(12):
        face = schematic_face(
            int(rng.integers(100, 300)),
            skin=int(rng.integers(160, 230)),
            dark=int(rng.integers(10, 70)),
            bg=int(rng.integers(40, 160)),
        )
        noise = float(rng.uniform(0, 12))
        frame = place(
            face, blank_scene(seed=i, clutter=float(rng.uniform(0, 0.5)), noise=noise),
            height_fraction=float(rng.uniform(0.3, 0.9)),
            center=(float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.4, 0.6))),
            noise=noise, seed=i,
        )  # fmt: skip
        assert face_present(frame).present, f"scene {i}"


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(blank_scene(seed=6), id="empty wall"),
        pytest.param(blank_scene(seed=6, clutter=0.5, noise=8), id="clutter"),
        pytest.param(
            place(faceless_head(200), blank_scene(seed=6), height_fraction=0.6), id="head"
        ),
        pytest.param(place(qr_image(CHINESE), blank_scene(seed=6)), id="qr code"),
    ],
)
def test_no_face_is_absent(frame: np.ndarray) -> None:
    presence = face_present(frame)
    assert not presence.present
    assert presence.count == 0
    assert presence.largest is None


def test_two_faces_are_counted_and_the_largest_reported() -> None:
    scene = blank_scene(seed=8)
    scene = place(schematic_face(200), scene, height_fraction=0.7, center=(0.3, 0.5))
    scene = place(schematic_face(200), scene, height_fraction=0.4, center=(0.75, 0.5))
    presence = face_present(scene)
    assert presence.count == 2
    assert presence.largest is not None
    assert presence.largest.x < 320  # the bigger one is on the left


def test_min_size_ignores_faces_smaller_than_it() -> None:
    frame = place(schematic_face(200), blank_scene(seed=9), height_fraction=0.3)
    assert face_present(frame, min_size=60).present
    assert not face_present(frame, min_size=200).present


def test_face_options_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="min_size"):
        face_present(blank_scene(), min_size=0)
    with pytest.raises(ValueError, match="scale_factor"):
        face_present(blank_scene(), scale_factor=1.0)


# -- frames that are not frames ---------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "why"),
    [
        pytest.param([[0, 0], [0, 0]], "numpy array", id="list"),
        pytest.param(None, "numpy array", id="none"),
        pytest.param(np.zeros((10, 10, 3), np.float32), "uint8", id="float"),
        pytest.param(np.zeros((10, 10), np.uint16), "uint8", id="16-bit"),
        pytest.param(np.zeros((10, 10, 2), np.uint8), "(h, w)", id="two channels"),
        pytest.param(np.zeros((2, 10, 10, 3), np.uint8), "(h, w)", id="4-D"),
        pytest.param(np.zeros(10, np.uint8), "(h, w)", id="1-D"),
        pytest.param(np.zeros((0, 10, 3), np.uint8), "pixels a side", id="empty"),
        pytest.param(np.zeros((1, 9000), np.uint8), "pixels a side", id="too wide"),
    ],
)
def test_not_an_image_raises_invalid_frame(frame: object, why: str) -> None:
    for function in (as_grey, decode_qr, face_present):
        with pytest.raises(InvalidFrame, match=why) as caught:
            function(frame)  # type: ignore[operator]
        assert isinstance(caught.value, CameraError)
        assert for_error(caught.value).zh


def test_non_contiguous_view_is_accepted() -> None:
    frame = _scene(qr_image(CHINESE))
    view = np.repeat(frame, 2, axis=1)[:, ::2]  # the same picture, every other column
    assert not view.flags.c_contiguous
    assert np.array_equal(view, frame)
    assert [r.text for r in decode_qr(view)] == [CHINESE]
