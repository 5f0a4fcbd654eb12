"""Camera: a frame source on a worker thread, pure frame analysis, a simulator from files.

The kiosk needs `FrameSource` (newest frame, health, an analysis hook), the pure functions
`decode_qr` and `face_present` with their results, and `CameraError`. The simulator
(`drivers.camera.simulator`) and synthetic pictures (`drivers.camera.scenes`) serve the
demo and tests.
"""

from __future__ import annotations

from drivers.camera.analysis import (
    Box,
    FacePresence,
    QrResult,
    as_grey,
    decode_qr,
    face_present,
    scene_change,
    thumbnail,
)
from drivers.camera.errors import (
    CameraError,
    CameraUnavailable,
    CascadeMissing,
    InvalidFrame,
    InvalidSource,
)
from drivers.camera.source import (
    CameraHealth,
    Frame,
    FrameSource,
    SourceKind,
    SourceSpec,
    SourceState,
    parse_source,
)

__all__ = [
    "Box",
    "CameraError",
    "CameraHealth",
    "CameraUnavailable",
    "CascadeMissing",
    "FacePresence",
    "Frame",
    "FrameSource",
    "InvalidFrame",
    "InvalidSource",
    "QrResult",
    "SourceKind",
    "SourceSpec",
    "SourceState",
    "as_grey",
    "decode_qr",
    "face_present",
    "scene_change",
    "thumbnail",
    "parse_source",
]
