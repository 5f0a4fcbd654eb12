"""The touchscreen on the real Kivy window off-screen, against bare Kivy apps measured the same
way in the same run (issue 8, "Measured").

Run: .venv/bin/python -m bench.bench_kiosk_ui [--runs 5] [--taps 30] [--sessions 1000]
                                               [--draw-every 10] [--no-camera] [--where]
                                               [--rest 20] [--only cold,taps,rss,cpu]
                                               [--fresh-cold]

1. Cold start (goal <= 1.5x): a fresh process per run, from its spawn to the first frame
   drawn (Window's flip after glFinish) with the kiosk's menu on it, against a bare Kivy
   App with one label in the same way. The kiosk process does what `estation-kiosk` does:
   holds the garbage collector until its menu's first frame (kiosk/ui/main.py), loads
   kiosk.toml, builds a kiosk of simulators (ID card reader, camera, printer; an enrolled
   kiosk whose controller is away) and starts what its menu needs, then runs the
   App with the kiosk's remote commands, opened on the menu; the commands' UI handlers,
   the camera, device scans and sync start on the tick after its first frame
   (Kiosk.start_rest_behind). Runs alternate between the two; medians, of the wall time
   and of the CPU the process used by that frame (user and system, every thread: the
   figure a busy machine hardly moves). The runs
   share one data folder, as a kiosk's starts do: the first validates the catalog and
   keeps it (flows/catalog_cache.py), the later ones read it back; `--fresh-cold` gives
   each run a new folder (every start validates, as the first after an update does).
2. Tap to next screen (goal <= 1.2x, p95 <= 100 ms): inside the running App, a touch laid
   through the window on a menu tile, then the step screen's cancel button, then the end
   screen's finish button (back to the menu), round and round, each timed
   from the touch-down to the first frame drawn with the next screen; against a bare
   two-screen ScreenManager with one button a screen (NoTransition, as the kiosk's Router).
   Taps are 0.8 s apart (past the kiosk's 0.4 s guard against double taps). Beside the
   latency, the CPU each app's threads used from the touch to that frame (UI thread,
   software GL's rasteriser threads, the others): a busy machine stretches the latency
   of both apps unevenly, their CPU hardly, so it is the figure to compare across runs.
3. RSS over `--sessions` visits (the issue says 10,000) driven through the window on a fake
   clock: the attract loop woken by a touch, a tile touched, the language switched, the
   visit cancelled, the end screen and the menu's idle time passed by moving the clock (the
   session's once-a-second tick called as the App's would). RSS at the start, after the warm-up
   (a tenth of the visits) and at the end (goal <= 300 MB, growth < 5 % after warm-up).
   Drawing a frame with software GL is most of a visit's time (a label's texture upload
   waits for the frames before it: 0.8 s a visit, 2 hours for 10,000), so one visit in
   `--draw-every` (10) draws a frame for every step as the App would; the others run the
   same steps (clock, input, widgets, canvas instructions) and skip only the GL draw.
   Every frame drawn is finished at its flip, as a screen's buffer swap does (the window
   here has no display: `present_every_frame`); so are the frames of the taps above.
   The kiosk's simulated camera watches, as on a kiosk with one (`--no-camera`: without,
   and without OpenCV); a face in its clip keeps the menu up, which ends a visit too.
   `--where` prints what holds memory after the warm-up and at the end (tracemalloc by
   line, Kivy's caches, object counts; slow, and it adds to the RSS).
4. CPU at rest on the menu (goal < 5 % of one core): the kiosk's process over `--rest`
   seconds, with the simulated camera watching (an MJPG clip as a UVC camera sends, grabbed
   at the kiosk's 10 frames a second, decoded only for the analysis at kiosk.toml's
   `analyse_fps`: drivers/camera/source.py; the detector run when the scene moved:
   kiosk/presence.py) and, as the baseline, without a camera.

Every measurement runs in a fresh child process of this module (`--child KIND`) that prints
one `RESULT {json}` line; the parent prints progress and the ratios. The parent first
byte-compiles our packages (`compile_project`), as installing them on a kiosk does. The
kiosk's controller URL is 127.0.0.1 on a port nothing listens on.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

COLD_GOAL = 1.5
TAP_GOAL = 1.2
TAP_P95_GOAL_MS = 100.0
RSS_GOAL_MB = 300.0
RSS_GROWTH_GOAL = 0.05
CPU_GOAL = 0.05
SIZE = (1280, 800)
TAP_SPACING = 0.8  # seconds between taps: past the Router's 0.4 s tap guard
SWITCH_TIMEOUT = 5.0  # a tap whose screen does not come within this is counted as lost
CHILD_TIMEOUT = 900.0
SERVICE = "employment_registration"
ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pii", "wire", "drivers", "flows", "kiosk", "devkit", "bench")  # what a child runs


def say(text: str) -> None:
    """One line of progress, at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# -- the kiosk a child runs ----------------------------------------------------------------


