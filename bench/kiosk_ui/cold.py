"""Cold start (goal <= 1.5x): a fresh process per run, from its spawn to the first frame
drawn (Window's flip after glFinish) with the kiosk's menu on it, against a bare Kivy App
with one label in the same way.

The kiosk process does what `estation-kiosk` does: holds the garbage collector until its
menu's first frame (kiosk/ui/main.py), loads kiosk.toml, builds a kiosk of simulators (ID
card reader, camera, printer; an enrolled kiosk whose controller is away) and starts what
its menu needs, then runs the App with the kiosk's remote commands, opened on the menu; the
commands' UI handlers, the camera, device scans and sync start on the tick after its first
frame (Kiosk.start_rest_behind). Runs alternate between the two; medians, of the wall time
and of the CPU the process used by that frame (user and system, every thread: the figure a
busy machine hardly moves). The runs share one data folder, as a kiosk's starts do: the
first validates the catalog and keeps it (flows/catalog_cache.py), the later ones read it
back; `--fresh-cold` gives each run a new folder (every start validates, as the first after
an update does).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.kiosk_ui.common import (
    FrameWatch,
    configure,
    kiosk_app,
    menu_shown,
    rss_mb,
    run_child,
    say,
    send_result,
    start_kiosk,
    write_kiosk,
)

COLD_GOAL = 1.5


def child_cold(kind: str, folder: Path) -> None:
    """Run until the first frame with the menu (kiosk) or the label (bare); print its time."""
    if kind != "bare":
        import gc

        # As estation-kiosk's main() first does: no garbage collection until the menu's
        # first frame, which the App gives back (kiosk/ui/app.py).
        gc.disable()
    configure(folder / "kivy")
    if kind == "bare":
        from kivy.app import App
        from kivy.uix.label import Label

        class Bare(App):  # type: ignore[misc]
            def build(self) -> Any:
                return Label(text="Hello")

        app = Bare()
        ready: Callable[[], bool] = lambda: app.root is not None  # noqa: E731
        built = None
    else:
        # As kiosk/ui/main.py: the camera, scans and sync start behind the first frame.
        built = start_kiosk(folder, whole=False)
        app = kiosk_app(
            built.service,
            built.speech,
            commands=built.commands,
            on_first_frame=built.start_rest_behind,
        )
        ready = lambda: menu_shown(app)  # noqa: E731
    watch = FrameWatch()

    def seen(at: float) -> None:
        # The CPU the process has used (user and system, every thread) by the finished frame:
        # a busy machine stretches the wall time of both apps unevenly, this hardly.
        send_result({"frame": at, "rss": rss_mb(), "cpu": time.process_time()})
        app.stop()

    watch.expect(ready, seen)
    try:
        app.run()
    finally:
        if built is not None:
            built.close()


def bench_cold(scratch: Path, runs: int, fresh: bool = False) -> None:
    """Fresh processes, alternating kiosk and bare; median seconds to the first frame."""
    say(f"1. cold start to the first frame, {runs} runs each (fresh processes)")
    times: dict[str, list[float]] = {"bare": [], "kiosk": []}
    cpu: dict[str, list[float]] = {"bare": [], "kiosk": []}
    rss: dict[str, float] = {}
    for run in range(runs):
        for kind in ("bare", "kiosk"):
            folder = scratch / (f"cold-{kind}-{run}" if fresh else f"cold-{kind}")
            if kind == "kiosk":
                write_kiosk(folder, camera=True)
            result, spawned = run_child(["cold", kind], folder)
            times[kind].append(result["frame"] - spawned)
            cpu[kind].append(result["cpu"])
            rss[kind] = result["rss"]
            say(
                f"  run {run + 1}/{runs} {kind:5s}: {times[kind][-1]:5.2f} s, "
                f"CPU {cpu[kind][-1]:5.3f} s"
            )
    bare, kiosk = statistics.median(times["bare"]), statistics.median(times["kiosk"])
    say(
        f"   bare Kivy label {bare:5.2f} s, kiosk menu {kiosk:5.2f} s (medians): "
        f"{kiosk / bare:.2f}x (goal <= {COLD_GOAL}x)"
    )
    bare_cpu, kiosk_cpu = statistics.median(cpu["bare"]), statistics.median(cpu["kiosk"])
    say(
        f"   CPU to the first frame (user and system, every thread): bare {bare_cpu:5.3f} s, "
        f"kiosk {kiosk_cpu:5.3f} s (medians): {kiosk_cpu / bare_cpu:.2f}x"
    )
    say(f"   RSS at the first frame: bare {rss['bare']:.0f} MB, kiosk {rss['kiosk']:.0f} MB")
