"""FrameSource through real cv2.VideoCapture on simulated cameras (PNG sequences, MJPG)."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from drivers.camera import (
    CameraHealth,
    CameraUnavailable,
    Frame,
    FrameSource,
    InvalidSource,
    QrResult,
    SourceKind,
    SourceState,
    decode_qr,
    parse_source,
)
from drivers.camera.simulator import SimulatedCamera
from kiosk.messages import for_error
from tests.drivers.camera.conftest import numbered_pictures, picture_index
from tests.support.clock import FakeClock
from tests.support.waiting import wait_until


def _capture_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("camera-")]


# -- specs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "kind", "target"),
    [
        (0, SourceKind.DEVICE, 0),
        ("2", SourceKind.DEVICE, 2),
        ("/dev/video4", SourceKind.DEVICE, "/dev/video4"),
        ("clip.avi", SourceKind.FILE, "clip.avi"),
        (Path("/tmp/x/frame_%03d.png"), SourceKind.SEQUENCE, "/tmp/x/frame_%03d.png"),
        ("img%d.jpg", SourceKind.SEQUENCE, "img%d.jpg"),
    ],
)
def test_source_spec_names_device_file_or_sequence(
    spec: int | str | Path, kind: SourceKind, target: int | str
) -> None:
    parsed = parse_source(spec)
    assert (parsed.kind, parsed.target) == (kind, target)


@pytest.mark.parametrize("spec", [-1, "", "  ", True])
def test_nonsense_spec_is_invalid_source(spec: int | str) -> None:
    with pytest.raises(InvalidSource):
        parse_source(spec)


def test_fps_must_be_positive() -> None:
    with pytest.raises(InvalidSource, match="fps"):
        FrameSource("x.avi", fps=0)


# -- frames -----------------------------------------------------------------------------


def test_png_sequence_frames_arrive_in_order_and_loop(numbered_camera: SimulatedCamera) -> None:
    clock = FakeClock(0.0)
    seen: list[Frame] = []
    source = numbered_camera.source(
        fps=10, clock=clock, pause=clock.pause, analyse=lambda image: None,
        on_result=lambda frame, _: seen.append(frame),
    )  # fmt: skip
    with source:
        frames = []
        frame = source.wait_frame(timeout=5)
        while frame is not None and len(frames) < 12:
            frames.append(frame)
            frame = source.wait_frame(frame.seq, timeout=5)
    # A waiter may miss frames (they are dropped, not queued): check order, not count.
    indexes = [picture_index(f.image) for f in frames]
    assert indexes == [(f.seq - 1) % 5 for f in frames]
    assert frames[-1].seq > 5, "the sequence starts over at its end"


def test_frames_are_read_and_analysed_off_the_calling_thread(qr_camera: SimulatedCamera) -> None:
    results: list[tuple[str, list[QrResult]]] = []
    source = qr_camera.source(
        analyse=decode_qr,
        on_result=lambda frame, r: results.append((threading.current_thread().name, r)),
    )
    with source:
        assert wait_until(lambda: len(results) >= 2)
        names = {t.name for t in _capture_threads()}
    assert names == {"camera-capture", "camera-analysis"}
    thread_name, found = results[0]
    assert thread_name == "camera-analysis"
    assert [r.text for r in found] == ["社保卡测试"]


def test_latest_holds_only_the_newest_frame_and_old_ones_are_dropped(
    numbered_camera: SimulatedCamera,
) -> None:
    with numbered_camera.source(fps=math.inf) as source:
        first = source.wait_frame(timeout=5)
        assert first is not None
        assert wait_until(lambda: (source.latest() or first).seq > first.seq + 10)
        newest = source.latest()
        # No queue: waiting for "after the first" gives the newest, not the second.
        after_first = source.wait_frame(first.seq, timeout=5)
    assert newest is not None
    assert after_first is not None
    assert after_first.seq >= newest.seq > first.seq + 10


def test_slow_analysis_always_gets_the_newest_frame_never_a_backlog(
    numbered_camera: SimulatedCamera,
) -> None:
    seqs: list[int] = []

    def slow(image: np.ndarray) -> None:
        time.sleep(0.03)

    source = numbered_camera.source(
        fps=math.inf, analyse=slow, on_result=lambda frame, _: seqs.append(frame.seq)
    )
    with source:
        assert wait_until(lambda: len(seqs) >= 5)
    assert all(b - a > 1 for a, b in zip(seqs, seqs[1:], strict=False)), "frames were skipped"
    assert source.health().frames > 3 * len(seqs)


def test_frame_images_are_read_only(numbered_camera: SimulatedCamera) -> None:
    with numbered_camera.source() as source:
        frame = source.wait_frame(timeout=5)
    assert frame is not None
    with pytest.raises(ValueError, match="read-only"):
        frame.image[0, 0, 0] = 1


# -- pacing (fake clock: time moves, nothing sleeps) ------------------------------------


def test_file_source_is_paced_to_the_requested_fps() -> None:
    clock = FakeClock(0.0)
    with SimulatedCamera(numbered_pictures(6)) as camera:
        source = camera.source(fps=10, loop=False, clock=clock, pause=clock.pause)
        with source:
            assert wait_until(lambda: source.health().state is SourceState.STOPPED)
            assert source.health().reason == "end of file"
            assert source.health().frames == 6
    last = source.latest()
    assert last is not None
    # Each frame waited its 0.1 s on the fake clock; none came early, none waited twice.
    assert clock.pauses == pytest.approx([0.1] * 5)
    assert last.timestamp == pytest.approx(0.5)


def test_a_looping_one_picture_clip_plays_at_its_fps() -> None:
    """The kiosk's simulated camera is one picture in an MJPG clip: the read that found the
    clip's end took a frame's slot, so it played at half the rate asked."""
    clock = FakeClock(0.0)
    with SimulatedCamera([numbered_pictures(1)[0]], fmt="mjpg") as camera:
        with camera.source(fps=20, clock=clock, pause=clock.pause) as source:
            assert wait_until(lambda: source.health().frames >= 40, timeout=20)
            frames, seconds = source.health().frames, clock()
    assert frames / seconds == pytest.approx(20, rel=0.1)


def test_file_rate_is_used_when_no_fps_is_given() -> None:
    clock = FakeClock(0.0)
    with SimulatedCamera(numbered_pictures(4), fmt="mjpg", fps=15) as camera:
        source = FrameSource(camera.spec, loop=False, clock=clock, pause=clock.pause)
        with source:
            assert wait_until(lambda: source.health().state is SourceState.STOPPED)
    # A file's end shows only when a read fails: that read waited its turn too.
    assert clock.pauses == pytest.approx([1 / 15] * 4)


def test_image_sequence_without_fps_plays_at_25() -> None:
    clock = FakeClock(0.0)
    with SimulatedCamera(numbered_pictures(3)) as camera:
        source = FrameSource(camera.spec, loop=False, clock=clock, pause=clock.pause)
        with source:
            assert wait_until(lambda: source.health().state is SourceState.STOPPED)
    assert clock.pauses == pytest.approx([0.04] * 2)


def test_real_time_pacing_holds_roughly() -> None:
    with SimulatedCamera(numbered_pictures(3)) as camera:
        with camera.source(fps=50) as source:
            first = source.wait_frame(timeout=5)
            assert first is not None
            assert wait_until(lambda: (source.latest() or first).seq >= first.seq + 10)
            last = source.latest()
    assert last is not None
    rate = (last.seq - first.seq) / (last.timestamp - first.timestamp)
    assert 20 < rate < 55  # never faster than asked; slower only on a starved CPU


# -- start / stop -----------------------------------------------------------------------


def test_stop_joins_both_threads_and_says_stopped(numbered_camera: SimulatedCamera) -> None:
    source = numbered_camera.source(analyse=lambda image: None).start()
    assert source.wait_frame(timeout=5) is not None
    assert source.running
    source.stop()
    assert not source.running
    assert _capture_threads() == []
    assert source.health().state is SourceState.STOPPED
    source.stop()  # idempotent
    with pytest.raises(RuntimeError):
        source.start()


def test_stop_interrupts_a_long_pace_at_once() -> None:
    with SimulatedCamera(numbered_pictures(2)) as camera:
        source = camera.source(fps=0.1).start()  # one frame per 10 s
        assert source.wait_frame(timeout=5) is not None
        started = time.monotonic()
        source.stop()
    assert time.monotonic() - started < 1.0


def test_wait_frame_times_out_with_none_on_a_missing_source(tmp_path: Path) -> None:
    with FrameSource(tmp_path / "none_%03d.png", retry_initial=0.05) as source:
        assert source.wait_frame(timeout=0.1) is None


# -- faults -----------------------------------------------------------------------------


def test_camera_that_disappears_is_faulted_with_a_reason_then_recovers() -> None:
    states: list[CameraHealth] = []
    with SimulatedCamera(numbered_pictures(3)) as camera:
        source = camera.source(fps=100, retry_initial=0.02, retry_max=0.05, on_health=states.append)
        with source:
            assert source.wait_frame(timeout=5) is not None
            camera.disappear()
            assert wait_until(lambda: source.health().state is SourceState.FAULTED)
            faulted = source.health()
            before = faulted.frames
            camera.reappear()
            assert wait_until(lambda: source.health().state is SourceState.OK)
            after = source.wait_frame(before, timeout=5)
    assert "frame_%03d.png" in faulted.reason
    assert isinstance(faulted.error, CameraUnavailable)
    assert for_error(faulted.error).zh == "摄像头未连接或无画面，请点「求助」按钮呼叫工作人员。"
    assert after is not None
    assert after.seq > before
    assert [h.state for h in states] == [
        SourceState.STARTING,
        SourceState.OK,
        SourceState.FAULTED,
        SourceState.OK,
        SourceState.STOPPED,
    ]
    events = source.recent_events()
    assert [e.split()[1] for e in events] == [f"state={h.state}" for h in states]
    assert "reason=cannot open" in events[2] or "reason=no " in events[2]


def test_reopen_backs_off_exponentially_up_to_the_maximum(tmp_path: Path) -> None:
    clock = FakeClock(0.0)
    source = FrameSource(
        tmp_path / "gone_%03d.png", retry_initial=0.5, retry_max=4.0,
        clock=clock, pause=clock.pause,
    )  # fmt: skip
    with source:
        assert wait_until(lambda: len(clock.pauses) >= 7)
    assert clock.pauses[:7] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    health = source.health()
    assert health.state is SourceState.STOPPED


def test_missing_file_reason_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "clip.avi"
    with FrameSource(missing, retry_initial=10) as source:
        assert wait_until(lambda: source.health().state is SourceState.FAULTED)
        assert source.health().reason == f"{missing} is missing"


@pytest.mark.parametrize("as_path", [False, True], ids=["index", "/dev path"])
def test_unplugged_device_is_faulted_without_touching_opencv(as_path: bool) -> None:
    index = next(i for i in range(40, 100) if not Path(f"/dev/video{i}").exists())
    with FrameSource(f"/dev/video{index}" if as_path else index, retry_initial=10) as source:
        assert wait_until(lambda: source.health().state is SourceState.FAULTED)
        assert source.health().reason == f"/dev/video{index} is missing (camera unplugged?)"


def test_broken_file_is_faulted(tmp_path: Path) -> None:
    bogus = tmp_path / "clip.avi"
    bogus.write_bytes(b"not a video at all" * 100)
    with FrameSource(bogus, retry_initial=10) as source:
        assert wait_until(lambda: source.health().state is SourceState.FAULTED)
        assert str(bogus) in source.health().reason


def test_failing_analysis_is_counted_and_capture_goes_on(
    numbered_camera: SimulatedCamera, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(image: np.ndarray) -> None:
        raise RuntimeError("analysis bug")

    with numbered_camera.source(fps=200, analyse=broken) as source:
        assert wait_until(lambda: source.health().analysis_errors >= 3)
        assert source.health().state is SourceState.OK
        seq = source.health().frames
        assert source.wait_frame(seq, timeout=5) is not None
    assert "camera_analysis_failed" in caplog.text


def test_a_failing_health_listener_does_not_stop_capture(numbered_camera: SimulatedCamera) -> None:
    def listener(health: CameraHealth) -> None:
        raise RuntimeError("listener bug")

    with numbered_camera.source(on_health=listener) as source:
        first = source.wait_frame(timeout=5)
        assert first is not None
        assert source.wait_frame(first.seq, timeout=5) is not None


# -- a device whose reads fail (no camera in CI: a scripted capture on a /dev node) -----


class ScriptedCapture:
    """Stands in for cv2.VideoCapture on a device: `script` says which reads succeed."""

    def __init__(self, script: list[bool]) -> None:
        self.script = script
        self.released = False
        self.grabbed = False
        self.grabs = self.retrieves = 0

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def grab(self) -> bool:
        ok = self.script.pop(0) if self.script else True
        time.sleep(0.002)  # a camera's grab blocks until its next frame
        self.grabbed = ok
        self.grabs += 1
        return ok

    def retrieve(self) -> tuple[bool, np.ndarray | None]:
        self.retrieves += 1
        return (True, np.full((48, 64, 3), 99, np.uint8)) if self.grabbed else (False, None)

    def set(self, prop: int, value: float) -> bool:
        return False

    def get(self, prop: int) -> float:
        return 0.0

    def getBackendName(self) -> str:  # noqa: N802 - OpenCV's name
        return "SCRIPTED"

    def release(self) -> None:
        self.released = True


@pytest.fixture
def device_node() -> Iterator[Path]:
    """A file under /dev (so the spec is a device) standing for a camera's node."""
    node = Path(f"/dev/shm/estation-test-video-{os.getpid()}-{time.monotonic_ns()}")
    node.touch()
    yield node
    node.unlink(missing_ok=True)