def write_kiosk(folder: Path, camera: bool) -> Path:
    """A kiosk.toml of simulators and an enrollment, so it serves without a controller."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    data.mkdir(exist_ok=True)
    url = "http://127.0.0.1:9"  # the discard port: nothing answers, the kiosk runs offline
    (data / "enrollment.json").write_text(
        json.dumps({"kiosk_id": "KB01", "device_token": "bench-token", "controller_url": url}),
        encoding="utf-8",
    )
    path = folder / "kiosk.toml"
    path.write_text(
        f"""[kiosk]
hardware_id = "bench-kiosk-0001"
name = "城关镇就业服务e站"
data_dir = "data"

[controller]
url = "{url}"

[id_card_reader]
kind = "simulator"

[camera]
kind = "{"simulator" if camera else "none"}"

[receipt_printer]
kind = "simulator"
path = "receipts"
profile = "kiosk-80"
""",
        encoding="utf-8",
    )
    return path


def _start_kiosk(folder: Path, camera: bool, *, whole: bool = True) -> Any:
    """As `estation-kiosk` (kiosk/ui/main.py) does before it opens the window; `whole`:
    start the rest too (the camera, sync), which the kiosk starts behind the first frame."""
    import kiosk.ui.main  # noqa: F401 - its imports are part of a kiosk's start
    from kiosk.composition import build_kiosk
    from kiosk.config import load_config

    built = build_kiosk(load_config(write_kiosk(folder, camera)))
    if whole:
        built.start()
    else:
        built.start_for_menu()
    return built


def _configure(kivy_home: Path) -> None:
    from kiosk.ui.kivy_setup import configure_kivy

    configure_kivy(False, SIZE, kivy_home)  # the kiosk's own frame rate cap (60)


class FrameWatch:
    """Calls `seen(now)` on the first frame drawn once `ready()` holds, then forgets it."""

    def __init__(self) -> None:
        from kivy.core.window import Window

        self._waiting: tuple[Callable[[], bool], Callable[[float], None]] | None = None
        Window.bind(on_flip=self._flip)

    def expect(self, ready: Callable[[], bool], seen: Callable[[float], None]) -> None:
        """Watch for the next frame on which `ready()` is true."""
        self._waiting = (ready, seen)

    def forget(self) -> None:
        """Stop watching."""
        self._waiting = None

    @property
    def waiting(self) -> bool:
        """True until the expected frame came."""
        return self._waiting is not None

    def _flip(self, *_args: object) -> None:
        if self._waiting is None:
            return
        ready, seen = self._waiting
        if not ready():
            return
        from kivy.graphics.opengl import glFinish

        # Software GL draws when asked to finish: the frame is on the screen after this.
        glFinish()
        self._waiting = None
        seen(time.monotonic())


def present_every_frame() -> None:
    """Finish every frame at the window's flip, as a display's buffer swap does.

    Here SDL's window has no display and its swap presents nothing, so software GL (llvmpipe)
    only bins each frame's draws and rasterises them when something forces it: a texture
    upload, a read-back, its scene full. Frames then pile up, their binned draws held in
    memory (40-60 MB more RSS once a visit uploads no text: docs/touchscreen.md, round four)
    and their rasterising charged to a later frame. On a kiosk's screen the swap draws each.
    """
    from kivy.core.window import Window
    from kivy.graphics.opengl import glFinish

    Window.bind(on_flip=lambda *_args: glFinish())


def _result(data: dict[str, Any]) -> None:
    say("RESULT " + json.dumps(data))


def _kiosk_app(
    service: Any, speech: Any, clock: Callable[[], float] = time.monotonic, **options: Any
) -> Any:
    from kiosk.ui.app import EStationApp
    from kiosk.ui.kivy_setup import register_cjk_font

    register_cjk_font()
    return EStationApp(service, attract_at_start=False, speech=speech, clock=clock, **options)


def _menu_shown(app: Any) -> bool:
    router = app.router
    return router is not None and router.current == "welcome" and bool(router.welcome.tiles)


def _tile(router: Any) -> Any:
    """The menu tile of the service every visit here opens (its first screen waits for a card)."""
    return next(t for t in router.welcome.tiles if t.flow_id == SERVICE)


def child_cold(kind: str, folder: Path) -> None:
    """Run until the first frame with the menu (kiosk) or the label (bare); print its time."""
    if kind != "bare":
        import gc

        # As estation-kiosk's main() first does: no garbage collection until the menu's
        # first frame, which the App gives back (kiosk/ui/app.py).
        gc.disable()
    _configure(folder / "kivy")
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
        built = _start_kiosk(folder, camera=True, whole=False)
        app = _kiosk_app(
            built.service,
            built.speech,
            commands=built.commands,
            on_first_frame=built.start_rest_behind,
        )
        ready = lambda: _menu_shown(app)  # noqa: E731
    watch = FrameWatch()

    def seen(at: float) -> None:
        # The CPU the process has used (user and system, every thread) by the finished frame:
        # a busy machine stretches the wall time of both apps unevenly, this hardly.
        _result({"frame": at, "rss": rss_mb(), "cpu": time.process_time()})
        app.stop()

    watch.expect(ready, seen)
    try:
        app.run()
    finally:
        if built is not None:
            built.close()


def _touch(widget: Any) -> float:
    """A finger's tap on the middle of `widget` through the window; the touch-down's time."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    at = time.monotonic()
    touch.touch_down()
    touch.touch_up()
    return at


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
    _configure(folder / "kivy")
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
        built = _start_kiosk(folder, camera=True)
        app = _kiosk_app(built.service, built.speech)

        def target() -> Any:
            router = app.router
            if router.current == "welcome":
                return _tile(router)
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
            _result({"ms": latencies, "cpu": cpu, "lost": state["lost"], "where": state["where"]})
            app.stop()
            return
        try:
            before = current()
            widget = target()
        except Exception as err:  # a screen the bench did not expect: say so, do not hang
            _result({"error": f"{type(err).__name__}: {err} on {current()}"})
            app.stop()
            return
        used = thread_cpu_ms()
        started = _touch(widget)
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


