"""Is someone standing at the kiosk? The camera's face detector, smoothed over recent frames.

A single frame's answer is noisy (the Haar cascade misses turned heads and fires on busy
backgrounds), so a person counts as present while at least `need` of the last `window`
analysed frames had a face. The kiosk uses this to end a session early when the citizen
has walked away, so their data leaves the screen sooner than the idle timeout would.

The face detector costs about 30 ms of a core for a 640x480 frame; a still scene gives the
same answer, so it runs only when the picture moved since it last ran (a thumbnail's mean
change above `still_levels`), and at least every `recheck_seconds` for a slow change. At
rest in front of an unchanging scene that took the kiosk's CPU from 17 % of a core (four
detections a second) to the cost of reading the frames (bench/bench_kiosk_ui.py).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from drivers.camera import (
    CameraHealth,
    FacePresence,
    Frame,
    FrameSource,
    SourceState,
    face_present,
    scene_change,
    thumbnail,
)

# Mean grey levels a thumbnail may change by and still be the same scene: a sensor's noise,
# averaged over 8x8 pixels, stays well below; a person stepping in or out moves tens.
STILL_LEVELS = 3.0
RECHECK_SECONDS = 5.0


class PresenceWatch:
    """Watches a camera and remembers when a face was last seen."""

    def __init__(
        self,
        source: Callable[..., FrameSource],
        *,
        window: int = 8,
        need: int = 3,
        min_size: int = 80,
        clock: Callable[[], float] = time.monotonic,
        still_levels: float = STILL_LEVELS,
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> None:
        self._recent: deque[bool] = deque(maxlen=window)
        self._need = need
        self._min_size = min_size
        self._clock = clock
        self._lock = threading.Lock()
        self._last_seen: float | None = None
        self._analysed = 0
        self._still_levels = still_levels
        self._recheck = recheck_seconds
        # The source's worker thread alone reads and writes these (in `_analyse`).
        self._last: tuple[Any, float, FacePresence] | None = None  # thumbnail, when, answer
        self._detections = 0
        self._source = source(analyse=self._analyse, on_result=self._on_result)

    def _analyse(self, image: Any) -> FacePresence:
        small = thumbnail(image)
        now = self._clock()
        last = self._last
        if (
            last is not None
            and now - last[1] < self._recheck
            and scene_change(last[0], small) <= self._still_levels
        ):
            return last[2]  # the same scene: the same answer
        result = face_present(image, min_size=self._min_size)
        self._last = (small, now, result)
        with self._lock:
            self._detections += 1
        return result

    def _on_result(self, frame: Frame, result: FacePresence) -> None:
        with self._lock:
            self._analysed += 1
            self._recent.append(result.present)
            if sum(self._recent) >= self._need:
                self._last_seen = self._clock()

    def start(self) -> None:
        """Start reading frames."""
        self._source.start()

    def stop(self) -> None:
        """Stop reading frames."""
        self._source.stop()

    @property
    def analyse_fps(self) -> float | None:
        """At most this many frames a second are analysed (None: every frame)."""
        return self._source.analyse_fps

    @property
    def analysed(self) -> int:
        """Frames analysed since the start (for benches and the maintenance screen)."""
        with self._lock:
            return self._analysed

    @property
    def detections(self) -> int:
        """Frames the face detector ran on: the analysed ones whose scene had moved."""
        with self._lock:
            return self._detections

    def health(self) -> CameraHealth:
        """The camera's state and, when it fails, why (the technician's self-test says it)."""
        return self._source.health()

    def wait_frame(self, after_seq: int = 0, timeout: float | None = None) -> Frame | None:
        """The next frame after `after_seq` (the self-test's QR check reads the camera the
        kiosk holds open: a V4L2 device serves one reader)."""
        return self._source.wait_frame(after_seq, timeout)

    @property
    def working(self) -> bool:
        """True while the camera delivers frames."""
        return self._source.health().state is SourceState.OK

    def present(self) -> bool | None:
        """Someone is in front now; None when the camera is not working."""
        if not self.working:
            return None
        with self._lock:
            return sum(self._recent) >= self._need

    def absent_for(self) -> float | None:
        """Seconds since a person was last seen; None if the camera cannot tell."""
        if not self.working:
            return None
        with self._lock:
            if sum(self._recent) >= self._need:
                return 0.0
            last = self._last_seen
        return None if last is None else self._clock() - last
