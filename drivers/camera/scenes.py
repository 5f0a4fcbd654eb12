"""Synthetic camera pictures for the simulator, the demo and tests: QR codes, faces, scenes.

Everything is drawn here from numbers, so no photo of a person is stored or downloaded.
QR codes are encoded with the `qrcode` library (independent of the OpenCV decoder they
test), including Kanji mode, which `qrcode` knows the bit widths of but has no writer for.
Pictures are BGR `uint8` arrays, what `cv2.VideoCapture` gives.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import qrcode
from qrcode import constants as qr_constants
from qrcode import util as qr_util

Image = np.ndarray

_ERROR_CORRECTION = {
    "L": qr_constants.ERROR_CORRECT_L,
    "M": qr_constants.ERROR_CORRECT_M,
    "Q": qr_constants.ERROR_CORRECT_Q,
    "H": qr_constants.ERROR_CORRECT_H,
}


class _KanjiSegment(qr_util.QRData):  # type: ignore[misc]
    """A Kanji-mode segment (ISO/IEC 18004 section 7.4.6): Shift JIS pairs in 13 bits each."""

    def __init__(self, text: str) -> None:
        sjis = text.encode("shift_jis")
        for i in range(0, len(sjis), 2):
            code = int.from_bytes(sjis[i : i + 2], "big")
            # Only double-byte JIS X 0208 characters exist in Kanji mode.
            if len(sjis[i : i + 2]) != 2 or not (
                0x8140 <= code <= 0x9FFC or 0xE040 <= code <= 0xEBBF
            ):
                raise ValueError(f"{text!r} has a character Kanji mode cannot hold")
        # qrcode's constructor refuses MODE_KANJI, so build as bytes and switch the mode.
        super().__init__(sjis, mode=qr_util.MODE_8BIT_BYTE, check_data=False)
        self.mode = qr_util.MODE_KANJI

    def __len__(self) -> int:
        # The character count field counts characters, two Shift JIS bytes each.
        return len(self.data) // 2

    def write(self, buffer: qr_util.BitBuffer) -> None:
        """Append each character as (high * 0xC0 + low) after subtracting the range base."""
        for i in range(0, len(self.data), 2):
            code = int.from_bytes(self.data[i : i + 2], "big")
            code -= 0x8140 if code <= 0x9FFC else 0xC140
            buffer.put((code >> 8) * 0xC0 + (code & 0xFF), 13)


def qr_modules(
    payload: str | bytes, *, kanji: bool = False, error_correction: str = "M"
) -> np.ndarray:
    """The QR code's modules as a bool matrix (True = dark), quiet zone of 4 included.

    A str is encoded as UTF-8 in byte mode (how Chinese apps write them), or with
    `kanji=True` in Kanji mode (Shift JIS, Japanese characters only).
    """
    code = qrcode.QRCode(error_correction=_ERROR_CORRECTION[error_correction], border=4)
    if kanji:
        if not isinstance(payload, str):
            raise TypeError("a Kanji-mode payload is text")
        code.add_data(_KanjiSegment(payload))
    else:
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        code.add_data(qr_util.QRData(data, mode=qr_util.MODE_8BIT_BYTE, check_data=False))
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def qr_image(
    payload: str | bytes,
    *,
    module_px: int = 6,
    kanji: bool = False,
    error_correction: str = "M",
) -> Image:
    """A flat, upright QR code picture, `module_px` pixels per module, BGR."""
    modules = qr_modules(payload, kanji=kanji, error_correction=error_correction)
    grey = np.where(modules, 0, 255).astype(np.uint8)
    grey = np.repeat(np.repeat(grey, module_px, axis=0), module_px, axis=1)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def blank_scene(
    width: int = 640, height: int = 480, *, seed: int = 0, clutter: float = 0.0, noise: float = 4.0
) -> Image:
    """An empty scene: a flat grey wall, with optional blurred clutter and sensor noise."""
    rng = np.random.default_rng(seed)
    scene = np.full((height, width), 128.0)
    if clutter:
        texture = cv2.GaussianBlur(rng.uniform(0, 255, (height, width)), (0, 0), 6)
        # Blur flattens the texture towards the mean; stretch it back by `clutter`.
        scene += (texture - texture.mean()) * 4 * clutter
    grey = _add_noise(scene, noise, rng)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def place(
    picture: Image,
    scene: Image,
    *,
    height_fraction: float = 0.5,
    center: tuple[float, float] = (0.5, 0.5),
    tilt_deg: float = 0.0,
    turn_deg: float = 0.0,
    blur: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
) -> Image:
    """Paste `picture` into a copy of `scene` as a camera would see a card held up to it.

    `tilt_deg` leans the card back (about its horizontal axis) and `turn_deg` rotates it
    in the image plane; the perspective is a pinhole camera at 3 card widths. `blur` is a
    Gaussian sigma in pixels (focus), `noise` a sensor-noise sigma in grey levels.
    """
    if picture.ndim == 2:
        picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)
    if scene.ndim == 2:
        scene = cv2.cvtColor(scene, cv2.COLOR_GRAY2BGR)
    ph, pw = picture.shape[:2]
    sh, sw = scene.shape[:2]
    corners = _projected_corners(pw / ph, tilt_deg, turn_deg)
    side = height_fraction * sh
    cx, cy = center[0] * sw, center[1] * sh
    dst = np.array([[cx + x * side, cy + y * side] for x, y in corners], dtype=np.float32)
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(picture, matrix, (sw, sh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(
        np.full((ph, pw), 255, np.uint8), matrix, (sw, sh), flags=cv2.INTER_AREA
    )
    alpha = (mask.astype(np.float64) / 255.0)[..., None]
    mixed: np.ndarray = scene.astype(np.float64) * (1 - alpha) + warped.astype(np.float64) * alpha
    if blur:
        mixed = cv2.GaussianBlur(mixed, (0, 0), blur)
    return _add_noise(mixed, noise, np.random.default_rng(seed))


def schematic_face(size: int = 200, *, skin: int = 200, dark: int = 40, bg: int = 90) -> Image:
    """A drawn frontal face that OpenCV's Haar frontal-face cascade accepts. BGR, size x size.

    The cascade keys on light/dark bands (dark eyes and brows under a light forehead, a
    light nose bridge between the eyes, a dark mouth line), so ellipses in those places
    with soft edges are enough; checked across sizes, contrasts and noise in the tests.
    """
    return _head(size, skin=skin, dark=dark, bg=bg, features=True)


def faceless_head(size: int = 200, *, skin: int = 200, dark: int = 40, bg: int = 90) -> Image:
    """The same head outline and hair as `schematic_face`, with no eyes, nose or mouth."""
    return _head(size, skin=skin, dark=dark, bg=bg, features=False)


def _head(size: int, *, skin: int, dark: int, bg: int, features: bool) -> Image:
    """Draw the schematic head on a 400 x 400 grid scaled to `size`, centre (200, 200)."""
    grey = np.full((size, size), bg, np.uint8)
    unit = size / 400

    def ellipse(x: float, y: float, a: float, b: float, level: int, half: bool = False) -> None:
        centre = (round((200 + x) * unit), round((200 + y) * unit))
        radii = (max(1, round(a * unit)), max(1, round(b * unit)))
        cv2.ellipse(grey, centre, radii, 0, 180 if half else 0, 360, level, -1)

    ellipse(0, -10, 110, 140, dark, half=True)  # hair
    ellipse(0, 10, 95, 125, skin)
    if features:
        for side in (-1, 1):
            ellipse(side * 38, -30, 26, 8, dark + 20)  # brow
            ellipse(side * 38, -10, 22, 11, dark)  # eye
            ellipse(side * 14, 35, 8, 20, skin - 40)  # shading beside the nose
        ellipse(0, 75, 35, 10, dark + 40)  # mouth
    soft = cv2.GaussianBlur(grey, (0, 0), max(0.5, 4 * unit))
    return cv2.cvtColor(soft, cv2.COLOR_GRAY2BGR)


def _projected_corners(
    aspect: float, tilt_deg: float, turn_deg: float
) -> list[tuple[float, float]]:
    """Corners (tl, tr, br, bl) of a card of unit height, tilted and turned, as seen by a
    pinhole camera at 3 card heights; normalised so the projected height is about 1."""
    tilt, turn = math.radians(tilt_deg), math.radians(turn_deg)
    distance = 3.0
    out = []
    for x, y in ((-aspect / 2, -0.5), (aspect / 2, -0.5), (aspect / 2, 0.5), (-aspect / 2, 0.5)):
        # Lean back about the horizontal axis, then turn in the image plane.
        y3, z3 = y * math.cos(tilt), y * math.sin(tilt)
        x2 = x * math.cos(turn) - y3 * math.sin(turn)
        y2 = x * math.sin(turn) + y3 * math.cos(turn)
        scale = distance / (distance + z3)
        out.append((x2 * scale, y2 * scale))
    return out


def _add_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> Image:
    """Gaussian sensor noise, clipped back to 8 bits."""
    noisy = image + rng.normal(0, sigma, image.shape) if sigma else image
    clipped: np.ndarray = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    return clipped
