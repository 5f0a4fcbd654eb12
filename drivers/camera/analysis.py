"""Pure functions on one camera frame: QR codes in it, and whether a face is in it.

A frame is a `uint8` numpy array: BGR (h, w, 3) as `cv2.VideoCapture` gives, BGRA, or
grey (h, w) / (h, w, 1). Anything else raises `InvalidFrame`; nothing else escapes, so a
worker thread can call these on every frame. They hold no state between calls (the Haar
cascade is loaded once, on first use) and may run on any thread.

Not here on purpose: parsing the electronic social security card's QR payload. Its format
is not published to us; `QrResult.payload` keeps the exact bytes so a parser can be added
once the format is documented, without touching the camera.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import cv2.data
import numpy as np

from drivers.camera.errors import CascadeMissing, InvalidFrame

log = logging.getLogger(__name__)

# Larger than any camera a kiosk carries (4K is 3840 x 2160); bounds the work per frame.
MAX_SIDE = 8192
# OpenCV's QR decoder reports the ECI it saw: Kanji-mode codes come back as Shift JIS.
_ECI_TEXT_CODECS = {
    int(cv2.QRCodeEncoder_ECI_SHIFT_JIS): "shift_jis",
    int(cv2.QRCodeEncoder_ECI_UTF8): "utf-8",
}
# Of the frontal-face cascades OpenCV 4 ships, "alt" finds every synthetic face the
# "default" one finds but does not take a featureless head outline for a face (default
# did in 44 of 60 scenes); bench/bench_camera.py prints the comparison.
# Pixels round the smallest finder pattern worth looking at; see _aruco_detector.
_MIN_FINDER_PERIMETER = 48
_FACE_CASCADE_FILE = "haarcascade_frontalface_alt.xml"


@dataclass(frozen=True)
class QrResult:
    """One decoded QR code.

    `payload` is the decoded data as OpenCV returns it. `text` is that payload as text when
    it is UTF-8, or Shift JIS for a Kanji-mode code (`encoding` says which); None otherwise.
    OpenCV >= 4.9 hands a byte-mode code that is not valid UTF-8 (a GBK one, say) back as
    its ISO-8859-1 reading re-encoded in UTF-8, so such a payload is not the printed bytes.
    `corners` are the code's four corners in frame pixels (x, y).
    """

    payload: bytes
    text: str | None
    encoding: str | None
    corners: tuple[tuple[float, float], ...]

    def __repr__(self) -> str:
        # A QR payload may carry personal data: repr() (hence logs) shows only its size.
        return f"QrResult(<{len(self.payload)} bytes>, encoding={self.encoding!r})"


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in frame pixels."""

    x: int
    y: int
    width: int
    height: int

    @property
    def area(self) -> int:
        """Width times height, in pixels."""
        return self.width * self.height


@dataclass(frozen=True)
class FacePresence:
    """How many frontal faces the frame shows, and the largest one's box."""

    count: int
    largest: Box | None

    @property
    def present(self) -> bool:
        """True when at least one face was found."""
        return self.count > 0


