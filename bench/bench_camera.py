"""Camera timings and the measurements behind analysis.py's choices, on synthetic scenes.

Prints: decode_qr and face_present time per frame; how many tilted, noisy QR codes each
OpenCV detector reads; how often each Haar frontal-face cascade fires on drawn faces,
featureless heads, empty scenes and QR scenes; FrameSource read rate from a PNG sequence;
the CPU the kiosk's presence watch takes at rest, analysing every frame and at most
kiosk.toml's `analyse_fps` (4) frames a second, as a ratio of one run (`--rest` alone).

Run: .venv/bin/python -m bench.bench_camera [--rest]
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2
import cv2.data
import numpy as np

from drivers.camera import decode_qr, face_present
from drivers.camera.analysis import _aruco_detector
from drivers.camera.scenes import blank_scene, faceless_head, place, qr_image, schematic_face
from drivers.camera.simulator import SimulatedCamera
from kiosk.config_model import CameraConfig
from kiosk.presence import PresenceWatch

PAYLOAD = "电子社保卡 https://example.invalid/e-ssc?t=ABCDEF0123456789"


def per_call_ms(function: Callable[[], object], repeat: int = 20) -> str:
    """Median and worst milliseconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return f"median {statistics.median(times):6.1f} ms, worst {max(times):6.1f} ms"


def bench_analysis() -> None:
    """Time per frame of the two analysis functions at kiosk camera sizes."""
    for width, height in ((640, 480), (1280, 720)):
        empty = blank_scene(width, height, clutter=0.5, noise=6)
        code = place(qr_image(PAYLOAD), empty, height_fraction=0.5, tilt_deg=25, noise=6)
        face = place(schematic_face(300), empty, height_fraction=0.6, noise=6)
        print(f"{width}x{height} decode_qr, no code:  {per_call_ms(partial(decode_qr, empty))}")
        print(f"{width}x{height} decode_qr, a code:   {per_call_ms(partial(decode_qr, code))}")
        for min_size in (60, 120):
            timing = per_call_ms(partial(face_present, face, min_size=min_size))
            print(f"{width}x{height} face_present min {min_size:3d}: {timing}")


def tilted_scenes(count: int) -> list[np.ndarray]:
    """Grey scenes with one QR code at a random tilt, turn, size, blur and noise."""
    rng = np.random.default_rng(0)
    scenes = []
    for i in range(count):
        picture = place(
            qr_image(PAYLOAD),
            blank_scene(seed=i, clutter=float(rng.uniform(0, 1))),
            height_fraction=float(rng.uniform(0.3, 0.8)),
            center=(float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.4, 0.6))),
            tilt_deg=float(rng.uniform(-50, 50)),
            turn_deg=float(rng.uniform(-40, 40)),
            blur=float(rng.uniform(0, 1.5)),
            noise=float(rng.uniform(0, 15)),
            seed=i,
        )
        scenes.append(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY))
    return scenes


def bench_qr_detectors(count: int = 100) -> None:
    """How many tilted, noisy codes each detector reads; decode_qr runs both."""
    scenes = tilted_scenes(count)
    expected = PAYLOAD.encode()
    detectors: dict[str, Callable[[np.ndarray], list[bytes]]] = {
        "classic QRCodeDetector": lambda g: list(
            cv2.QRCodeDetector().detectAndDecodeBytesMulti(g)[1] or []
        ),
        "ArUco QRCodeDetector": lambda g: list(
            _aruco_detector(g.shape).detectAndDecodeBytesMulti(g)[1] or []
        ),
        "decode_qr (ArUco, then classic)": lambda g: [r.payload for r in decode_qr(g)],
    }
    for name, detect in detectors.items():
        read = sum(expected in detect(g) for g in scenes)
        print(f"{name:32s} read {read:3d} of {count}")


