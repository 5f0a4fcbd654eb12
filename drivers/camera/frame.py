"""What a camera source hands out: a frame, and the source's health for ops."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.camera.errors import CameraError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Frame:
    """One picture: BGR `uint8` (read-only, shared between threads), its number and time.

    `seq` counts frames taken off the camera since the source started (1, 2, ...); a gap
    between two frames someone saw means frames were dropped (grabbed, never decoded) in
    between, as designed. `timestamp` is the
    source's clock (monotonic seconds) when the frame was read.
    """

    image: np.ndarray
    seq: int
    timestamp: float

    def __repr__(self) -> str:
        # Never log pixels: a frame may show a citizen's face or card.
        return f"Frame(seq={self.seq}, {self.image.shape[1]}x{self.image.shape[0]})"


class SourceState(enum.StrEnum):
    """Where the source is; "ok" and "faulted" mean what they mean to the device manager."""

    STARTING = "starting"
    OK = "ok"
    FAULTED = "faulted"
    STOPPED = "stopped"


@dataclass(frozen=True)
class CameraHealth:
    """The source's state, why, since when (source clock), and counters for ops.

    `frames` were taken off the camera, `decoded` of them turned into pictures."""

    state: SourceState
    reason: str
    since: float
    frames: int
    analysis_errors: int = 0
    error: CameraError | None = None
    decoded: int = 0
