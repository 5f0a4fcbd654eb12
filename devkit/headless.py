"""Drive the real `EStationApp` frame by frame without a display: for tests, screenshots, docs.

Kivy allows one window per process, so the window outlives a `HeadlessUI`: each one builds a
fresh App and puts its root on the shared window, does the same start-up as `App.run` (build,
add the root, `on_start`) without entering the blocking loop, and removes it again on stop.
Frames are advanced with `EventLoop.idle()`, as Kivy's own graphic tests do.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from kiosk.ports import DemoPort

if TYPE_CHECKING:
    from kiosk.ports import KioskPort
    from kiosk.speech import Speech
    from kiosk.ui.app import EStationApp
    from kiosk.ui.root import Router
    from kiosk.ui.session import UISession


class HeadlessUI:
    """An `EStationApp` on an off-screen window, advanced one frame at a time."""

    def __init__(
        self,
        port: KioskPort,
        *,
        lang: str = "zh-CN",
        size: tuple[int, int] = (1280, 800),
        idle_return_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        kivy_home: str | os.PathLike[str] | None = None,
        font_path: str | os.PathLike[str] | None = None,
        demo: DemoPort | None = None,
        attract_at_start: bool = False,
        tap_guard: float = 0.0,
        speech: Speech | None = None,
    ) -> None:
        """`demo`: simulated card trays; by default the port's own, when it has some.
        `speech`: the voice (silent by default).

        Scripted walks start on the menu and tap at machine speed on a clock that may not
        move: by default no attract loop first and no guard after a screen switch.
        """
        self.port = port
        self.demo = demo if demo is not None or not isinstance(port, DemoPort) else port
        self.lang = lang
        self.size = size
        self.idle_return_seconds = idle_return_seconds
        self.clock = clock
        self.kivy_home = kivy_home
        self.font_path = font_path
        self.attract_at_start = attract_at_start
        self.tap_guard = tap_guard
        self.speech = speech
        self._app: EStationApp | None = None

    @property
    def app(self) -> EStationApp:
        """The running App."""
        if self._app is None:
            raise RuntimeError("HeadlessUI is not started")
        return self._app

    @property
    def session(self) -> UISession:
        """The App's session."""
        session = self.app.session
        if session is None:
            raise RuntimeError("the App has not been built")
        return session

    @property
    def root(self) -> Router:
        """The App's screen manager."""
        router = self.app.router
        if router is None:
            raise RuntimeError("the App has not been built")
        return router

    def start(self) -> EStationApp:
        """Create the window if needed, build the App and show welcome."""
        window = _ensure_window(self.size, self.kivy_home, self.font_path)
        from kiosk.ui.app import EStationApp

        app = EStationApp(
            self.port,
            lang=self.lang,
            fullscreen=False,
            idle_return_seconds=self.idle_return_seconds,
            clock=self.clock,
            demo=self.demo,
            attract_at_start=self.attract_at_start,
            tap_guard=self.tap_guard,
            speech=self.speech,
        )
        app.root = app.build()
        window.add_widget(app.root)
        app.dispatch("on_start")
        self._app = app
        self.frames(2)
        return app

    def stop(self) -> None:
        """Stop the App and take its root off the window."""
        if self._app is None:
            return
        from kivy.core.window import Window

        from kiosk.ui import theme

        app, self._app = self._app, None
        app.dispatch("on_stop")
        Window.remove_widget(app.root)
        # The style is the process's: the next App starts in normal mode, as a kiosk does.
        theme.style.elder = False
        _advance(1)

    def frames(self, count: int = 1) -> None:
        """Advance the Clock and draw `count` frames."""
        _advance(count)

    def until(self, predicate: Callable[[], bool], max_frames: int = 300) -> None:
        """Advance frames until `predicate()` holds; worker results arrive this way."""
        for _ in range(max_frames):
            if predicate():
                return
            _advance(1)
            time.sleep(0.001)  # let a worker thread run between frames
        if not predicate():
            raise TimeoutError(f"condition not met after {max_frames} frames")

    def screenshot(self, path: str | os.PathLike[str]) -> Path:
        """Draw a frame and write the whole screen to a PNG at exactly `path`."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _advance(2)
        self.root.export_to_png(str(target))
        return target

    def __enter__(self) -> HeadlessUI:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _ensure_window(
    size: tuple[int, int],
    kivy_home: str | os.PathLike[str] | None,
    font_path: str | os.PathLike[str] | None,
) -> Any:
    import sys

    from kiosk.ui.kivy_setup import configure_kivy, register_cjk_font

    if "kivy.core.window" not in sys.modules:
        # Headless frames need no pacing: maxfps 0 means Clock.tick never sleeps.
        configure_kivy(False, size, kivy_home, maxfps=0)
    # Whatever imported Kivy's window first (a module that imports TextInput at its top
    # does), the Chinese font is registered: it was skipped then, and a test run first in
    # its process drew every Chinese character as an empty box, measured as narrow as one
    # (the elder long-job paging passed alone and failed after other screens).
    register_cjk_font(font_path)
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    window = EventLoop.window
    if tuple(window.size) != tuple(size):
        window.size = size
    return window


def _advance(count: int) -> None:
    from kivy.base import EventLoop, ExceptionManager

    for _ in range(count):
        # As Kivy's own main loop: an exception of a frame goes to the exception handlers
        # (the App's crash guard) and is raised only when none of them handled it.
        try:
            EventLoop.idle()
        except BaseException as err:
            if ExceptionManager.handle_exception(err) == ExceptionManager.RAISE:
                raise
