"""Everything the camera driver raises, rooted at `CameraError`.

Each class says who was wrong (the camera, the configuration, the caller) and carries a
stable `code` the kiosk turns into words (kiosk/messages.yaml). str() is an English
sentence for logs; it never holds a frame, a decoded QR payload or anything else a citizen
showed to the camera.
"""

from __future__ import annotations

from drivers.errors import DriverError


class CameraError(DriverError):
    """Root of every camera error."""

    code = "camera.error"


class CameraUnavailable(CameraError):
    """The camera could not be opened, or stopped giving frames (unplugged, busy, gone)."""

    code = "camera.unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidSource(CameraError):
    """A source spec that names no camera, file or image sequence (a configuration error)."""

    code = "camera.misconfigured"


class InvalidFrame(CameraError):
    """An analysis function was given something that is not an 8-bit image (a caller bug)."""

    code = "camera.bad_frame"


class CascadeMissing(CameraError):
    """OpenCV's Haar frontal-face cascade file is not installed (OpenCV 5 ships none)."""
