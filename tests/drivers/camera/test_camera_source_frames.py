"""FrameSource's specs and frames through real cv2.VideoCapture on simulated cameras (PNG
sequences): in order, newest first, off the calling thread, read-only.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from drivers.camera import (
    Frame,
    FrameSource,
    InvalidSource,
    QrResult,
    SourceKind,
    decode_qr,
    parse_source,
)
from drivers.camera.simulator import SimulatedCamera
from tests.drivers.camera.conftest import (
    capture_threads,
    picture_index,
)
from tests.support.clock import FakeClock
from tests.support.waiting import wait_until

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
        names = {t.name for t in capture_threads()}
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
