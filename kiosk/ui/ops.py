"""The touchscreen's 24/7 duties, beside the citizen's screens: one object the App starts.

`KioskOps` watches the window, not the screens: the first frame drawn sends systemd READY=1;
a once-a-second UI clock tick tells the watchdog the UI lives, sets the night brightness and
restarts the kiosk in the nightly window between visits; touches feed the idle timers and
the hidden maintenance gesture, which opens the maintenance screen only on the menu with no
visit in progress. The App calls `start(app)` in on_start and `stop()` in on_stop and knows
nothing else of it; `exit_code` tells `estation-kiosk` what to exit with.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, InstructionGroup, Rectangle

from kiosk.maintenance_gesture import CornerGesture, corner_at
from kiosk.nightly import RESTART_EXIT_CODE, Backlight, NightPlan
from kiosk.watchdog import Notifier, Watchdog

if TYPE_CHECKING:
    # The maintenance module loads when the screen is first opened, not before the menu.
    from kiosk.maintenance import MaintenancePort
    from kiosk.ui.app import EStationApp
    from kiosk.ui.screens.maintenance import MaintenanceScreen
    from kiosk.updater import Updater

log = logging.getLogger(__name__)

# A technician who walks away from the maintenance screen does not leave it open.
MAINTENANCE_IDLE_SECONDS = 300.0


class KioskOps:
    """READY and watchdog, night dimming, the nightly restart and the way into maintenance."""

    def __init__(
        self,
        *,
        now: Callable[[], dt.datetime],
        notifier: Notifier | None = None,
        watchdog: Watchdog | None = None,
        maintenance: MaintenancePort | None = None,
        night: NightPlan | None = None,
        backlight: Backlight | None = None,
        clock: Callable[[], float] = time.monotonic,
        updates: Updater | None = None,
        restart_wanted: Callable[[], bool] | None = None,
    ) -> None:
        self._now = now
        self._started = now()
        self._notifier = notifier
        self._watchdog = watchdog
        self._maintenance = maintenance
        self._night = night
        self._backlight = backlight
        # A staged release is switched to between visits; a new one proves itself healthy.
        self._updates = updates
        # A technician enrolled or factory-reset the kiosk: it restarts into that at once.
        self._restart_wanted = restart_wanted
        self._clock = clock
        self._gesture = CornerGesture(clock)
        self._last_touch = clock()
        self._app: EStationApp | None = None
        self._tick_event: Any = None
        self._overlay: InstructionGroup | None = None
        self._shade: Color | None = None
        self._rect: Rectangle | None = None
        self._screen: MaintenanceScreen | None = None
        self.brightness = 1.0
        self.exit_code = 0
        self.ready_sent = False

    def start(self, app: EStationApp) -> None:
        """Begin watching the window and ticking with the UI clock."""
        self._app = app
        Window.bind(on_touch_down=self._down, on_touch_up=self._up, on_flip=self._flipped)
        # Kivy flips only frames with something new drawn: make sure one comes.
        Window.canvas.ask_update()
        self._tick_event = Clock.schedule_interval(self.tick, 1.0)

    def stop(self) -> None:
        """Stop watching; the screen goes back to full brightness."""
        Window.unbind(on_touch_down=self._down, on_touch_up=self._up, on_flip=self._flipped)
        if self._tick_event is not None:
            self._tick_event.cancel()
            self._tick_event = None
        self._set_brightness(1.0)
        if self._overlay is not None:
            Window.unbind(size=self._fit_overlay)
            Window.canvas.after.remove(self._overlay)
            self._overlay = self._shade = self._rect = None
        if self._notifier is not None:
            self._notifier.stopping()
        self._app = None

    # The window
    def _flipped(self, *_args: Any) -> None:
        # The first frame after start is the menu: only now is the kiosk of use to anyone.
        Window.unbind(on_flip=self._flipped)
        self.ready_sent = True
        if self._notifier is not None:
            self._notifier.ready("menu shown")
        log.info("kiosk_ready first_frame=drawn")
        if self._updates is not None:
            # Imported with an updater only: a kiosk that takes no updates never loads it.
            from kiosk.updater import HealthSignal

            self._updates.saw(HealthSignal.MENU)

    def _down(self, _window: Any, touch: Any) -> bool:
        self._last_touch = self._clock()
        self._set_brightness(1.0)
        if self._gesture_allowed():
            self._gesture.down(corner_at(touch.x, touch.y, *Window.size))
        return False  # observe only: the touch goes on to the screens

    def _up(self, _window: Any, touch: Any) -> bool:
        if not self._gesture_allowed():
            self._gesture.reset()
            return False
        if self._gesture.up(corner_at(touch.x, touch.y, *Window.size)):
            Clock.schedule_once(lambda _dt: self.open_maintenance(), 0)
        return False

    # Once a second on the UI thread
    def tick(self, _dt: float = 0.0) -> None:
        """Feed the watchdog, dim or brighten, leave an idle maintenance screen, restart."""
        if self._watchdog is not None and self._app is not None and self._app.alive:
            # Not after a crash the app could not recover from: it is stopping, and a
            # screen that keeps failing must not be kept alive by a clock that still ticks.
            self._watchdog.ui_alive()
        idle = self._clock() - self._last_touch
        now = self._now()
        if self._night is not None:
            self._set_brightness(self._night.brightness(now, idle))
        screen = self._screen
        if screen is not None and self.in_maintenance and idle >= MAINTENANCE_IDLE_SECONDS:
            log.info("maintenance_idle leaving")
            screen.back()
            return
        if (
            self._night is not None
            and self._app is not None
            and self._night.restart_due(
                now, self._started, between_visits=self.between_visits, idle_seconds=idle
            )
        ):
            log.info("nightly_restart exit_code=%d", RESTART_EXIT_CODE)
            self.exit_code = RESTART_EXIT_CODE
            self._app.stop()
            return
        if self._restart_wanted is not None and self._app is not None and self._restart_wanted():
            log.info("provisioning_restart exit_code=%d", RESTART_EXIT_CODE)
            self.exit_code = RESTART_EXIT_CODE
            self._app.stop()
            return
        if self._updates is not None and self._app is not None:
            from kiosk.updater import Step  # loaded with the updater already

            if self._updates.tick(self.between_visits) is Step.RESTART:
                log.info("update_restart exit_code=%d", RESTART_EXIT_CODE)
                self.exit_code = RESTART_EXIT_CODE
                self._app.stop()

    # State of the screens
    @property
    def between_visits(self) -> bool:
        """The menu or the attract loop is showing and no citizen's visit is open."""
        app = self._app
        if app is None or app.session is None or app.router is None:
            return False
        return app.session.run is None and app.router.between_visits_shown()

    @property
    def in_maintenance(self) -> bool:
        """The maintenance screen is showing."""
        app = self._app
        return (
            app is not None
            and app.router is not None
            and self._screen is not None
            and app.router.current == self._screen.name
        )

    def _gesture_allowed(self) -> bool:
        return self._maintenance is not None and self.between_visits

    # Maintenance
    def open_maintenance(self) -> None:
        """Show the PIN pad (only between visits)."""
        app = self._app
        if self._maintenance is None or app is None or app.router is None:
            return
        if not self.between_visits:
            return
        if self._screen is None:
            from kiosk.ui.screens.maintenance import MaintenanceScreen

            self._screen = MaintenanceScreen(
                self._maintenance,
                now=self._now,
                on_back=self._back_to_service,
                on_exit=self._exit_to_desktop,
            )
            app.router.add_widget(self._screen)
        log.info("maintenance_gesture pin_pad=shown")
        app.router.welcome.clear()
        app.router.current = self._screen.name

    def _back_to_service(self) -> None:
        app = self._app
        if app is not None and app.router is not None and app.session is not None:
            app.router.show_welcome(app.session.lang)

    def _exit_to_desktop(self) -> None:
        log.info("kiosk_exit to=desktop")
        self.exit_code = 0
        if self._app is not None:
            self._app.stop()

    # Brightness
    def _fit_overlay(self, _window: Any, size: Any) -> None:
        if self._rect is not None:
            self._rect.size = size

    def _set_brightness(self, level: float) -> None:
        if level == self.brightness:
            return
        self.brightness = level
        if self._backlight is not None:
            self._backlight.set(level)
            return
        if self._shade is None:
            # Drawn after everything on the window, and not a widget: touches go through.
            self._overlay = InstructionGroup()
            self._shade = Color(0, 0, 0, 0)
            self._rect = Rectangle(pos=(0, 0), size=Window.size)
            self._overlay.add(self._shade)
            self._overlay.add(self._rect)
            Window.bind(size=self._fit_overlay)
            Window.canvas.after.add(self._overlay)
        self._shade.a = 1.0 - level
