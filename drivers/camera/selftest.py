"""Self-test of the camera, for `drivers.selftest` and the maintenance screen to include.

Opens the configured source through the same `FrameSource` the kiosk uses, waits for a few
frames and reports size and rate. A picture that is all black fails: the lens is covered
or the sensor is dead, and a citizen's QR code would never be read. No frame is kept.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import numpy as np

from drivers.camera.errors import CameraError, CameraUnavailable
from drivers.camera.frame import Frame, SourceState
from drivers.camera.source import FrameSource

if TYPE_CHECKING:
    from drivers.selftest import Check

# Mean and spread of grey levels below which a frame counts as black.
_BLACK_MEAN = 10.0
_BLACK_STD = 3.0


def check_camera(
    source_spec: int | str | os.PathLike[str], *, frames: int = 5, timeout: float = 5.0
) -> Check:
    """Read `frames` frames from the camera within `timeout` s; report size, rate, level."""
    # Imported here: drivers.selftest may import this module, so a top-level import would
    # be circular whichever of the two is imported first.
    from drivers.selftest import Check

    started = time.monotonic()
    try:
        ok, detail = True, _check(source_spec, max(2, frames), timeout)
    except CameraError as err:
        ok, detail = False, f"{type(err).__name__}: {err}"
    return Check("camera", ok, detail, int((time.monotonic() - started) * 1000))


def _check(source_spec: int | str | os.PathLike[str], count: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    # One open attempt is the test: no back-off retries inside the time budget.
    with FrameSource(source_spec, retry_initial=timeout, retry_max=timeout) as source:
        seen: list[Frame] = []
        while len(seen) < count:
            remaining = deadline - time.monotonic()
            health = source.health()
            if health.state is SourceState.FAULTED:
                raise CameraUnavailable(health.reason)
            frame = source.wait_frame(seen[-1].seq if seen else 0, timeout=min(0.2, remaining))
            if frame is not None:
                seen.append(frame)
            elif remaining <= 0:
                raise CameraUnavailable(
                    f"{len(seen)} of {count} frames from {source.spec} in {timeout:.1f} s"
                )
    first, last = seen[0], seen[-1]
    height, width = last.image.shape[:2]
    grey = last.image.mean(axis=2) if last.image.ndim == 3 else last.image
    mean, spread = float(np.mean(grey)), float(np.std(grey))
    if mean < _BLACK_MEAN and spread < _BLACK_STD:
        raise CameraUnavailable(f"{source.spec} gives black frames (lens covered?)")
    elapsed = last.timestamp - first.timestamp
    rate = f"{(last.seq - first.seq) / elapsed:.1f} fps" if elapsed > 0 else "rate unknown"
    return f"{width}x{height} at {rate}, mean level {mean:.0f} from {source.spec}"
