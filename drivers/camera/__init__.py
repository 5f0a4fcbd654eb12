"""Camera: a frame source on a worker thread, pure frame analysis, a simulator from files.

The kiosk needs `FrameSource` (newest frame, health, an analysis hook), the pure functions
`decode_qr` and `face_present` with their results, and `CameraError`. The simulator
(`drivers.camera.simulator`) and synthetic pictures (`drivers.camera.scenes`) serve the
demo and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pii.lazy import lazy_exports

if TYPE_CHECKING:
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
    from drivers.camera.frame import CameraHealth, Frame, SourceState
    from drivers.camera.source import FrameSource
    from drivers.camera.source_spec import SourceKind, SourceSpec, parse_source


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

# Where each public name lives: imported when first asked for (PEP 562), so
# asking for one part of the camera does not load OpenCV for the others.
_HOME = {
    "Box": "drivers.camera.analysis",
    "FacePresence": "drivers.camera.analysis",
    "QrResult": "drivers.camera.analysis",
    "as_grey": "drivers.camera.analysis",
    "decode_qr": "drivers.camera.analysis",
    "face_present": "drivers.camera.analysis",
    "scene_change": "drivers.camera.analysis",
    "thumbnail": "drivers.camera.analysis",
    "CameraError": "drivers.camera.errors",
    "CameraUnavailable": "drivers.camera.errors",
    "CascadeMissing": "drivers.camera.errors",
    "InvalidFrame": "drivers.camera.errors",
    "InvalidSource": "drivers.camera.errors",
    "CameraHealth": "drivers.camera.frame",
    "Frame": "drivers.camera.frame",
    "FrameSource": "drivers.camera.source",
    "SourceKind": "drivers.camera.source_spec",
    "SourceSpec": "drivers.camera.source_spec",
    "SourceState": "drivers.camera.frame",
    "parse_source": "drivers.camera.source_spec",
}

__getattr__ = lazy_exports(__name__, _HOME)
