"""The Kivy App: assembles session, screens and router for one `KioskPort`. Nothing else.

Start the kiosk with `run_kiosk_app(port, fullscreen=...)`. Importing this module creates no
window: the screens are imported in `build()`, because Kivy's own `kivy.uix.textinput`
creates the window as it is imported, and `configure_kivy` (size, fullscreen) must come
first.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder

from kiosk.ports import DemoPort, KioskPort
from kiosk.ui.kivy_setup import configure_kivy, register_cjk_font
from kiosk.ui.session import UISession

if TYPE_CHECKING:
    from kiosk.ui.root import Router

_UI = Path(__file__).parent
KV_FILES: tuple[Path, ...] = (
    _UI / "widgets.kv",
    _UI / "toggles.kv",
    _UI / "keyboard.kv",
    _UI / "datepicker.kv",
    _UI / "fields.kv",
    *(
        _UI / "screens" / f"{name}.kv"
        for name in ("welcome", "identify", "action", "form", "confirm", "notice")
    ),
    *(_UI / "screens" / f"{name}.kv" for name in ("itemlist", "detail", "end")),
)

__all__ = ["EStationApp", "configure_kivy", "load_kv_files", "register_cjk_font", "run_kiosk_app"]


def load_kv_files() -> None:
    """Load the widget and screen rules; again replaces, never doubles, them."""
    for path in KV_FILES:
        # Rules loaded twice apply twice (every screen would get two of each child).
        Builder.unload_file(str(path))
        Builder.load_file(str(path))


class EStationApp(App):
    """The kiosk's touchscreen application."""

    title = "e-station"

    def __init__(
        self,
        port: KioskPort,
        *,
        lang: str = "zh-CN",
        fullscreen: bool = False,
        idle_return_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        demo: DemoPort | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.port = port
        self.demo = demo
        self.lang = lang
        self.fullscreen = fullscreen
        self.idle_return_seconds = idle_return_seconds
        self._clock = clock
        self.session: UISession | None = None
        self.router: Router | None = None
        self._tick_event: Any = None

    def build(self) -> Router:
        """Create the session, one screen of each kind, and the router between them."""
        from kiosk.ui.bridge import run_in_worker
        from kiosk.ui.fields import pii_region_namer
        from kiosk.ui.kivy_setup import disable_clipboard
        from kiosk.ui.root import Router
        from kiosk.ui.screens import (
            action,
            confirm,
            detail,
            end,
            form,
            identify,
            itemlist,
            notice,
            welcome,
        )
        from kiosk.ui.session import IDENTIFY_SCREEN

        disable_clipboard()  # before the first text box
        load_kv_files()
        session = UISession(
            self.port,
            lambda job, done: run_in_worker(job, done, name="flow-action"),
            lang=self.lang,
            end_seconds=self.idle_return_seconds,
            clock=self._clock,
            demo=self.demo,
        )
        steps = {
            IDENTIFY_SCREEN: identify.IdentifyScreen(session),
            "action": action.ActionScreen(session, session.tappers),
            "form": form.FormScreen(session, region_name=pii_region_namer()),
            "confirm": confirm.ConfirmScreen(session),
            "notice": notice.NoticeScreen(session),
            "list": itemlist.ListScreen(session),
            "detail": detail.DetailScreen(session),
        }
        router = Router(
            welcome.WelcomeScreen(
                session, lambda: self.port.catalog, self.port.station_name, now=self.port.now
            ),
            steps,
            end.EndScreen(session),
        )
        router.on_activity = session.touch
        session.attach(router)
        self.session = session
        self.router = router
        return router

    def on_start(self) -> None:
        """Start the once-a-second session tick; hide the pointer on the kiosk."""
        if self.fullscreen:
            from kivy.core.window import Window

            Window.show_cursor = False
        self._tick_event = Clock.schedule_interval(self._tick, 1.0)

    def on_stop(self) -> None:
        """End any visit in progress so nothing of it outlives the app."""
        if self._tick_event is not None:
            self._tick_event.cancel()
            self._tick_event = None
        if self.session is not None:
            self.session.close()

    def _tick(self, _dt: float) -> None:
        if self.session is not None:
            self.session.tick()


def run_kiosk_app(
    port: KioskPort,
    *,
    fullscreen: bool = True,
    lang: str = "zh-CN",
    idle_return_seconds: float = 10.0,
    size: tuple[int, int] = (1280, 800),
    font_path: str | os.PathLike[str] | None = None,
    kivy_home: str | os.PathLike[str] | None = None,
    demo: DemoPort | None = None,
) -> None:
    """Configure Kivy, register the CJK font and run the kiosk UI until it is closed."""
    configure_kivy(fullscreen, size, kivy_home)
    register_cjk_font(font_path)
    app = EStationApp(
        port,
        lang=lang,
        fullscreen=fullscreen,
        idle_return_seconds=idle_return_seconds,
        demo=demo,
    )

    def stop_on_signal(signum: int, _frame: object) -> None:
        # Ctrl-C (a KeyboardInterrupt mid-frame) or systemd's SIGTERM: leave through the
        # app's own stop, so on_stop ends the visit and the caller closes the outbox and
        # releases the devices, as a normal exit does.
        logging.getLogger(__name__).info("kiosk_stopping signal=%s", signal.Signals(signum).name)
        Clock.schedule_once(lambda _dt: app.stop(), 0)

    previous = {sig: signal.signal(sig, stop_on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
