"""The Kivy App: assembles session, screens and router for one `KioskPort`. Nothing else.

Start the kiosk with `run_kiosk_app(port, fullscreen=...)`. Importing this module creates no
window: the screens are imported in `build()`, because Kivy's own `kivy.uix.textinput`
creates the window as it is imported, and `configure_kivy` (size, fullscreen) must come
first.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import gc
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.lang import Builder

from kiosk.commands import CommandRunner
from kiosk.ports import DemoPort, KioskPort, MenuEntry
from kiosk.speech import SilentSpeech, Speech
from kiosk.ui.kivy_setup import configure_kivy, register_cjk_font
from kiosk.ui.session import UISession

if TYPE_CHECKING:
    from kiosk.ui.bridge import WorkerPool
    from kiosk.ui.ops import KioskOps
    from kiosk.ui.overlays import HelpOverlay, IdleOverlay
    from kiosk.ui.root import Router
    from kiosk.ui.screens.attract import AttractScreen
    from kiosk.ui.screens.base import StepScreen
    from kiosk.ui.screens.end import EndScreen
    from kiosk.ui.screens.out_of_service import OutOfServiceScreen
    from kiosk.ui.screens.pairing import PairingScreen

_UI = Path(__file__).parent
# What the first frame shows: the menu and its header.
MENU_KV_FILES: tuple[Path, ...] = (_UI / "widgets.kv", _UI / "screens" / "welcome.kv")
# The shared widgets' rules the menu does not use, loaded before any part made after it.
WIDGETS_LATER_KV = _UI / "widgets_later.kv"
# The parts the menu does not show, each one's rules loaded as it is made (one a frame after
# the menu's first frame, or at once where one is needed first: the attract loop at start).
LATER_KV_FILES: tuple[Path, ...] = (
    _UI / "overlays.kv",
    *(_UI / "screens" / f"{name}.kv" for name in ("end", "attract", "out_of_service", "pairing")),
)
# The step screens' rules: loaded after the menu's first frame, with the first step screen
# made (one a frame once the menu is up, or at once for a tap that comes first).
STEP_KV_FILES: tuple[Path, ...] = (
    _UI / "toggles.kv",  # a form's tick boxes and the rating's stars
    _UI / "keyboard.kv",
    _UI / "datepicker.kv",
    _UI / "fields.kv",
    *(
        _UI / "screens" / f"{name}.kv"
        for name in ("identify", "action", "form", "confirm", "notice", "itemlist", "detail")
    ),
)
KV_FILES: tuple[Path, ...] = MENU_KV_FILES + (WIDGETS_LATER_KV,) + LATER_KV_FILES + STEP_KV_FILES

# A screen that crashes again and again cannot be recovered from here: after this many
# crashes within CRASH_WINDOW seconds the app gives up and exits, and systemd restarts it.
MAX_CRASHES = 5
CRASH_WINDOW = 60.0

log = logging.getLogger(__name__)
W = TypeVar("W")

__all__ = ["EStationApp", "configure_kivy", "load_kv_files", "register_cjk_font", "run_kiosk_app"]


def load_kv_files(files: Sequence[Path] = KV_FILES) -> None:
    """Load the widget and screen rules (all unless told); again replaces, never doubles,
    them."""
    for path in files:
        # Rules loaded twice apply twice (every screen would get two of each child).
        Builder.unload_file(str(path))
        Builder.load_file(str(path))


def load_once(files: Sequence[Path]) -> None:
    """Load those of `files` whose rules are not loaded yet (an App of an earlier test may
    have loaded them: loaded twice, a rule applies twice)."""
    load_kv_files([path for path in files if str(path) not in Builder.files])


def made_with_rules(kv: Path, make: Callable[[], W]) -> Callable[[], W]:
    """`make`, with the shared widgets' later rules and its kv file's loaded first."""

    def made() -> W:
        load_once((WIDGETS_LATER_KV, kv))
        return make()

    return made


def menu_of(port: KioskPort) -> Callable[[], Sequence[MenuEntry]]:
    """The port's menu; every service available for a port that only lists its catalog."""
    menu = getattr(port, "menu", None)
    if callable(menu):
        return menu  # type: ignore[no-any-return]
    return lambda: [MenuEntry(flow) for flow in port.catalog]


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
        ops: KioskOps | None = None,
        attract_at_start: bool = True,
        tap_guard: float | None = None,
        speech: Speech | None = None,
        commands: CommandRunner | None = None,
        on_first_frame: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """`ops`: READY/watchdog, night and the way into maintenance (kiosk/ui/ops.py);
        `attract_at_start`: open on the attract loop (False: on the menu); `tap_guard`:
        seconds after a screen switch during which a touch goes nowhere (None: the default,
        kiosk/ui/root.py TAP_GUARD_SECONDS); `on_first_frame`: called once the first frame is
        drawn (the kiosk starts what the menu does not need)."""
        super().__init__(**kwargs)
        # A start that holds the garbage collector (estation-kiosk's main) until the menu's
        # first frame: what it made so far is frozen too, for Kivy's window collects all
        # garbage as it is made (its RenderContext), which walked the whole start's objects
        # (20-28 ms). Both are given back on the tick after the first frame, or at the stop.
        self._holding_collections = not gc.isenabled()
        if self._holding_collections:
            gc.freeze()
        self.on_first_frame = on_first_frame
        self.ops = ops
        self.attract_at_start = attract_at_start
        self.tap_guard = tap_guard
        self.port = port
        self.demo = demo
        # The kiosk's voice (kiosk/speech/); the kiosk that built it closes it.
        self.speech: Speech = speech if speech is not None else SilentSpeech()
        # Remote commands: the screenshot, identify and restart are the touchscreen's.
        self.commands = commands
        self.lang = lang
        self.fullscreen = fullscreen
        self.idle_return_seconds = idle_return_seconds
        self._clock = clock
        self.session: UISession | None = None
        self.router: Router | None = None
        self.workers: WorkerPool | None = None  # the flows' actions run on its threads
        self._tick_event: Any = None
        self._prepare_event: Any = None
        self._stop_preparing: Callable[[], None] = lambda: None
        self._step_makers: dict[str, Callable[[], StepScreen]] | None = None
        self._guard = _CrashGuard(self)
        self._crashes: list[float] = []
        # False once a crash could not be recovered from: the watchdog is no longer fed.
        self.alive = True

    def build(self) -> Router:
        """Create the session, one screen of each kind, and the router between them."""
        from kiosk.ui.bridge import WorkerPool
        from kiosk.ui.navigator import IDENTIFY_SCREEN
        from kiosk.ui.root import TAP_GUARD_SECONDS, Router
        from kiosk.ui.screens import welcome
        from kiosk.ui.voice import ScreenVoice

        load_kv_files(MENU_KV_FILES)
        self.workers = WorkerPool("flow-action")  # warm behind the first frame
        session = UISession(
            self.port,
            self.workers.submit,
            lang=self.lang,
            end_seconds=self.idle_return_seconds,
            clock=self._clock,
            demo=self.demo,
            attract_at_start=self.attract_at_start,
        )

        # Made on first use, or one a frame after the menu's first frame (Router.steps); the
        # step screens' modules and kv rules load with the first of them (_step_screens).
        def step(name: str) -> Callable[[], StepScreen]:
            return lambda: self._step_screens(session)[name]()

        steps: dict[str, Callable[[], StepScreen]] = {
            name: step(name)
            for name in (IDENTIFY_SCREEN, "action", "form", "confirm", "notice", "list", "detail")
        }
        router = Router(
            welcome.WelcomeScreen(
                session, menu_of(self.port), self.port.station_name, now=self.port.now
            ),
            steps,
            made_with_rules(_screen_kv("end"), lambda: _end_screen(session)),
            attract=made_with_rules(
                _screen_kv("attract"), lambda: _attract_screen(session, self.port.station_name)
            ),
            out_of_service=made_with_rules(_screen_kv("out_of_service"), _out_of_service_screen),
            pairing=made_with_rules(_screen_kv("pairing"), _pairing_screen),
            idle=made_with_rules(_UI / "overlays.kv", lambda: _idle_overlay(session.keep_going)),
            help=made_with_rules(_UI / "overlays.kv", _help_overlay),
            clock=self._clock,
            tap_guard=TAP_GUARD_SECONDS if self.tap_guard is None else self.tap_guard,
            voice=ScreenVoice(self.speech),
        )
        router.on_activity = session.touch

        def speak_countdown(seconds: int, lang: str) -> None:
            if session.elder:  # spoken in elder mode; shown to everyone
                router.voice.countdown(seconds, lang)

        session.on_countdown = speak_countdown
        session.attach(router)
        self.session = session
        self.router = router
        return router

    def _step_screens(self, session: UISession) -> dict[str, Callable[[], StepScreen]]:
        """The makers of the step screens, their modules imported and kv rules loaded on
        the first call (after the menu's first frame, or for a tap that comes first)."""
        if self._step_makers is None:
            from kiosk.ui.fields import pii_region_namer
            from kiosk.ui.navigator import IDENTIFY_SCREEN
            from kiosk.ui.screens import (
                action,
                confirm,
                detail,
                form,
                identify,
                itemlist,
                notice,
            )

            load_once((WIDGETS_LATER_KV,))
            load_kv_files(STEP_KV_FILES)
            self._step_makers = {
                IDENTIFY_SCREEN: lambda: identify.IdentifyScreen(session),
                "action": lambda: action.ActionScreen(session, session.tappers),
                "form": lambda: form.FormScreen(session, region_name=pii_region_namer()),
                "confirm": lambda: confirm.ConfirmScreen(session),
                "notice": lambda: notice.NoticeScreen(session),
                "list": lambda: itemlist.ListScreen(session),
                "detail": lambda: detail.DetailScreen(session),
            }
        return self._step_makers

    def on_start(self) -> None:
        """Start the once-a-second session tick; hide the pointer on the kiosk."""
        if self.fullscreen:
            from kivy.core.window import Window

            Window.show_cursor = False
            # A kiosk: a stray close request (a window manager, Alt-F4) must not end it.
            Window.bind(on_request_close=lambda *_args, **_kw: True)
        self._tick_event = Clock.schedule_interval(self._tick, 1.0)
        self._prepare_after_first_frame()
        ExceptionManager.add_handler(self._guard)
        if self.ops is not None:
            self.ops.start(self)

    def _prepare_after_first_frame(self) -> None:
        """From the tick after the first frame: install the touchscreen's remote commands,
        call `on_first_frame` and make the step screens one a frame (a tap that comes first
        makes its screen at once)."""
        from kivy.core.window import Window

        def make_one(_dt: float) -> bool:
            return self.router is not None and self.router.make_next_step()

        def behind(_dt: float) -> None:
            self._collect_again()
            if self.commands is not None:
                # The screenshot, identify and restart commands (PIL, the wire models) are
                # installed before the sync that hands out commands starts below.
                from kiosk.ui.remote import UICommands

                UICommands(self).install(self.commands)
            if self.workers is not None:
                self.workers.warm()
            if self.on_first_frame is not None:
                self.on_first_frame()
            self._prepare_event = Clock.schedule_interval(make_one, 0)

        def first_frame(*_args: object) -> None:
            Window.unbind(on_flip=first_frame)
            # From the next clock tick: this flip is the menu reaching the screen, and work
            # done inside it would hold that frame back (and a tap with it).
            self._prepare_event = Clock.schedule_once(behind, 0)

        def forget() -> None:
            Window.unbind(on_flip=first_frame)
            if self._prepare_event is not None:
                self._prepare_event.cancel()
                self._prepare_event = None

        Window.bind(on_flip=first_frame)
        self._stop_preparing = forget

    def _collect_again(self) -> None:
        """Give the collector back what a held start kept from it (`__init__`); the Router
        collects once and freezes what is alive when its parts are made (Router.settle)."""
        if self._holding_collections:
            self._holding_collections = False
            gc.unfreeze()
            gc.enable()

    def on_stop(self) -> None:
        """End any visit in progress so nothing of it outlives the app."""
        ExceptionManager.remove_handler(self._guard)
        self._stop_preparing()
        self._collect_again()
        if self.ops is not None:
            self.ops.stop()
        if self._tick_event is not None:
            self._tick_event.cancel()
            self._tick_event = None
        if self.session is not None:
            self.session.close()
        if self.workers is not None:
            self.workers.close()
        if self.router is not None:
            # The modals live on the window, which outlives the app.
            self.router.hide_modals()
            self.router.thaw()

    def _tick(self, _dt: float) -> None:
        if self.session is not None:
            self.session.tick()

    def recover(self, error: BaseException) -> bool:
        """A screen's code raised on the UI thread: log it, end the visit wiped, show the
        attract loop. False when that is not possible, or too many crashes came in a row:
        the app must then stop (and systemd start it afresh)."""
        now = self._clock()
        self._crashes = [t for t in self._crashes if now - t < CRASH_WINDOW] + [now]
        router, session = self.router, self.session
        screen = router.current if router is not None else "-"
        # The type and the place only: an exception's message may quote what was typed.
        log.error(
            "ui_crash error=%s at=%s screen=%s crashes=%d",
            type(error).__name__,
            _crash_site(error),
            screen,
            len(self._crashes),
        )
        if session is None or not isinstance(error, Exception):
            self.alive = False
            return False
        if len(self._crashes) > MAX_CRASHES:
            log.error("ui_crash_loop crashes=%d window_s=%.0f giving_up", MAX_CRASHES, CRASH_WINDOW)
            self.alive = False
            return False
        try:
            session.recover()
        except Exception as again:
            log.error("ui_recovery_failed error=%s", type(again).__name__)
            self.alive = False
            return False
        log.info("ui_recovered to=attract visit=wiped")
        return True


