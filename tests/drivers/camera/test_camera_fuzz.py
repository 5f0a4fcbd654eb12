"""Fuzz decode_qr and face_present: random arrays of random shapes and dtypes, random
objects, and real QR codes with random damage. Only the package's own errors may escape;
bounded (derandomised, capped examples) so the whole file runs in a few seconds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import cv2
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from drivers.camera import CameraError, FacePresence, QrResult, decode_qr, face_present
from drivers.camera.scenes import blank_scene, place, qr_image

FUZZ = settings(
    max_examples=300,
    # Normal frames take milliseconds; seconds mean a pathological input (see
    # analysis._aruco_detector), which a kiosk would feel as a frozen QR scanner.
    deadline=timedelta(seconds=2),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Biased towards frames that pass validation (uint8, (h, w) or (h, w, 1|3|4)) so the
# OpenCV code behind it is what gets fuzzed, with every other dtype and shape mixed in.
DTYPES = st.sampled_from(
    [np.uint8] * 8 + [np.int8, np.uint16, np.int32, np.float32, np.float64, np.bool_, np.complex64]
)
SHAPES = st.one_of(
    st.tuples(st.integers(1, 300), st.integers(1, 300)),
    st.tuples(st.integers(1, 200), st.integers(1, 200), st.sampled_from([1, 3, 4])),
    st.tuples(st.integers(0, 200), st.integers(0, 200), st.integers(0, 5)),
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=40),
)


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    """Hypothesis picks dtype, shape, content kind and seed; numpy fills (fast)."""
    dtype = np.dtype(draw(DTYPES))
    shape = draw(SHAPES)
    if np.prod(shape, dtype=np.int64) > 60_000:  # keep each example cheap
        shape = tuple(min(s, 40) for s in shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    content = draw(st.sampled_from(["random", "zeros", "max", "checker", "stripes"]))
    if content == "random":
        array = (rng.random(shape) * 256).astype(dtype)
    elif content == "zeros" or not shape:
        array = np.zeros(shape, dtype)
    elif content == "max":
        array = np.full(shape, 255).astype(dtype)
    else:
        index = np.indices(shape).sum(axis=0) if content == "checker" else np.indices(shape)[0]
        array = ((index // draw(st.integers(1, 8))) % 2 * 255).astype(dtype)
    if array.ndim >= 2 and draw(st.booleans()):
        array = array[::-1, ::2]  # a non-contiguous view
    return array


def _only_our_errors(function: Any, frame: object) -> object:
    try:
        return function(frame)
    except CameraError:
        return None


@FUZZ
@given(arrays())
def test_decode_qr_on_any_array_returns_results_or_raises_only_camera_errors(
    frame: np.ndarray,
) -> None:
    result = _only_our_errors(decode_qr, frame)
    assert result is None or all(isinstance(r, QrResult) for r in result)  # type: ignore[attr-defined]


@FUZZ
@given(arrays())
def test_face_present_on_any_array_returns_presence_or_raises_only_camera_errors(
    frame: np.ndarray,
) -> None:
    result = _only_our_errors(face_present, frame)
    assert result is None or isinstance(result, FacePresence)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers())))
def test_non_arrays_raise_only_camera_errors(thing: object) -> None:
    for function in (decode_qr, face_present):
        _only_our_errors(function, thing)


_QR = place(qr_image("fuzz 模糊测试 0123456789"), blank_scene(320, 240, noise=2))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 319), st.integers(0, 239), st.integers(1, 80), st.integers(1, 80),
            st.sampled_from(["white", "black", "invert", "noise"]),
        ),
        min_size=1, max_size=6,
    )
)  # fmt: skip
def test_damaged_qr_codes_decode_or_give_nothing_never_raise(
    patches: list[tuple[int, int, int, int, str]],
) -> None:
    frame = _QR.copy()
    rng = np.random.default_rng(len(patches))
    for x, y, w, h, how in patches:
        region = frame[y : y + h, x : x + w]
        if how == "white":
            region[:] = 255
        elif how == "black":
            region[:] = 0
        elif how == "invert":
            region[:] = 255 - region
        else:
            region[:] = rng.integers(0, 256, region.shape, dtype=np.uint8)
    for result in decode_qr(frame):
        assert isinstance(result.payload, bytes)
        assert result.text is None or isinstance(result.text, str)
    assert isinstance(face_present(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)), FacePresence)
