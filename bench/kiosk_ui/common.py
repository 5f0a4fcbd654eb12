"""What the touchscreen bench's measures share: the kiosk a child runs, the frame watch, the
window set up as on a kiosk, a finger's tap, the child process and its `RESULT` line.

Every measurement runs in a fresh child process of `bench.bench_kiosk_ui` (`--child KIND`)
that prints one `RESULT {json}` line (`send_result`); the parent prints progress and the
ratios. The parent first byte-compiles our packages (`compile_project`), as installing them
on a kiosk does. The kiosk's controller URL is 127.0.0.1 on a port nothing listens on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (1280, 800)
CHILD_TIMEOUT = 900.0
SERVICE = "employment_registration"
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pii", "wire", "drivers", "flows", "kiosk", "devkit", "bench")  # what a child runs
ENTRY = "bench.bench_kiosk_ui"  # the module a child runs, with `--child KIND ... FOLDER`


def say(text: str) -> None:
    """One line of progress, at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# -- the kiosk a child runs ----------------------------------------------------------------


def write_kiosk(folder: Path, camera: bool) -> Path:
    """The kiosk.toml of simulators and the enrollment of the kiosk a child starts (it serves
    without a controller). The parent writes them before it spawns the child: a kiosk reads
    its files at start, it does not write them."""
    from devkit.kiosk_toml import Stage, write_kiosk_of_simulators

    return write_kiosk_of_simulators(
        folder,
        "bench-kiosk-0001",
        Stage.ENROLLED_OFFLINE,
        name="城关镇就业服务e站",
        camera="simulator" if camera else "none",
    )


def start_kiosk(folder: Path, *, whole: bool = True) -> Any:
    """As `estation-kiosk` (kiosk/ui/main.py) does before it opens the window, with the
    files `write_kiosk` left in `folder`; `whole`: start the rest too (the camera, sync),
    which the kiosk starts behind the first frame."""
    import kiosk.ui.main  # noqa: F401 - its imports are part of a kiosk's start
    from kiosk.composition import build_kiosk
    from kiosk.config import load_config

    built = build_kiosk(load_config(folder / "kiosk.toml"))
    if whole:
        built.start()
    else:
        built.start_for_menu()
    return built


def configure(kivy_home: Path) -> None:
    """Set Kivy up as the kiosk does, windowed at the bench's size."""
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


def send_result(data: dict[str, Any]) -> None:
    """The child's one `RESULT {json}` line, which the parent reads."""
    say("RESULT " + json.dumps(data))


def kiosk_app(
    service: Any, speech: Any, clock: Callable[[], float] = time.monotonic, **options: Any
) -> Any:
    """The kiosk's App on `service`, with its CJK font, not opened on the attract loop."""
    from kiosk.ui.app import EStationApp
    from kiosk.ui.kivy_setup import register_cjk_font

    register_cjk_font()
    return EStationApp(service, attract_at_start=False, speech=speech, clock=clock, **options)


def menu_shown(app: Any) -> bool:
    """True once the App's router shows the menu with its tiles."""
    router = app.router
    return router is not None and router.current == "welcome" and bool(router.welcome.tiles)


def service_tile(router: Any) -> Any:
    """The menu tile of the service every visit here opens (its first screen waits for a card)."""
    return next(t for t in router.welcome.tiles if t.flow_id == SERVICE)


def touch(widget: Any) -> float:
    """A finger's tap on the middle of `widget` through the window; the touch-down's time."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    finger = UnitTestTouch(x, y)
    at = time.monotonic()
    finger.touch_down()
    finger.touch_up()
    return at


def rss_mb() -> float:
    """This process's resident set, in MB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


# -- the parent ------------------------------------------------------------------------------


def run_child(args: list[str], folder: Path) -> tuple[dict[str, Any], float]:
    """Run the bench as a child; its RESULT and the monotonic time it was spawned at."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIVY_NO_ARGS": "1", "PYTHONUNBUFFERED": "1"}
    env.setdefault("KIVY_LOG_MODE", "PYTHON")
    command = [sys.executable, "-m", ENTRY, "--child", *args, str(folder)]
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
