"""RSS over `--sessions` visits (the issue says 10,000) driven through the window on a fake
clock: the attract loop woken by a touch, a tile touched, the language switched, the visit
cancelled, the end screen and the menu's idle time passed by moving the clock (the
session's once-a-second tick called as the App's would). RSS at the start, after the
warm-up (a tenth of the visits) and at the end (goal <= 300 MB, growth < 5 % after warm-up).

Drawing a frame with software GL is most of a visit's time (a label's texture upload waits
for the frames before it: 0.8 s a visit, 2 hours for 10,000), so one visit in
`--draw-every` (10) draws a frame for every step as the App would; the others run the same
steps (clock, input, widgets, canvas instructions) and skip only the GL draw. Every frame
drawn is finished at its flip, as a screen's buffer swap does (the window here has no
display: `present_every_frame`); so are the frames of the taps (bench/kiosk_ui/taps.py).
The kiosk's simulated camera watches, as on a kiosk with one (`--no-camera`: without, and
without OpenCV); a face in its clip keeps the menu up, which ends a visit too. `--where`
prints what holds memory after the warm-up and at the end (tracemalloc by line, Kivy's
caches, object counts; slow, and it adds to the RSS).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.kiosk_ui.common import (
    present_every_frame,
    rss_mb,
    run_child,
    say,
    send_result,
    service_tile,
    start_kiosk,
    touch,
    write_kiosk,
)

RSS_GOAL_MB = 300.0
RSS_GROWTH_GOAL = 0.05


def memory_map() -> dict[str, float]:
    """This process's resident memory by where it lives, in MB, and glibc's view of its heap.

    From /proc/self/smaps: `heap` (the main arena's brk heap), `anon` (anonymous mappings:
    other threads' arenas, big mallocs, the GL driver's buffers and its JIT code), `files`
    (libraries and fonts mapped in) and `anon_maps`, how many anonymous mappings (llvmpipe
    maps the machine code of every shader variant it compiles on its own: docs/touchscreen.md,
    round four). From glibc's `mallinfo2`: `in_use` (live malloc'd bytes of every arena,
    malloc's own mmapped chunks included) and `free` (freed, kept by glibc until a trim)."""
    sizes = {"heap": 0.0, "anon": 0.0, "files": 0.0, "anon_maps": 0.0}
    where = "anon"
    with open("/proc/self/smaps", encoding="ascii", errors="replace") as smaps:
        for line in smaps:
            fields = line.split(maxsplit=5)
            if fields[0] == "Rss:":
                sizes[where] += int(fields[1]) / 1000
            elif "-" in fields[0] and not fields[0].endswith(":"):  # a mapping's first line
                name = fields[5].strip() if len(fields) > 5 else ""
                where = "heap" if name == "[heap]" else "files" if name else "anon"
                sizes["anon_maps"] += not name
    info = _mallinfo2()
    if info is not None:
        sizes["in_use"] = (info.uordblks + info.hblkhd) / 1e6
        sizes["free"] = info.fordblks / 1e6
    return sizes


def _mallinfo2() -> Any:
    """glibc's `mallinfo2()` (None without it: another libc, or glibc before 2.33)."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
            ).split()
        ]

    try:
        call = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return None
    call.restype = MallInfo2
    return call()


def child_rss(folder: Path, sessions: int, draw_every: int = 10, where: bool = False) -> None:
    """Drive `sessions` visits through the window on a fake clock; print RSS along the way.

    `where`: also print what holds memory after the warm-up and at the end (slower)."""
    from devkit.headless import HeadlessUI
    from tests.support.clock import FakeClock

    clock = FakeClock()
    if where:
        import tracemalloc

        tracemalloc.start(8)
    built = start_kiosk(folder)
    samples: list[tuple[int, float]] = [(0, rss_mb())]
    warm = max(1, sessions // 10)
    started = time.monotonic()
    with HeadlessUI(
        built.service, clock=clock, kivy_home=folder / "kivy", idle_return_seconds=10
    ) as ui:
        router = ui.root
        present_every_frame()
        samples.append((0, rss_mb()))
        for n in range(1, sessions + 1):
            _visit(ui, clock, drawn=n % draw_every == 0)
            # The visit's clock moved 10 s a step past its wipes; Kivy's real-time clock, which
            # times the heap trim a second after a wipe, did not: the trim is due, as on a kiosk.
            router.trim_now()
            if n == warm or n == sessions or n % max(1, sessions // 20) == 0:
                samples.append((n, rss_mb()))
                if where and n in (warm, sessions):
                    _where(n)
                held = memory_map()
                say(
                    f"  visit {n:6d}/{sessions}: RSS {samples[-1][1]:6.1f} MB, "
                    f"{(time.monotonic() - started) / n * 1000:5.1f} ms a visit; "
                    + ", ".join(f"{k} {v:.1f}" for k, v in held.items())
                )
        screens, trims = router.switches, router.trims
    built.close()
    send_result({"samples": samples, "warm": warm, "switches": screens, "trims": trims})


def _where(n: int) -> None:
    """Print what holds memory now: Python allocations by line, Kivy caches, widgets."""
    import gc
    import tracemalloc
    from collections import Counter

    from kivy.cache import Cache

    snapshot = tracemalloc.take_snapshot()
    total = sum(s.size for s in snapshot.statistics("filename"))
    say(f"  [where {n}] Python allocations {total / 1e6:.1f} MB, largest by line:")
    for stat in snapshot.statistics("lineno")[:15]:
        say(f"  [where {n}]   {stat.size / 1e6:6.2f} MB {stat.count:7d} {stat.traceback[0]}")
    caches = {c: len(Cache._objects.get(c, {})) for c in Cache._categories}
    say(f"  [where {n}] Kivy caches: {sorted((c, k) for c, k in caches.items() if k)}")
    kinds = Counter(type(o).__name__ for o in gc.get_objects())
    say(f"  [where {n}] objects: {kinds.most_common(12)}")


def _step(ui: Any, drawn: bool) -> None:
    """One turn of the App's loop; without the GL draw unless `drawn`."""
    if drawn:
        ui.frames(1)
        return
    from kivy.base import EventLoop
    from kivy.clock import Clock
    from kivy.lang import Builder

    # EventLoop.idle() up to, not including, the window's on_draw and on_flip.
    Clock.tick()
    EventLoop.dispatch_input()
    Builder.sync()
    Clock.tick_draw()
    Builder.sync()