def child_rest(folder: Path, camera: bool, seconds: float) -> None:
    """The kiosk on its menu for `seconds` after a warm-up; print its CPU share."""
    _configure(folder / "kivy")
    from kivy.clock import Clock

    built = _start_kiosk(folder, camera=camera)
    app = _kiosk_app(built.service, built.speech)
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
        _result(
            {
                "cpu": (time.process_time() - marks["cpu"]) / wall,
                "analysed_per_s": analysed / wall,
                "detections_per_s": detected / wall,
                "frames_per_s": frames / wall,
                "decoded_per_s": decoded / wall,
                "on_menu": _menu_shown(app),
            }
        )
        app.stop()

    watch.expect(lambda: _menu_shown(app), lambda _at: Clock.schedule_once(begin, 3.0))
    try:
        app.run()
    finally:
        built.close()


def rss_mb() -> float:
    """This process's resident set, in MB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


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


def child_rss(
    folder: Path, sessions: int, draw_every: int = 10, camera: bool = True, where: bool = False
) -> None:
    """Drive `sessions` visits through the window on a fake clock; print RSS along the way.

    `where`: also print what holds memory after the warm-up and at the end (slower)."""
    from devkit.headless import HeadlessUI
    from tests.support.clock import FakeClock

    clock = FakeClock()
    if where:
        import tracemalloc

        tracemalloc.start(8)
    built = _start_kiosk(folder, camera=camera)
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
    _result({"samples": samples, "warm": warm, "switches": screens, "trims": trims})


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
        _touch(router)
        _until(ui, lambda: router.current == "welcome", drawn)
    _step(ui, drawn)
    switches = router.switches
    _touch(_tile(router))
    _until(ui, lambda: router.switches != switches, drawn)
    screen = router.current_screen
    _touch(screen.ids.header.ids.language)
    _step(ui, drawn)
    switches = router.switches
    _touch(next(b for b in screen.ids.buttons.children if getattr(b, "event", "") == "cancel"))
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


# -- the parent ------------------------------------------------------------------------------


def run_child(args: list[str], folder: Path) -> tuple[dict[str, Any], float]:
    """Run this module as a child; its RESULT and the monotonic time it was spawned at."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIVY_NO_ARGS": "1", "PYTHONUNBUFFERED": "1"}
    env.setdefault("KIVY_LOG_MODE", "PYTHON")
    command = [sys.executable, "-m", "bench.bench_kiosk_ui", "--child", *args, str(folder)]
    spawned = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    result: dict[str, Any] | None = None
    for line in process.stdout or ():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
        elif line.startswith("  "):
            say(line.rstrip())
    _, errors = process.communicate(timeout=CHILD_TIMEOUT)
    if result is None or "error" in result:
        why = result["error"] if result else errors[-3000:]
        raise RuntimeError(f"child {args} failed: {why}")
    return result, spawned


