"""A camera read on its own thread, keeping only the newest frame (STYLE rule 12).

Sources, all opened by `cv2.VideoCapture` on the capture thread:

* a device: an index (``0``, ``"0"``) or a V4L2 node (``"/dev/video0"``);
* a video file (``"clip.avi"``, MJPG or whatever FFmpeg reads);
* an image sequence, a printf pattern (``"frames/%03d.png"``): the simulator's format.

Frames are never queued: a UI wants the picture of now, and a slow analysis must not make
the camera lag. `latest()` gives the newest `Frame`; an optional `analyse` function runs on
a second thread on the newest frame not yet analysed, and its results go to `on_result`,
at most `analyse_fps` times a second when that is set: face detection on every frame of a
25 fps camera kept half a core busy at rest, to learn what a few frames a second tell.

Every frame the camera gives is taken off it with `grab()`, but only the frames someone
wants are decoded with `retrieve()` (turning a V4L2 buffer, MJPG or YUYV, into BGR is most
of a read's cost): with `idle_fps` set, a frame is decoded when a `wait_frame` caller or
the analysis is waiting for one, and otherwise at most `idle_fps` times a second. Grabbing
every frame, rather than sleeping between reads, keeps the driver's queue empty, so the
frame decoded is the picture of now and not one that waited in a buffer. On a device the
source asks for `fps` (CAP_PROP_FPS: a UVC camera takes the nearest rate it lists, see
`v4l2-ctl --list-formats-ext`) and a one-buffer queue (CAP_PROP_BUFFERSIZE, honoured by
OpenCV's V4L2 backend; others ignore it, which grabbing every frame makes harmless).

Files are read at `fps` (VideoCapture reads them as fast as it can) and start over at the
end unless `loop=False`. A camera that stops giving frames (`fail_threshold` failed reads
in a row, its /dev node gone, a file that vanished) makes the source `faulted` with a
reason; it is then reopened with exponential back-off until it works again.

Known gap: a V4L2 read on an unplugged camera may block inside OpenCV for up to its
select timeout (10 s) before failing, so the fault shows up that late.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from drivers.camera.errors import CameraError, CameraUnavailable, InvalidSource
from drivers.camera.frame import CameraHealth, Frame, SourceState
from drivers.camera.source_spec import SourceKind, parse_source

log = logging.getLogger(__name__)

# A file or sequence that declares no usable rate plays at this many frames per second.
DEFAULT_FILE_FPS = 25.0
# State changes kept for the maintenance screen (never pixels: a frame may show a citizen).
DIAGNOSTIC_RING = 32
# Between failed reads of a device: long enough not to spin, short against a 30 fps camera.
_FAILED_READ_PAUSE = 0.05


@dataclass(frozen=True)
class _StreamEnd:
    """Why reading one opened capture ended (internal)."""

    frames: int
    reason: str = ""  # set when the source broke
    ended: bool = False  # a file reached its end
    stopped: bool = False


class FrameSource:
    """Reads frames from one source on a worker thread; see the module docstring."""

    def __init__(
        self,
        spec: int | str | os.PathLike[str],
        *,
        fps: float | None = None,
        loop: bool = True,
        resolution: tuple[int, int] | None = None,
        analyse: Callable[[np.ndarray], Any] | None = None,
        analyse_fps: float | None = None,
        idle_fps: float | None = None,
        on_result: Callable[[Frame, Any], None] | None = None,
        on_health: Callable[[CameraHealth], None] | None = None,
        fail_threshold: int = 5,
        retry_initial: float = 0.5,
        retry_max: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        pause: Callable[[float], object] | None = None,
        name: str = "camera",
        capture_factory: Callable[[int | str, int], cv2.VideoCapture] | None = None,
    ) -> None:
        """Configure; nothing is opened until `start()`.

        `fps`: the rate files and sequences play at (None: the file's own, else 25; `inf`:
        as fast as they read); for a device, the rate asked of it. `resolution`: (width,
        height) asked of a device. `analyse_fps`: at most this many frames analysed a
        second (None: every frame the analysis keeps up with). `idle_fps`: with no one
        waiting for a frame, decode at most this many a second and only grab the others
        (None: decode every frame, so `latest()` is always the newest). `clock` and `pause` exist so
        tests can move time; `capture_factory(target, api)` so they can script a device's
        reads.
        """
        self.spec = parse_source(spec)
        if fps is not None and not fps > 0:
            raise InvalidSource(f"fps is > 0, not {fps}")
        if analyse_fps is not None and not analyse_fps > 0:
            raise InvalidSource(f"analyse_fps is > 0, not {analyse_fps}")
        if idle_fps is not None and not idle_fps > 0:
            raise InvalidSource(f"idle_fps is > 0, not {idle_fps}")
        if fail_threshold < 1 or retry_initial <= 0 or retry_max < retry_initial:
            raise ValueError("fail_threshold >= 1 and 0 < retry_initial <= retry_max")
        self.fps = fps
        self.analyse_fps = analyse_fps
        self.loop = loop
        self.resolution = resolution
        self.name = name
        self._analyse = analyse
        self._analyse_every = 1.0 / analyse_fps if analyse_fps is not None else 0.0
        self.idle_fps = idle_fps
        self._idle_every = 1.0 / idle_fps if idle_fps is not None else None
        self._on_result = on_result
        self._on_health = on_health
        self._fail_threshold = fail_threshold
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._clock = clock
        self._capture_factory = capture_factory or _video_capture
        self._stopping = threading.Event()
        self._pause = pause if pause is not None else self._stopping.wait
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._seq = 0
        self._next_due: float | None = None
        # Who waits for a decoded frame now (under _cond): wait_frame callers, the analysis.
        self._readers = 0
        self._analysis_waiting = False
        self._analysis_due: float | None = None  # when the analysis next wants a frame
        self._decoded_at: float | None = None
        self._grabbed_at: float | None = None
        self._frame_interval = 0.0  # between the last two grabs: the camera's pace
        self._analysis_errors = 0
        self._decoded = 0
        self._health = CameraHealth(SourceState.STARTING, "not started", clock(), 0)
        self._threads: list[threading.Thread] = []
        self._recent: deque[str] = deque(maxlen=DIAGNOSTIC_RING)

    # -- public API -------------------------------------------------------------------

    def start(self) -> FrameSource:
        """Start the capture thread (and the analysis thread when there is an `analyse`)."""
        if self._threads:
            raise RuntimeError("a FrameSource starts once")
        self._set_health(SourceState.STARTING, f"opening {self.spec}")
        self._threads.append(
            threading.Thread(target=self._capture_main, name=f"{self.name}-capture", daemon=True)
        )
        if self._analyse is not None:
            self._threads.append(
                threading.Thread(
                    target=self._analysis_main,
                    args=(self._analyse,),
                    name=f"{self.name}-analysis",
                    daemon=True,
                )
            )
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading, release the camera and join the threads (idempotent)."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                # A V4L2 read can block inside OpenCV; the daemon thread ends when it returns.
                log.warning("camera_stop_timeout thread=%s", thread.name)
        self._set_health(SourceState.STOPPED, "stopped")

    def latest(self) -> Frame | None:
        """The newest decoded frame, or None before the first one. Never blocks.

        With `idle_fps` set and no one waiting, it may be up to 1 / `idle_fps` s old."""
        with self._cond:
            return self._latest

    def wait_frame(self, after_seq: int = 0, timeout: float | None = None) -> Frame | None:
        """Block until a frame newer than `after_seq` exists; None on timeout or stop.

        While it waits, every frame the camera gives is decoded (a QR code is read at the
        camera's full rate), whatever `idle_fps` says."""
        return self._wait(after_seq, timeout, analysis=False)

    def _wait(self, after_seq: int, timeout: float | None, *, analysis: bool) -> Frame | None:
        with self._cond:
            if analysis:
                self._analysis_waiting = True
            else:
                self._readers += 1
            try:
                self._cond.wait_for(
                    lambda: (
                        self._stopping.is_set()
                        or (self._latest is not None and self._latest.seq > after_seq)
                    ),
                    timeout,
                )
            finally:
                if analysis:
                    self._analysis_waiting = False
                else:
                    self._readers -= 1
            frame = self._latest
        return frame if frame is not None and frame.seq > after_seq else None

    def health(self) -> CameraHealth:
        """The current state, its reason and counters."""
        with self._cond:
            return self._health

    def recent_events(self) -> list[str]:
        """The last state changes, oldest first, as one log-style line each."""
        with self._cond:
            return list(self._recent)

    @property
    def running(self) -> bool:
        """True while the capture thread is alive."""
        return bool(self._threads) and self._threads[0].is_alive()

    def __enter__(self) -> FrameSource:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- capture thread ---------------------------------------------------------------

    def _capture_main(self) -> None:
        try:
            self._capture_loop()
        except Exception as err:  # the top of a worker thread (STYLE rule 7)
            log.exception("camera_capture_crashed spec=%s", self.spec)
            self._set_health(
                SourceState.FAULTED,
                f"capture thread crashed: {type(err).__name__}",
                CameraError(f"capture thread crashed: {type(err).__name__}"),
            )

    def _capture_loop(self) -> None:
        retry = self._retry_initial
        while not self._stopping.is_set():
            capture, reason = self._open()
            if capture is None:
                self._fault(reason)
                log.debug("camera_retry spec=%s in_s=%.2f", self.spec, retry)
                self._pause(retry)
                retry = min(retry * 2, self._retry_max)
                continue
            try:
                end = self._stream(capture)
            finally:
                capture.release()
            if end.stopped:
                return
            if end.ended:
                if not self.loop:
                    self._set_health(SourceState.STOPPED, "end of file")
                    return
                retry = self._retry_initial
                continue  # start the file over
            self._fault(end.reason)
            if end.frames:  # it worked until now: try again soon, not after a long back-off
                retry = self._retry_initial
            self._pause(retry)
            retry = min(retry * 2, self._retry_max)

    def _open(self) -> tuple[cv2.VideoCapture | None, str]:
        """Open the source; (None, why) when it cannot be opened."""
        missing = self._missing()
        if missing:
            return None, missing
        api = cv2.CAP_IMAGES if self.spec.kind is SourceKind.SEQUENCE else cv2.CAP_ANY
        try:
            capture = self._capture_factory(self.spec.target, api)
        except cv2.error as err:
            return None, f"cannot open {self.spec}: {err}"
        if not capture.isOpened():
            capture.release()
            return None, f"cannot open {self.spec}"
        if self.spec.kind is SourceKind.DEVICE:
            # Ask for a one-frame driver queue; backends that cannot, ignore it.
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
            if self.resolution is not None:
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.resolution[0])
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.resolution[1])
            if self.fps is not None and math.isfinite(self.fps):
                capture.set(cv2.CAP_PROP_FPS, self.fps)
        # A looping file reopens at every end: only a first open or a recovery is news.
        level = logging.DEBUG if self.health().state is SourceState.OK else logging.INFO
        log.log(level, "camera_open spec=%s backend=%s", self.spec, capture.getBackendName())
        return capture, ""

    def _missing(self) -> str:
        """Why the source cannot be there at all (no node, no file), or ""."""
        node = self.spec.device_node
        if node is not None and not node.exists():
            return f"{node} is missing (camera unplugged?)"
        target = str(self.spec.target)
        if self.spec.kind is SourceKind.FILE and "://" not in target:
            if not Path(target).is_file():
                return f"{target} is missing"
        if self.spec.kind is SourceKind.SEQUENCE:
            if not any(Path(target % start).is_file() for start in (0, 1)):
                return f"no {target} images (numbered from 0 or 1)"
        return ""

    def _period(self, capture: cv2.VideoCapture) -> float:
        """Seconds between frames of a file source; 0 for a device (its read paces us)."""
        if self.spec.kind is SourceKind.DEVICE:
            return 0.0
        fps = self.fps
        if fps is None:
            declared = capture.get(cv2.CAP_PROP_FPS)
            # Image sequences always declare 1 fps, which means "unknown".
            usable = self.spec.kind is SourceKind.FILE and 0 < declared < 1000
            fps = declared if usable else DEFAULT_FILE_FPS
        return 0.0 if math.isinf(fps) else 1.0 / fps

    def _stream(self, capture: cv2.VideoCapture) -> _StreamEnd:
        """Read and publish frames until stopped, at the end of a file, or broken."""
        period = self._period(capture)
        is_file = self.spec.kind is not SourceKind.DEVICE
        # Reading past the last image makes OpenCV warn on stderr every loop: stop before.
        length = (
            int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            if self.spec.kind is SourceKind.SEQUENCE
            else 0
        )
        failures = frames = 0
        while not self._stopping.is_set():
            if length and frames >= length:
                return _StreamEnd(frames, ended=True)
            if period:
                self._wait_until_due(period)
                if self._stopping.is_set():
                    break
            image: np.ndarray | None = None
            try:
                ok = bool(capture.grab())
                if ok and self._wanted():
                    ok, image = capture.retrieve()
                    ok = ok and image is not None and bool(image.size)
            except cv2.error as err:
                log.warning("camera_read_error spec=%s error=%s", self.spec, err)
                ok = False
            if ok:
                failures = 0
                frames += 1
                self._publish(image)
                continue
            if is_file:
                # The end, or the file went away: reopening tells which.
                if period and self._next_due is not None:
                    # A read that found the end gave no frame: its slot goes to the first
                    # frame after the reopen (a one-picture clip played at half its rate).
                    self._next_due -= period
                if frames:
                    return _StreamEnd(frames, ended=True)
                return _StreamEnd(frames, f"{self.spec} gave no frame")
            node = self.spec.device_node
            if node is not None and not node.exists():
                return _StreamEnd(frames, f"{node} disappeared (camera unplugged?)")
            failures += 1
            if failures >= self._fail_threshold:
                return _StreamEnd(frames, f"no frame in {failures} reads from {self.spec}")
            self._pause(_FAILED_READ_PAUSE)
        return _StreamEnd(frames, stopped=True)

    def _wait_until_due(self, period: float) -> None:
        """Pause until the next frame of a file is due (the schedule runs across loops)."""
        now = self._clock()
        due = self._next_due
        if due is None or now - due > period:
            # First frame, or we fell behind (a stall, a reopen): pace from now, no catch-up.
            self._next_due = now + period
            return
        if due > now:
            self._pause(due - now)
        self._next_due = due + period

    def _wanted(self) -> bool:
        """Decode the frame just grabbed? (Always, unless `idle_fps` is set.)"""
        now = self._clock()
        if self._grabbed_at is not None:
            self._frame_interval = now - self._grabbed_at
        self._grabbed_at = now
        if self._idle_every is None:
            return True
        with self._cond:
            if self._readers or self._analysis_waiting:
                return True
            last, due = self._decoded_at, self._analysis_due
        if due is not None and now + self._frame_interval >= due:
            # The analysis wakes before the next frame: have this one ready for it, once.
            if last is None or last < due - self._frame_interval:
                return True
        return last is None or now - last >= self._idle_every

    def _publish(self, image: np.ndarray | None) -> None:
        """Count a grabbed frame; make it the newest frame when it was decoded (`image`)."""
        with self._cond:
            self._seq += 1
            if image is not None:
                image.flags.writeable = False
                self._latest = Frame(image, self._seq, self._clock())
                self._decoded_at = self._latest.timestamp
                self._decoded += 1
                self._cond.notify_all()  # only a decoded frame is news to a waiter
            recovered = self._health.state is not SourceState.OK
            self._health = replace(self._health, frames=self._seq, decoded=self._decoded)
        if recovered:
            self._set_health(SourceState.OK, "")

    def _fault(self, reason: str) -> None:
        self._set_health(SourceState.FAULTED, reason, CameraUnavailable(reason))

    # -- analysis thread --------------------------------------------------------------

    def _analysis_main(self, analyse: Callable[[np.ndarray], Any]) -> None:
        done = 0
        while True:
            frame = self._wait(done, None, analysis=True)
            if frame is None or self._stopping.is_set():
                return
            done = frame.seq
            started = self._clock()
            try:
                result = analyse(frame.image)
                if self._on_result is not None:
                    self._on_result(frame, result)
            except Exception:  # the top of a worker's loop: one bad frame must not stop it
                log.exception("camera_analysis_failed spec=%s seq=%d", self.spec, frame.seq)
                with self._cond:
                    self._analysis_errors += 1
                    self._health = replace(self._health, analysis_errors=self._analysis_errors)
            rest = self._analyse_every - (self._clock() - started)
            if rest > 0:
                with self._cond:
                    self._analysis_due = started + self._analyse_every
                self._pause(rest)  # the frames in between are dropped, never queued

    # -- health -----------------------------------------------------------------------

    def _set_health(
        self, state: SourceState, reason: str, error: CameraError | None = None
    ) -> None:
        with self._cond:
            old = self._health
            if old.state is state and old.reason == reason:
                return
            if self._stopping.is_set() and state is not SourceState.STOPPED:
                return  # a read that was in flight when stop() came: stopped wins
            health = CameraHealth(
                state, reason, self._clock(), self._seq, self._analysis_errors, error,
                self._decoded,
            )  # fmt: skip
            self._health = health
            self._recent.append(
                f"t={health.since:.3f} state={state} frames={self._seq} reason={reason or '-'}"
            )
        level = logging.WARNING if state is SourceState.FAULTED else logging.INFO
        log.log(level, "camera_state spec=%s state=%s reason=%s", self.spec, state, reason or "-")
        if self._on_health is not None:
            try:
                self._on_health(health)
            except Exception:  # a listener's bug must not kill the capture thread
                log.exception("camera_health_listener_failed")


def _video_capture(target: int | str, api: int) -> cv2.VideoCapture:
    """`cv2.VideoCapture` by index or by name (its stubs type the two separately)."""
    if isinstance(target, int):
        return cv2.VideoCapture(target, api)
    return cv2.VideoCapture(target, api)
