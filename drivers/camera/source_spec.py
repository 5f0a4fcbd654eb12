"""What a configured camera names: a device (index or /dev node), a video file, or an image
sequence (a printf pattern, the simulator's format), parsed before anything is opened."""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass
from pathlib import Path

from drivers.camera.errors import InvalidSource

_PATTERN = re.compile(r"%0?\d*d")


class SourceKind(enum.StrEnum):
    """What a spec names."""

    DEVICE = "device"
    FILE = "file"
    SEQUENCE = "sequence"


@dataclass(frozen=True)
class SourceSpec:
    """A parsed source: what kind, and what to hand to `cv2.VideoCapture`."""

    kind: SourceKind
    target: int | str

    def __str__(self) -> str:
        return f"camera {self.target}" if self.kind is SourceKind.DEVICE else str(self.target)

    @property
    def device_node(self) -> Path | None:
        """The V4L2 node a device lives at, to tell "unplugged" from "not answering"."""
        if self.kind is not SourceKind.DEVICE:
            return None
        return Path(f"/dev/video{self.target}" if isinstance(self.target, int) else self.target)


def parse_source(spec: int | str | os.PathLike[str]) -> SourceSpec:
    """Turn a configured camera (index, /dev node, file, %d pattern) into a `SourceSpec`."""
    if isinstance(spec, bool):
        raise InvalidSource(f"not a camera source: {spec!r}")
    if isinstance(spec, int):
        if spec < 0:
            raise InvalidSource(f"a camera index is >= 0, not {spec}")
        return SourceSpec(SourceKind.DEVICE, spec)
    text = os.fspath(spec).strip()
    if not text:
        raise InvalidSource("an empty camera source")
    if text.isdigit():
        return SourceSpec(SourceKind.DEVICE, int(text))
    if text.startswith("/dev/"):
        return SourceSpec(SourceKind.DEVICE, text)
    if _PATTERN.search(text):
        return SourceSpec(SourceKind.SEQUENCE, text)
    return SourceSpec(SourceKind.FILE, text)