def test_device_that_stops_giving_frames_faults_after_the_threshold_then_recovers(
    device_node: Path,
) -> None:
    # 3 good frames, 4 failed reads (threshold 4), then a reopened device that works.
    opened: list[ScriptedCapture] = []

    def factory(target: int | str, api: int) -> ScriptedCapture:
        opened.append(ScriptedCapture([True] * 3 + [False] * 4 if not opened else []))
        return opened[-1]

    states: list[SourceState] = []
    source = FrameSource(
        str(device_node), fail_threshold=4, retry_initial=0.01,
        capture_factory=factory,  # type: ignore[arg-type]
        on_health=lambda h: states.append(h.state),
    )  # fmt: skip
    with source:
        assert wait_until(lambda: len(opened) >= 2 and source.health().frames > 5)
        events = source.recent_events()
    assert states[:4] == [
        SourceState.STARTING,
        SourceState.OK,
        SourceState.FAULTED,
        SourceState.OK,
    ]
    assert f"reason=no frame in 4 reads from camera {device_node}" in events[2]
    assert opened[0].released


def test_device_whose_node_vanishes_mid_stream_is_faulted_as_unplugged(
    device_node: Path,
) -> None:
    def factory(target: int | str, api: int) -> ScriptedCapture:
        device_node.unlink()  # unplugged right after opening: every read fails
        return ScriptedCapture([False] * 100)

    with FrameSource(
        str(device_node), fail_threshold=50, retry_initial=10,
        capture_factory=factory,  # type: ignore[arg-type]
    ) as source:  # fmt: skip
        assert wait_until(lambda: source.health().state is SourceState.FAULTED)
        reason = source.health().reason
    assert reason == f"{device_node} disappeared (camera unplugged?)"


