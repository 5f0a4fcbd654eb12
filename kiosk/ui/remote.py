"""The remote commands only the touchscreen can carry out: a screenshot, identify, restart.

Commands run on the sync thread (kiosk/commands.py); anything that touches Kivy is handed
to the UI thread and waited for. A screenshot is taken only of the menu or the attract
loop with no visit open, so it can never show a citizen's data; it is scaled down until it
fits a command result. Identify flashes the screen and says a few words, so a technician
standing in a hall of terminals sees and hears which one ops mean. Restart leaves with the
exit code systemd restarts on, after the result is safely on disk.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.uix.widget import Widget
from PIL import Image

from kiosk.commands import CommandRunner, Outcome
from kiosk.nightly import RESTART_EXIT_CODE
from wire import MAX_ATTACHMENT_CHARS, Command, CommandKind

if TYPE_CHECKING:
    from kiosk.ui.app import EStationApp

log = logging.getLogger(__name__)

_T = TypeVar("_T")
# Screens a screenshot may show: nothing of a citizen is on them.
_PUBLIC_SCREENS = frozenset({"welcome", "attract"})
_FLASHES = 3
_FLASH_SECONDS = 0.4
_UI_TIMEOUT = 10.0


class UITimeout(Exception):
    """The UI thread did not run the work in time (it is stalled or stopping)."""


def on_ui(work: Callable[[], _T], timeout: float = _UI_TIMEOUT) -> _T:
    """Run `work` on Kivy's thread at its next frame and wait for its result."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def run(_dt: float) -> None:
        try:
            box["value"] = work()
        except Exception as err:  # noqa: BLE001 - handed back to the waiting thread
            box["error"] = err
        finally:
            done.set()

    Clock.schedule_once(run, 0)
    if not done.wait(timeout):
        raise UITimeout(f"the screen did not answer within {timeout:.0f} s")
    if "error" in box:
        raise box["error"]
    value: _T = box["value"]
    return value


def fit_png(image: Image.Image, limit_chars: int = MAX_ATTACHMENT_CHARS) -> bytes:
    """`image` as PNG, halved until its base64 text fits `limit_chars`."""
    while True:
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        data = out.getvalue()
        if (len(data) + 2) // 3 * 4 <= limit_chars or image.width <= 80:
            return data
        image = image.resize((image.width // 2, image.height // 2))


class UICommands:
    """Screenshot, identify and restart for the app on show."""

    def __init__(self, app: EStationApp) -> None:
        self._app = app

    def install(self, runner: CommandRunner) -> None:
        """Answer the three kinds the touchscreen owns."""
        runner.handle(CommandKind.SCREENSHOT, self.screenshot)
        runner.handle(CommandKind.IDENTIFY, self.identify)
        runner.handle(CommandKind.RESTART_APP, self.restart)

    def screenshot(self, _command: Command) -> Outcome:
        """The screen as a PNG, only while it shows the menu or the attract loop."""
        shot = on_ui(self._capture)
        if shot is None:
            return Outcome(False, "refused: a citizen is using the kiosk")
        data = fit_png(shot)
        detail = f"screenshot {shot.width}x{shot.height}"
        return Outcome(True, detail, "image/png", data)

    def _capture(self) -> Image.Image | None:
        app = self._app
        session, router = app.session, app.router
        if session is None or router is None:
            return None
        if session.run is not None or router.current not in _PUBLIC_SCREENS:
            return None
        texture = router.export_as_image().texture
        width, height = texture.size
        # export_as_image renders into an FBO whose pixels come out top row first.
        return Image.frombytes("RGBA", (width, height), bytes(texture.pixels)).convert("RGB")

    def identify(self, _command: Command) -> Outcome:
        """Flash the screen and say where this kiosk is."""
        on_ui(self._flash)
        name = self._app.port.station_name
        speech = self._app.speech
        was_on = speech.enabled
        speech.set_enabled(True)
        speech.say(f"这里是{name}", "zh-CN")
        if not was_on:
            Clock.schedule_once(lambda _dt: speech.set_enabled(False), 5.0)
        return Outcome(True, f"flashed {_FLASHES} times and spoke")

    def _flash(self) -> None:
        from kivy.core.window import Window

        veil = Widget(size=Window.size)
        with veil.canvas:
            Color(1, 1, 1, 1)
            Rectangle(pos=(0, 0), size=Window.size)
        for n in range(_FLASHES * 2):
            showing = n % 2 == 0
            Clock.schedule_once(
                lambda _dt, on=showing: _toggle(Window, veil, on), n * _FLASH_SECONDS
            )
        Clock.schedule_once(lambda _dt: _toggle(Window, veil, False), _FLASHES * 2 * _FLASH_SECONDS)

    def restart(self, _command: Command) -> Outcome:
        """Leave so systemd starts the kiosk again (after the result is on disk)."""

        def leave() -> None:
            app = self._app
            if app.ops is not None:
                app.ops.exit_code = RESTART_EXIT_CODE
            log.info("remote_restart exit_code=%d", RESTART_EXIT_CODE)
            Clock.schedule_once(lambda _dt: app.stop(), 0)

        return Outcome(True, "restarting", then=leave)


def _toggle(window: Any, veil: Widget, on: bool) -> None:
    if on and veil.parent is None:
        window.add_widget(veil)
    elif not on and veil.parent is not None:
        window.remove_widget(veil)
