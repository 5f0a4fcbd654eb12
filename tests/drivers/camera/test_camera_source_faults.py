"""FrameSource starting, stopping and faulting: a camera that disappears, a broken file, a
failing analysis or listener, a device whose reads fail or whose node vanishes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from drivers.camera import (
    CameraHealth,
    CameraUnavailable,
    FrameSource,
    SourceState,
)
from drivers.camera.simulator import SimulatedCamera
from kiosk.messages import for_error
from tests.drivers.camera.conftest import (
    ScriptedCapture,
    capture_threads,
    numbered_pictures,
)
from tests.support.clock import FakeClock
from tests.support.waiting import wait_until

# -- start / stop -----------------------------------------------------------------------


def test_stop_joins_both_threads_and_says_stopped(numbered_camera: SimulatedCamera) -> None:
    source = numbered_camera.source(analyse=lambda image: None).start()
    assert source.wait_frame(timeout=5) is not None
    assert source.running
    source.stop()
    assert not source.running
    assert capture_threads() == []
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


# -- a device whose reads fail (no camera in CI: conftest's ScriptedCapture on a /dev node) --


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
