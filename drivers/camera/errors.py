"""Everything the camera driver raises, rooted at `CameraError`.

Each class says who was wrong (the camera, the configuration, the caller) and carries a
zh-CN `user_message`. str() is an English sentence for logs; it never holds a frame, a
decoded QR payload or anything else a citizen showed to the camera.
"""

from __future__ import annotations

from drivers.errors import DriverError


class CameraError(DriverError):
    """Root of every camera error."""

    user_message = "摄像头暂时无法使用，请联系工作人员。"


class CameraUnavailable(CameraError):
    """The camera could not be opened, or stopped giving frames (unplugged, busy, gone)."""

    user_message = "摄像头未连接或无画面，请联系工作人员。"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidSource(CameraError):
    """A source spec that names no camera, file or image sequence (a configuration error)."""

    user_message = "摄像头配置有误，请联系工作人员。"


class InvalidFrame(CameraError):
    """An analysis function was given something that is not an 8-bit image (a caller bug)."""

    user_message = "摄像头画面异常，请联系工作人员。"


class CascadeMissing(CameraError):
    """OpenCV's Haar frontal-face cascade file is not installed (OpenCV 5 ships none)."""