def as_grey(frame: object) -> np.ndarray:
    """The frame as a contiguous 2-D `uint8` grey image, or `InvalidFrame` saying why not."""
    if not isinstance(frame, np.ndarray):
        raise InvalidFrame(f"a frame is a numpy array, not {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise InvalidFrame(f"a frame is 8-bit (uint8), not {frame.dtype}")
    channels = 1 if frame.ndim == 2 else frame.shape[2] if frame.ndim == 3 else 0
    if channels not in (1, 3, 4):
        raise InvalidFrame(f"a frame is (h, w) or (h, w, 1|3|4), not {frame.shape}")
    height, width = frame.shape[:2]
    if not (0 < height <= MAX_SIDE and 0 < width <= MAX_SIDE):
        raise InvalidFrame(f"a frame is 1 to {MAX_SIDE} pixels a side, not {width}x{height}")
    image = np.ascontiguousarray(frame)
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if channels == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return image.reshape(height, width)


def decode_qr(frame: np.ndarray) -> list[QrResult]:
    """Every QR code readable in the frame; [] when there is none or none can be read."""
    grey = as_grey(frame)
    # The ArUco-based detector finds more tilted and blurred codes; the classic one catches
    # some it misses (measured on synthetic scenes in bench/bench_camera.py). Both run only
    # when the first finds nothing, so a frame with a code costs one pass.
    for detector in (_aruco_detector(grey.shape), cv2.QRCodeDetector()):
        found = _decode_with(detector, grey)
        if found:
            return found
    return []


def _aruco_detector(shape: tuple[int, ...]) -> cv2.QRCodeDetectorAruco:
    """The ArUco-based QR detector, told to ignore squares too small to be a finder pattern.

    Its default minimum (a perimeter of 2 % of the frame's longer side) lets 1-pixel
    squares through on small frames, and grouping them is quartic: a 160 x 160 pixel
    checkerboard took 13 s, a 640 x 480 one with 8-pixel squares 0.5 s (a checked shirt).
    A finder pattern is 7 modules across; at 2 pixels a module, the least OpenCV decodes,
    that is a perimeter of 56, and 48 leaves room for tilt. Measured: no code lost.
    """
    detector = cv2.QRCodeDetectorAruco()
    params = detector.getArucoParameters()
    params.minMarkerPerimeterRate = max(
        params.minMarkerPerimeterRate, _MIN_FINDER_PERIMETER / max(shape[:2])
    )
    detector.setArucoParameters(params)
    return detector


def _decode_with(detector: cv2.GraphicalCodeDetector, grey: np.ndarray) -> list[QrResult]:
    """Run one OpenCV detector; a decoder failure on a strange image counts as no code."""
    try:
        ok, payloads, points, _ = detector.detectAndDecodeBytesMulti(grey)
    except cv2.error as err:
        log.debug("qr decoder failed on a %sx%s frame: %s", grey.shape[1], grey.shape[0], err)
        return []
    if not ok or points is None:
        return []
    results = []
    for index, payload in enumerate(payloads):
        if not payload:  # a code was found but could not be decoded
            continue
        encoding = _text_codec(detector, index, bytes(payload))
        text = bytes(payload).decode(encoding) if encoding else None
        corners = tuple((float(x), float(y)) for x, y in np.asarray(points[index]).reshape(-1, 2))
        results.append(QrResult(bytes(payload), text, encoding, corners))
    return results


def _text_codec(detector: cv2.GraphicalCodeDetector, index: int, payload: bytes) -> str | None:
    """The codec that turns this payload into text, or None when it is not text we know."""
    # Only the classic detector says which ECI it read; the ArUco one has no getEncoding.
    getter = getattr(detector, "getEncoding", None)
    declared = _ECI_TEXT_CODECS.get(int(getter(index))) if getter is not None else None
    for codec in (declared, "utf-8"):
        if codec and _decodes(payload, codec):
            return codec
    # OpenCV turns every byte-mode payload into UTF-8 (reading non-UTF-8 as ISO-8859-1),
    # so bytes that are not UTF-8 come from a Kanji segment: Shift JIS by the standard.
    if _is_kanji_mode_data(payload):
        return "shift_jis"
    return None


def _decodes(payload: bytes, codec: str) -> bool:
    try:
        payload.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _is_kanji_mode_data(payload: bytes) -> bool:
    """True when the payload is whole Shift JIS double-byte characters, all Kanji mode holds."""
    if not payload or len(payload) % 2:
        return False
    pairs = (int.from_bytes(payload[i : i + 2], "big") for i in range(0, len(payload), 2))
    in_range = all(0x8140 <= c <= 0x9FFC or 0xE040 <= c <= 0xEBBF for c in pairs)
    return in_range and _decodes(payload, "shift_jis")


# A thumbnail's size: small enough that averaging removes a sensor's noise, large enough
# that a person stepping in or out moves many of its pixels.
THUMBNAIL_SIZE = (80, 60)


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """The frame grey and shrunk to THUMBNAIL_SIZE by averaging, for `scene_change`."""
    return cv2.resize(as_grey(frame), THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA)


def scene_change(before: np.ndarray, after: np.ndarray) -> float:
    """Mean grey levels (0-255) by which two thumbnails differ: near 0 for a still scene."""
    return float(cv2.mean(cv2.absdiff(before, after))[0])


def face_present(
    frame: np.ndarray,
    *,
    min_size: int = 60,
    scale_factor: float = 1.1,
    min_neighbors: int = 5,
) -> FacePresence:
    """Frontal faces at least `min_size` pixels wide, by OpenCV's Haar cascade.

    The frame is turned grey and histogram-equalised first, so a dim or backlit kiosk
    corner still shows contrast. `min_neighbors` trades missed faces for false ones.
    """
    grey = as_grey(frame)
    if min_size < 1 or scale_factor <= 1.0 or min_neighbors < 0:
        raise ValueError("min_size >= 1, scale_factor > 1 and min_neighbors >= 0")
    equalised = cv2.equalizeHist(grey)
    cascade, lock = _face_cascade()
    try:
        # A CascadeClassifier is not safe to share between threads (opencv/opencv#4287).
        with lock:
            boxes = cascade.detectMultiScale(
                equalised,
                scaleFactor=scale_factor,
                minNeighbors=min_neighbors,
                minSize=(min_size, min_size),
            )
    except cv2.error as err:
        log.debug("face detector failed on a %sx%s frame: %s", grey.shape[1], grey.shape[0], err)
        return FacePresence(0, None)
    found = [Box(int(x), int(y), int(w), int(h)) for x, y, w, h in boxes]
    largest = max(found, key=lambda b: b.area, default=None)
    return FacePresence(len(found), largest)


_cascade_lock = threading.Lock()
_cascade: tuple[cv2.CascadeClassifier, threading.Lock] | None = None


def _face_cascade() -> tuple[cv2.CascadeClassifier, threading.Lock]:
    """Load the cascade on first use; later calls get the same classifier and its lock."""
    global _cascade
    with _cascade_lock:
        if _cascade is None:
            path = Path(cv2.data.haarcascades) / _FACE_CASCADE_FILE
            classifier = cv2.CascadeClassifier(str(path))
            if classifier.empty():
                raise CascadeMissing(f"cannot load the face cascade {path}")
            _cascade = (classifier, threading.Lock())
        return _cascade
