"""FrameSource's pace: a file source at its fps (a fake clock: time moves, nothing sleeps),
analysis at the rate asked, and frames nobody waits for grabbed but never decoded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.camera import (
    FrameSource,
    SourceState,
)
from drivers.camera.simulator import SimulatedCamera
from tests.drivers.camera.conftest import (
    ScriptedCapture,
    numbered_pictures,
)
from tests.support.clock import FakeClock
from tests.support.waiting import wait_until

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
