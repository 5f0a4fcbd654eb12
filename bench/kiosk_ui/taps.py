"""Tap to next screen (goal <= 1.2x, p95 <= 100 ms): inside the running App, a touch laid
through the window on a menu tile, then the step screen's cancel button, then the end
screen's finish button (back to the menu), round and round, each timed from the touch-down
to the first frame drawn with the next screen; against a bare two-screen ScreenManager with
one button a screen (NoTransition, as the kiosk's Router).

Taps are 0.8 s apart (past the kiosk's 0.4 s guard against double taps). Beside the latency,
the CPU each app's threads used from the touch to that frame (UI thread, software GL's
rasteriser threads, the others): a busy machine stretches the latency of both apps
unevenly, their CPU hardly, so it is the figure to compare across runs. Every frame drawn is
finished at its flip, as a screen's buffer swap does (`present_every_frame`).
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from bench.kiosk_ui.common import (
    FrameWatch,
    configure,
    kiosk_app,
    present_every_frame,
    run_child,
    say,
    send_result,
    service_tile,
    start_kiosk,
    touch,
    write_kiosk,
)

TAP_GOAL = 1.2
TAP_P95_GOAL_MS = 100.0
TAP_SPACING = 0.8  # seconds between taps: past the Router's 0.4 s tap guard
SWITCH_TIMEOUT = 5.0  # a tap whose screen does not come within this is counted as lost


def thread_cpu_ms() -> dict[str, float]:
    """CPU this process's threads have used so far, in ms: the UI thread's, software GL's
    rasteriser threads' (llvmpipe) and the others' (camera, workers), from schedstat."""
    used = {"ui": 0.0, "gl": 0.0, "other": 0.0}
    main = str(os.getpid())
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="utf-8") as comm:
                name = comm.read().strip()
            with open(f"/proc/self/task/{tid}/schedstat", encoding="ascii") as stat:
                ns = int(stat.read().split()[0])
        except OSError:  # a thread that ended between the listing and the read
            continue
        kind = "ui" if tid == main else ("gl" if name.startswith("llvmpipe") else "other")
        used[kind] += ns / 1e6
    return used


def child_taps(kind: str, folder: Path, taps: int) -> None:
    """Tap back and forth between two screens `taps` times; print each tap's latency."""
    configure(folder / "kivy")
    import kivy.tests.common  # noqa: F401 - it imports pytest: now, not in the first timed tap
    from kivy.clock import Clock

    built = None
    if kind == "bare":
        from kivy.app import App
        from kivy.uix.button import Button
        from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

        class Bare(App):  # type: ignore[misc]
            def build(self) -> Any:
                manager = ScreenManager(transition=NoTransition())
                for name, other in (("a", "b"), ("b", "a")):
                    screen = Screen(name=name)
                    button = Button(text=f"to {other}")
                    button.bind(
                        on_release=lambda _b, other=other: setattr(manager, "current", other)
                    )
                    screen.add_widget(button)
                    manager.add_widget(screen)
                return manager

        app: Any = Bare()

        def target() -> Any:
            return app.root.current_screen.children[0]

        def current() -> str:
            return str(app.root.current)
    else:
        built = start_kiosk(folder)
        app = kiosk_app(built.service, built.speech)

        def target() -> Any:
            router = app.router
            if router.current == "welcome":
                return service_tile(router)
            if router.current == "end":
                return router.end.ids.finish
            buttons = router.current_screen.ids.buttons.children
            return next(b for b in buttons if getattr(b, "event", "") == "cancel")

        def current() -> str:
            return str(app.router.current)

    latencies: list[float] = []
    # CPU from the touch to the frame, by thread kind: unlike the latency it hardly moves
    # with the machine's load, so old and new code compare on a busy machine too.
    cpu: list[dict[str, float]] = []
    watch = FrameWatch()
    present_every_frame()
    state: dict[str, Any] = {"lost": 0, "where": [], "tap": 0}

    def tap(_dt: float) -> None:
        if len(latencies) + state["lost"] >= taps:
            send_result(
                {"ms": latencies, "cpu": cpu, "lost": state["lost"], "where": state["where"]}
            )
            app.stop()
            return
        try:
            before = current()
            widget = target()
        except Exception as err:  # a screen the bench did not expect: say so, do not hang
            send_result({"error": f"{type(err).__name__}: {err} on {current()}"})
            app.stop()
            return
        used = thread_cpu_ms()
        started = touch(widget)
        state["tap"] += 1
        number = state["tap"]

        def seen(at: float) -> None:
            latencies.append((at - started) * 1000)
            now = thread_cpu_ms()
            cpu.append({k: now[k] - used[k] for k in now})
            state["where"].append(before)  # the screen the tap was on
            Clock.schedule_once(tap, TAP_SPACING)

        def too_late(_dt: float) -> None:
            if watch.waiting and state["tap"] == number:
                watch.forget()
                state["lost"] += 1
                Clock.schedule_once(tap, TAP_SPACING)

        watch.expect(lambda: current() != before, seen)
        Clock.schedule_once(too_late, SWITCH_TIMEOUT)

    def first(_at: float) -> None:
        Clock.schedule_once(tap, 1.0)  # the first frames' work done

    watch.expect(lambda: app.root is not None, first)
    try:
        app.run()
    finally:
        if built is not None:
            built.close()


def pct(values: list[float], q: float) -> float:
    """The `q` quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def bench_taps(scratch: Path, taps: int) -> None:
    """Tap latencies inside each app; p50/p95 and their ratios."""
    say(f"2. tap to the next screen's first frame, {taps} taps each")
    found: dict[str, list[float]] = {}
    cpu: dict[str, dict[str, float]] = {}
    for kind in ("bare", "kiosk"):
        folder = scratch / f"taps-{kind}"
        if kind == "kiosk":
            write_kiosk(folder, camera=True)
        result, _ = run_child(["taps", kind, str(taps)], folder)
        found[kind] = result["ms"]
        lost = f", {result['lost']} lost" if result["lost"] else ""
        say(
            f"   {kind:5s}: p50 {pct(found[kind], 0.5):6.1f} ms, p95 {pct(found[kind], 0.95):6.1f}"
            f" ms, worst {max(found[kind]):6.1f} ms{lost}"
        )
        used = {k: statistics.median(c[k] for c in result["cpu"]) for k in ("ui", "gl", "other")}
        cpu[kind] = used
        say(
            f"          CPU to the frame (p50): UI thread {used['ui']:.1f} ms, software GL"
            f" {used['gl']:.1f} ms, other threads {used['other']:.1f} ms"
        )
    by_screen: dict[str, list[float]] = {}
    for ms, screen in zip(found["kiosk"], result["where"], strict=True):
        by_screen.setdefault(screen, []).append(ms)
    say(
        "   kiosk p50 by the screen tapped on: "
        + ", ".join(f"{s} {pct(v, 0.5):.0f} ms" for s, v in sorted(by_screen.items()))
    )
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        ratio = pct(found["kiosk"], q) / pct(found["bare"], q)
        say(f"   kiosk / bare {name}: {ratio:.2f}x (goal <= {TAP_GOAL}x)")
    say(f"   kiosk p95 {pct(found['kiosk'], 0.95):.0f} ms (goal <= {TAP_P95_GOAL_MS:.0f} ms)")
    work = {kind: cpu[kind]["ui"] + cpu[kind]["gl"] for kind in cpu}
    say(
        f"   kiosk / bare CPU to the frame (UI + GL, p50): {work['kiosk'] / work['bare']:.2f}x"
        f" (load {os.getloadavg()[0]:.2f})"
    )
