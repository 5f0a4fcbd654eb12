"""A camera made of files, read by the real capture code.

`SimulatedCamera` writes the pictures it is given to a temporary PNG sequence
(``frame_%03d.png``) or an MJPG ``.avi``; `spec` is what `FrameSource` opens, through
`cv2.VideoCapture` exactly as on a kiosk, so the tests and the demo exercise the real
open / read / pace / reopen path. `scenes` draws pictures worth showing it.

Fault knobs: `disappear()` deletes the files (the camera is unplugged: reads stop, reopens
fail) and `reappear()` writes them back; `show()` swaps what the camera sees.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import cv2
import numpy as np

from drivers.camera.errors import InvalidFrame
from drivers.camera.source import FrameSource

Picture = np.ndarray | str | os.PathLike[str] | Any  # Any: a PIL image
_PNG_NAME = "frame_%03d.png"
_MJPG_NAME = "camera.avi"


class SimulatedCamera:
    """Pictures on disk that `FrameSource(camera.spec)` plays as a camera, in a loop."""

    def __init__(
        self,
        pictures: Iterable[Picture],
        *,
        fmt: Literal["png", "mjpg"] = "png",
        fps: float = 25.0,
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        """Write `pictures` (BGR/grey/BGRA uint8 arrays, image files or PIL images)."""
        if fmt not in ("png", "mjpg"):
            raise ValueError(f"fmt is 'png' or 'mjpg', not {fmt!r}")
        self.fmt = fmt
        self.fps = fps
        self._own_directory = directory is None
        self.directory = Path(
            tempfile.mkdtemp(prefix="estation-camera-") if directory is None else directory
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self._frames: list[np.ndarray] = []
        self.show(pictures)

    @property
    def spec(self) -> str:
        """The path or pattern to give `FrameSource`."""
        name = _PNG_NAME if self.fmt == "png" else _MJPG_NAME
        return str(self.directory / name)

    @property
    def frames(self) -> Sequence[np.ndarray]:
        """What the camera shows, as BGR arrays, in order."""
        return tuple(self._frames)

    def source(self, **options: Any) -> FrameSource:
        """A (not yet started) `FrameSource` on this camera at its `fps`."""
        options.setdefault("fps", self.fps)
        return FrameSource(self.spec, **options)

    def show(self, pictures: Iterable[Picture]) -> None:
        """Replace what the camera shows (each file replaced whole, never half-written)."""
        frames = [_to_bgr(p) for p in pictures]
        if not frames:
            raise ValueError("a simulated camera needs at least one picture")
        if self.fmt == "mjpg" and len({f.shape for f in frames}) > 1:
            raise ValueError("an MJPG file holds pictures of one size")
        self._frames = frames
        self._write()

    def disappear(self) -> None:
        """Unplug the camera: its files go; a reader hits the end and cannot reopen."""
        for path in self._paths():
            path.unlink(missing_ok=True)

    def reappear(self) -> None:
        """Plug it back in: the files return."""
        self._write()

    def close(self) -> None:
        """Delete the files (and the directory when this camera made it)."""
        self.disappear()
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> SimulatedCamera:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _paths(self) -> list[Path]:
        if self.fmt == "mjpg":
            return [self.directory / _MJPG_NAME]
        return sorted(self.directory.glob("frame_[0-9][0-9][0-9].png"))

    def _write(self) -> None:
        if self.fmt == "mjpg":
            self._write_mjpg()
            return
        if len(self._frames) > 1000:
            raise ValueError("a %03d sequence holds at most 1000 pictures")
        for index, frame in enumerate(self._frames):
            final = self.directory / (_PNG_NAME % index)
            staging = self.directory / f".staging-{index:03d}.png"
            if not cv2.imwrite(str(staging), frame):
                raise OSError(f"cannot write {staging}")
            os.replace(staging, final)  # a reader never sees half a PNG
        for stale in self._paths()[len(self._frames) :]:
            stale.unlink(missing_ok=True)

    def _write_mjpg(self) -> None:
        height, width = self._frames[0].shape[:2]
        staging = self.directory / ".staging.avi"
        writer = cv2.VideoWriter(
            str(staging), cv2.VideoWriter.fourcc(*"MJPG"), self.fps, (width, height)
        )
        if not writer.isOpened():
            raise OSError(f"cannot write MJPG to {staging}")
        try:
            for frame in self._frames:
                writer.write(frame)
        finally:
            writer.release()
        os.replace(staging, self.directory / _MJPG_NAME)


def _to_bgr(picture: Picture) -> np.ndarray:
    """A picture as a BGR uint8 array (a copy, so later changes by the caller do not leak)."""
    if isinstance(picture, (str, os.PathLike)):
        image = cv2.imread(os.fspath(picture), cv2.IMREAD_COLOR)
        if image is None:
            raise InvalidFrame(f"cannot read an image from {os.fspath(picture)!r}")
        return image
    if not isinstance(picture, np.ndarray) and hasattr(picture, "convert"):
        picture = np.asarray(picture.convert("RGB"))[..., ::-1]  # PIL gives RGB
    if not isinstance(picture, np.ndarray) or picture.dtype != np.uint8:
        raise InvalidFrame(f"a picture is a uint8 array, a path or a PIL image: {picture!r:.60}")
    if picture.ndim == 2 or (picture.ndim == 3 and picture.shape[2] == 1):
        return cv2.cvtColor(picture.reshape(picture.shape[:2]), cv2.COLOR_GRAY2BGR)
    if picture.ndim == 3 and picture.shape[2] == 4:
        return cv2.cvtColor(picture, cv2.COLOR_BGRA2BGR)
    if picture.ndim == 3 and picture.shape[2] == 3:
        return np.ascontiguousarray(picture).copy()
    raise InvalidFrame(f"a picture is (h, w) or (h, w, 1|3|4), not {picture.shape}")