def _until(ui: Any, ready: Callable[[], bool], drawn: bool) -> None:
    for _ in range(50):
        if ready():
            return
        _step(ui, drawn)
        time.sleep(0.001)  # let a worker thread run between frames, as HeadlessUI.until
    raise RuntimeError("the screen did not come within 50 frames")


def _visit(ui: Any, clock: Any, drawn: bool = True) -> None:
    """One citizen: the attract loop woken, a tile, the language switched, cancelled; the
    end screen and the menu's idle left to the clock (the App's once-a-second tick), until
    the attract loop (or the menu kept up by a face before the camera)."""
    router = ui.root
    if router.current != "welcome":  # the attract loop: a touch wakes the menu
        touch(router)
        _until(ui, lambda: router.current == "welcome", drawn)
    _step(ui, drawn)
    switches = router.switches
    touch(service_tile(router))
    _until(ui, lambda: router.switches != switches, drawn)
    screen = router.current_screen
    touch(screen.ids.header.ids.language)
    _step(ui, drawn)
    switches = router.switches
    touch(next(b for b in screen.ids.buttons.children if getattr(b, "event", "") == "cancel"))
    _until(ui, lambda: router.switches != switches, drawn)
    on_menu = 0
    for _ in range(100):  # the end screen's seconds, then the menu's idle: the attract loop
        shown = router.switches
        clock.advance(10.0)
        ui.session.tick()
        if router.switches != shown:
            _step(ui, drawn)  # a frame for each screen shown, as the App draws
        if ui.session.run is None and router.current == "attract":
            return
        # The simulated camera's clip has a face in it now and then: while it does the menu
        # stays up past its idle time (10 s), as it would for a person standing there.
        on_menu = on_menu + 1 if router.current == "welcome" else 0
        if on_menu >= 3:
            return
    raise RuntimeError(f"the visit never ended in the attract loop: {router.current}")


def bench_rss(
    scratch: Path, sessions: int, draw_every: int, camera: bool = True, where: bool = False
) -> None:
    """RSS over simulated visits in one child."""
    say(
        f"3. RSS over {sessions} visits through the window, the clock moved, one visit in"
        f" {draw_every} drawn, the camera {'watching' if camera else 'off (no OpenCV)'}"
    )
    started = time.monotonic()
    write_kiosk(scratch / "rss", camera=camera)
    result, _ = run_child(
        [
            "rss",
            str(sessions),
            str(draw_every),
            "where" if where else "-",
        ],
        scratch / "rss",
    )
    samples = result["samples"]
    at_start = samples[0][1]
    warm = next(mb for n, mb in samples if n == result["warm"])
    end = samples[-1][1]
    say(
        f"   RSS before the window {at_start:.1f} MB, after {result['warm']} visits {warm:.1f} MB,"
        f" after {sessions} {end:.1f} MB: growth after warm-up {100 * (end / warm - 1):+.1f} %"
        f" (goal <= {RSS_GOAL_MB:.0f} MB, < {100 * RSS_GROWTH_GOAL:.0f} %);"
        f" {time.monotonic() - started:.0f} s, {result['switches']} screens shown,"
        f" {result['trims']} heap trims"
    )
