"""CPU at rest on the menu (goal < 5 % of one core): the kiosk's process over `--rest`
seconds, with the simulated camera watching (an MJPG clip as a UVC camera sends, grabbed at
the kiosk's 10 frames a second, decoded only for the analysis at kiosk.toml's
`analyse_fps`: drivers/camera/source.py; the detector run when the scene moved:
kiosk/presence.py) and, as the baseline, without a camera.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.kiosk_ui.common import (
    FrameWatch,
    configure,
    kiosk_app,
    menu_shown,
    run_child,
    say,
    send_result,
    start_kiosk,
    write_kiosk,
)

CPU_GOAL = 0.05


def child_rest(folder: Path, seconds: float) -> None:
    """The kiosk on its menu for `seconds` after a warm-up; print its CPU share."""
    configure(folder / "kivy")
    from kivy.clock import Clock

    built = start_kiosk(folder)
    app = kiosk_app(built.service, built.speech)
    watch = FrameWatch()
    marks: dict[str, float] = {}
    presence = built.hardware.presence

    def begin(_dt: float) -> None:
        marks.update(cpu=time.process_time(), wall=time.monotonic())
        marks["analysed"] = presence.analysed if presence is not None else 0
        marks["detections"] = presence.detections if presence is not None else 0
        health = presence.health() if presence is not None else None
        marks["frames"] = health.frames if health is not None else 0
        marks["decoded"] = health.decoded if health is not None else 0
        Clock.schedule_once(end, seconds)

    def end(_dt: float) -> None:
        wall = time.monotonic() - marks["wall"]
        analysed = (presence.analysed if presence is not None else 0) - marks["analysed"]
        detected = (presence.detections if presence is not None else 0) - marks["detections"]
        health = presence.health() if presence is not None else None
        frames = (health.frames if health is not None else 0) - marks["frames"]
        decoded = (health.decoded if health is not None else 0) - marks["decoded"]
        send_result(
            {
                "cpu": (time.process_time() - marks["cpu"]) / wall,
                "analysed_per_s": analysed / wall,
                "detections_per_s": detected / wall,
                "frames_per_s": frames / wall,
                "decoded_per_s": decoded / wall,
                "on_menu": menu_shown(app),
            }
        )
        app.stop()

    watch.expect(lambda: menu_shown(app), lambda _at: Clock.schedule_once(begin, 3.0))
    try:
        app.run()
    finally:
        built.close()


def bench_cpu(scratch: Path, seconds: float) -> None:
    """The kiosk at rest on its menu, camera watching vs no camera."""
    say(f"4. CPU at rest on the menu over {seconds:g} s")
    shares = {}
    for camera in ("off", "on"):
        folder = scratch / f"rest-{camera}"
        write_kiosk(folder, camera=camera == "on")
        result, _ = run_child(["rest", str(seconds)], folder)
        shares[camera] = result["cpu"]
        say(
            f"   camera {camera:3s}: {100 * result['cpu']:5.1f} % of one core, "
            f"{result['analysed_per_s']:4.1f} frames analysed/s, face detector run on "
            f"{result['detections_per_s']:4.1f}/s, {result['decoded_per_s']:4.1f} of "
            f"{result['frames_per_s']:4.1f} frames/s decoded"
        )
    say(
        f"   camera watching {100 * shares['on']:.1f} % (goal < {100 * CPU_GOAL:.0f} %), "
        f"{shares['on'] / max(shares['off'], 1e-6):.1f}x the kiosk without a camera"
    )