def compile_project() -> None:
    """Byte-compile our packages once, as installing them on a kiosk does.

    A child otherwise compiles the kiosk's 150-odd modules from source on every start where
    PYTHONDONTWRITEBYTECODE is set (as on the machine this was written on): a cost no
    installed kiosk pays, and none in the bare app, whose Kivy came compiled.
    """
    import compileall

    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def pct(values: list[float], q: float) -> float:
    """The `q` quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def bench_cold(scratch: Path, runs: int, fresh: bool = False) -> None:
    """Fresh processes, alternating kiosk and bare; median seconds to the first frame."""
    say(f"1. cold start to the first frame, {runs} runs each (fresh processes)")
    times: dict[str, list[float]] = {"bare": [], "kiosk": []}
    cpu: dict[str, list[float]] = {"bare": [], "kiosk": []}
    rss: dict[str, float] = {}
    for run in range(runs):
        for kind in ("bare", "kiosk"):
            folder = scratch / (f"cold-{kind}-{run}" if fresh else f"cold-{kind}")
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


def bench_taps(scratch: Path, taps: int) -> None:
    """Tap latencies inside each app; p50/p95 and their ratios."""
    say(f"2. tap to the next screen's first frame, {taps} taps each")
    found: dict[str, list[float]] = {}
    cpu: dict[str, dict[str, float]] = {}
    for kind in ("bare", "kiosk"):
        result, _ = run_child(["taps", kind, str(taps)], scratch / f"taps-{kind}")
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


def bench_rss(
    scratch: Path, sessions: int, draw_every: int, camera: bool = True, where: bool = False
) -> None:
    """RSS over simulated visits in one child."""
    say(
        f"3. RSS over {sessions} visits through the window, the clock moved, one visit in"
        f" {draw_every} drawn, the camera {'watching' if camera else 'off (no OpenCV)'}"
    )
    started = time.monotonic()
    result, _ = run_child(
        [
            "rss",
            str(sessions),
            str(draw_every),
            "on" if camera else "off",
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


def bench_cpu(scratch: Path, seconds: float) -> None:
    """The kiosk at rest on its menu, camera watching vs no camera."""
    say(f"4. CPU at rest on the menu over {seconds:g} s")
    shares = {}
    for camera in ("off", "on"):
        result, _ = run_child(["rest", camera, str(seconds)], scratch / f"rest-{camera}")
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


def child_main(argv: list[str]) -> None:
    """`--child KIND ... FOLDER`: one measurement in this fresh process."""
    kind, *rest = argv
    folder = Path(rest[-1])
    import logging

    logging.basicConfig(level=logging.WARNING, filename=str(folder.parent / f"{folder.name}.log"))
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "cold":
        child_cold(rest[0], folder)
    elif kind == "taps":
        child_taps(rest[0], folder, int(rest[1]))
    elif kind == "rest":
        child_rest(folder, rest[0] == "on", float(rest[1]))
    elif kind == "rss":
        child_rss(folder, int(rest[0]), int(rest[1]), rest[2] == "on", rest[3] == "where")
    else:
        raise SystemExit(f"unknown child {kind}")


def main(argv: list[str] | None = None) -> None:
    """Run the chosen measurements and print them."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_kiosk_ui", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each app")
    parser.add_argument("--taps", type=int, default=30, help="taps in each app")
    parser.add_argument("--sessions", type=int, default=300, help="visits for the RSS (10000)")
    parser.add_argument(
        "--draw-every", type=int, default=10, help="RSS: one visit in N draws its frames"
    )
    parser.add_argument(
        "--no-camera", action="store_true", help="RSS: a kiosk without a camera (no OpenCV)"
    )
    parser.add_argument(
        "--where", action="store_true", help="RSS: print what holds memory (tracemalloc)"
    )
    parser.add_argument("--rest", type=float, default=20.0, help="seconds of rest measured")
    parser.add_argument(
        "--fresh-cold", action="store_true", help="a new data folder for every cold start"
    )
    parser.add_argument("--only", default="cold,taps,rss,cpu", help="comma-separated parts")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    say(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    compile_project()
    with tempfile.TemporaryDirectory(prefix="estation-uibench-") as scratch:
        if "cold" in parts:
            bench_cold(Path(scratch), args.runs, args.fresh_cold)
        if "taps" in parts:
            bench_taps(Path(scratch), args.taps)
        if "rss" in parts:
            bench_rss(Path(scratch), args.sessions, args.draw_every, not args.no_camera, args.where)
        if "cpu" in parts:
            bench_cpu(Path(scratch), args.rest)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2:])
    else:
        main()