def test_analysis_runs_at_most_at_the_rate_asked_whatever_the_camera_gives(
    numbered_camera: SimulatedCamera,
) -> None:
    """25 frames a second come in; face detection on each cost half a core at rest."""
    clock = FakeClock(0.0)
    analysed: list[float] = []
    source = numbered_camera.source(
        fps=25, clock=clock, pause=clock.pause, analyse=lambda image: analysed.append(clock()),
        analyse_fps=4,
    )  # fmt: skip
    with source:
        assert wait_until(lambda: clock() >= 10.0)
    assert len(analysed) >= 10  # it still analyses
    # At most 4 in any one second of camera time (the first frame at once).
    for first in analysed:
        assert len([t for t in analysed if first <= t < first + 1.0]) <= 4


def _recording_factory(
    opened: list[ScriptedCapture],
) -> Callable[[int | str, int], ScriptedCapture]:
    """A capture factory whose cameras always deliver, each kept in `opened`."""

    def factory(target: int | str, api: int) -> ScriptedCapture:
        opened.append(ScriptedCapture([]))
        return opened[-1]

    return factory


def test_with_idle_fps_frames_nobody_waits_for_are_grabbed_but_never_decoded(
    device_node: Path,
) -> None:
    """Decoding every frame of a camera nobody looks at was most of the kiosk's rest CPU."""
    opened: list[ScriptedCapture] = []
    factory = _recording_factory(opened)

    clock = FakeClock(0.0)  # frozen: the idle second never passes
    source = FrameSource(
        str(device_node), idle_fps=1, clock=clock,
        capture_factory=factory,  # type: ignore[arg-type]
    )  # fmt: skip
    with source:
        assert wait_until(lambda: source.health().frames >= 100)
        camera = opened[0]
        assert camera.retrieves == 1  # the first frame, then none: nobody asked
        first = source.latest()
        assert first is not None
        assert first.seq == 1
        # A reader (the self-test's QR check) gets a fresh frame at once, decoded for it.
        fresh = source.wait_frame(source.health().frames, timeout=5)
        assert fresh is not None
        assert fresh.seq > 100
        decoded = camera.retrieves
        assert decoded >= 2
        assert wait_until(lambda: source.health().frames >= fresh.seq + 100)
        assert camera.retrieves <= decoded + 1  # the reader gone, decoding stops again
        clock.advance(1.0)  # a second later, one frame is decoded to keep latest() recent
        assert wait_until(lambda: (source.latest() or first).seq > fresh.seq)


def test_the_analysis_gets_its_frames_decoded_at_its_rate_and_no_more(
    device_node: Path,
) -> None:
    opened: list[ScriptedCapture] = []
    factory = _recording_factory(opened)

    analysed: list[int] = []
    started = time.monotonic()
    source = FrameSource(
        str(device_node), idle_fps=1, analyse_fps=8,
        analyse=lambda image: analysed.append(int(image[0, 0, 0])),
        capture_factory=factory,  # type: ignore[arg-type]
    )  # fmt: skip
    with source:
        assert wait_until(lambda: len(analysed) >= 4)
        decoded, analysed_now = opened[0].retrieves, len(analysed)
        grabbed = source.health().frames
    seconds = time.monotonic() - started
    assert analysed == [99] * len(analysed)  # real pictures, decoded
    # Each analysis has one frame decoded for it; the idle rate adds at most one a second.
    assert decoded <= analysed_now + 2 + seconds
    assert grabbed > 2 * decoded  # the camera's other frames were only grabbed