# The makers of the parts the menu does not show: each imports its module when first called.
def _screen_kv(name: str) -> Path:
    return _UI / "screens" / f"{name}.kv"


def _end_screen(session: UISession) -> EndScreen:
    from kiosk.ui.screens.end import EndScreen

    return EndScreen(session)


def _attract_screen(session: UISession, station_name: str) -> AttractScreen:
    from kiosk.ui.screens.attract import AttractScreen

    return AttractScreen(session, station_name)


def _out_of_service_screen() -> OutOfServiceScreen:
    from kiosk.ui.screens.out_of_service import OutOfServiceScreen

    return OutOfServiceScreen()


def _pairing_screen() -> PairingScreen:
    from kiosk.ui.screens.pairing import PairingScreen

    return PairingScreen()


def _idle_overlay(on_touch: Callable[[], None]) -> IdleOverlay:
    from kiosk.ui.overlays import IdleOverlay

    return IdleOverlay(on_touch)


def _help_overlay() -> HelpOverlay:
    from kiosk.ui.overlays import HelpOverlay

    return HelpOverlay()


class _CrashGuard(ExceptionHandler):
    """Kivy's hook for an exception that reached the event loop: the app recovers or stops."""

    def __init__(self, app: EStationApp) -> None:
        self._app = app

    def handle_exception(self, inst: BaseException) -> int:
        """PASS (the loop goes on) when the app recovered; RAISE (the app stops) when not."""
        recovered = self._app.recover(inst)
        return int(ExceptionManager.PASS if recovered else ExceptionManager.RAISE)


def _crash_site(error: BaseException) -> str:
    """Where the exception was raised: file:line of its innermost frame, never its message."""
    tb = error.__traceback__
    if tb is None:
        return "-"
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"


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
    ops: Callable[[], KioskOps] | None = None,
    speech: Speech | None = None,
    commands: CommandRunner | None = None,
    on_first_frame: Callable[[], None] | None = None,
) -> None:
    """Configure Kivy, register the CJK font and run the kiosk UI until it is closed.

    `ops` makes the 24/7 duties once Kivy is configured (its module opens the window);
    `on_first_frame` is called once the first frame is drawn.
    """
    configure_kivy(fullscreen, size, kivy_home)
    register_cjk_font(font_path)
    app = EStationApp(
        port,
        lang=lang,
        fullscreen=fullscreen,
        idle_return_seconds=idle_return_seconds,
        demo=demo,
        ops=ops() if ops is not None else None,
        speech=speech,
        commands=commands,
        on_first_frame=on_first_frame,
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
