"""Camera: a frame source on a worker thread, pure frame analysis, a simulator from files.

The kiosk needs the pure functions `decode_qr` and `face_present` with their results, and
`CameraError`. The simulator
(`drivers.camera.simulator`) and synthetic pictures (`drivers.camera.scenes`) serve the
demo and tests.
"""

from __future__ import annotations

from drivers.camera.analysis import Box, FacePresence, QrResult, as_grey, decode_qr, face_present
from drivers.camera.errors import (
    CameraError,
    CameraUnavailable,
    CascadeMissing,
    InvalidFrame,
    InvalidSource,
)

__all__ = [
    "Box",
    "CameraError",
    "CameraUnavailable",
    "CascadeMissing",
    "FacePresence",
    "InvalidFrame",
    "InvalidSource",
    "QrResult",
    "as_grey",
    "decode_qr",
    "face_present",
]