def bench_cascades(count: int = 60) -> None:
    """Scenes in which each frontal-face cascade finds a face (min size 60, 5 neighbours)."""
    rng = np.random.default_rng(0)
    kinds: dict[str, list[np.ndarray]] = {"face": [], "faceless head": [], "empty": [], "qr": []}
    for i in range(count):
        size = int(rng.integers(80, 300))
        look = {
            "skin": int(rng.integers(150, 230)),
            "dark": int(rng.integers(10, 70)),
            "bg": int(rng.integers(40, 160)),
        }
        noise = float(rng.uniform(0, 12))
        scene = blank_scene(seed=i, clutter=float(rng.uniform(0, 1)) if i % 2 else 0, noise=noise)
        where = {
            "height_fraction": float(rng.uniform(0.25, 0.9)),
            "center": (float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.4, 0.6))),
            "noise": noise,
            "seed": i,
            "blur": float(rng.uniform(0, 1.5)),
        }
        kinds["face"].append(place(schematic_face(size, **look), scene, **where))  # type: ignore[arg-type]
        kinds["faceless head"].append(place(faceless_head(size, **look), scene, **where))  # type: ignore[arg-type]
        kinds["empty"].append(scene)
        kinds["qr"].append(place(qr_image(f"code {i}"), scene, **where))  # type: ignore[arg-type]
    for name in ("default", "alt", "alt2", "alt_tree"):
        path = Path(cv2.data.haarcascades) / f"haarcascade_frontalface_{name}.xml"
        cascade = cv2.CascadeClassifier(str(path))
        row = []
        for kind, frames in kinds.items():
            hits = sum(
                len(
                    cascade.detectMultiScale(
                        cv2.equalizeHist(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY)),
                        scaleFactor=1.1,
                        minNeighbors=5,
                        minSize=(60, 60),
                    )
                )
                > 0
                for f in frames
            )
            row.append(f"{kind} {hits:2d}/{count}")
        print(f"haarcascade_frontalface_{name:8s}: " + ", ".join(row))


def bench_frame_source(frames: int = 300) -> None:
    """Frames per second FrameSource reads from a 640x480 PNG sequence, unpaced."""
    pictures = [place(qr_image(f"{i}"), blank_scene(seed=i)) for i in range(10)]
    with SimulatedCamera(pictures) as camera, camera.source(fps=math.inf) as source:
        first = source.wait_frame(timeout=5)
        if first is None:
            raise RuntimeError(f"no frame: {source.health()}")
        started = time.perf_counter()
        while (source.latest() or first).seq < first.seq + frames:
            time.sleep(0.001)
        rate = frames / (time.perf_counter() - started)
    print(f"FrameSource, 640x480 PNG sequence, unpaced: {rate:6.0f} frames/s")


def _watch_cpu(camera: SimulatedCamera, analyse_fps: float | None, seconds: float) -> float:
    """Percent of one core the process spends while a presence watch runs for `seconds`."""
    watch = PresenceWatch(lambda **options: camera.source(analyse_fps=analyse_fps, **options))
    watch.start()
    try:
        time.sleep(1.0)  # past opening the camera and the cascade
        cpu, wall, analysed = time.process_time(), time.perf_counter(), watch.analysed
        time.sleep(seconds)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        rate = (watch.analysed - analysed) / wall
    finally:
        watch.stop()
    limit = "every frame" if analyse_fps is None else f"at most {analyse_fps:g}/s"
    print(f"presence watch, 25 fps 640x480, {limit:12s}: {100 * cpu / wall:5.1f} % of a core, "
          f"{rate:4.1f} frames analysed/s")  # fmt: skip
    return cpu / wall


def bench_presence_at_rest(seconds: float = 10.0) -> None:
    """CPU at rest with the camera watching a citizen, every frame vs kiosk.toml's rate."""
    citizen = place(schematic_face(180), blank_scene(seed=1))
    with SimulatedCamera([citizen], fps=25) as camera:
        before = _watch_cpu(camera, None, seconds)
        after = _watch_cpu(camera, CameraConfig().analyse_fps, seconds)
        with camera.source():  # reading and decoding the frames alone, for comparison
            time.sleep(1.0)
            cpu, wall = time.process_time(), time.perf_counter()
            time.sleep(seconds)
            reading = (time.process_time() - cpu) / (time.perf_counter() - wall)
    print(f"camera frames read, nothing analysed:        {100 * reading:5.1f} % of a core")
    print(f"presence watch CPU, limited / every frame: {after / before:.2f}x")


if __name__ == "__main__":
    if "--rest" in sys.argv:
        bench_presence_at_rest()
        raise SystemExit
    bench_analysis()
    bench_qr_detectors()
    bench_cascades()
    bench_frame_source()
    bench_presence_at_rest()
