"""The screen manager: the session's `Navigator`, and where any touch counts as activity."""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kivy.cache import Cache
from kivy.uix.screenmanager import NoTransition, ScreenManager

from flows import FlowRun
from kiosk.ui import theme
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.screens.end import EndScreen
from kiosk.ui.screens.welcome import WelcomeScreen
from kiosk.ui.session import EndNotice

# TextInput keeps rendered lines and their widths, keyed by the text, for a minute.
_TEXT_INPUT_CACHES = ("textinput.label", "textinput.width")


class Router(ScreenManager):
    """Switches screens for the session; only the visible screen holds a visit's data."""

    def __init__(
        self,
        welcome: WelcomeScreen,
        steps: Mapping[str, StepScreen],
        end: EndScreen,
        **kwargs: Any,
    ) -> None:
        # No slide or fade: motion distracts and slows people who read slowly.
        super().__init__(transition=NoTransition(), **kwargs)
        self.welcome = welcome
        self.steps = dict(steps)
        self.end = end
        for screen in (welcome, *self.steps.values(), end):
            self.add_widget(screen)
        self.current = welcome.name
        self.on_activity: Callable[[], None] | None = None

    def show_welcome(self, lang: str) -> None:
        """Show the service menu in `lang`."""
        self.welcome.show(lang)
        self._switch(self.welcome.name)

    def show_step(self, screen: str, run: FlowRun) -> None:
        """Fill `screen` from the run and show it."""
        self.steps[screen].show(run)
        self._switch(screen)

    def relabel(self, run: FlowRun) -> None:
        """Show the visible step again in the run's language (a step screen keeps its input)."""
        current = self.current_screen
        if isinstance(current, StepScreen):
            current.relabel(run)

    def restyle(self, elder: bool, run: FlowRun | None) -> None:
        """Switch the style (the .kv rules follow it), then lay the visible screen out again:
        the menu's tiles, a step from its run (a form keeps what was typed)."""
        theme.style.elder = elder
        current = self.current_screen
        if isinstance(current, WelcomeScreen):
            current.restyle()
        elif isinstance(current, StepScreen) and run is not None:
            current.relabel(run)
        elif isinstance(current, EndScreen):
            current.restyle()

    def show_end(self, notice: EndNotice, seconds_left: float) -> None:
        """Show how the visit ended."""
        self.end.show_notice(notice, seconds_left)
        self._switch(self.end.name)

    def refresh(self, run: FlowRun | None, end_seconds_left: float | None) -> None:
        """Once a second: the clock on welcome, countdowns elsewhere."""
        current = self.current_screen
        if isinstance(current, WelcomeScreen):
            current.refresh()
        elif isinstance(current, EndScreen):
            current.refresh(end_seconds_left)
        elif isinstance(current, StepScreen) and run is not None:
            current.refresh(run)

    def wipe(self) -> None:
        """Clear every screen, shown or not, and the text caches behind text boxes."""
        for screen in self.screens:
            screen.clear()
        for category in _TEXT_INPUT_CACHES:
            Cache.remove(category)

    def _switch(self, name: str) -> None:
        previous = self.current_screen
        if previous is not None and previous.name != name:
            # A screen left behind forgets what it showed; going back refills it from the run.
            previous.clear()
        self.current = name

    def on_touch_down(self, touch: Any) -> bool:
        """Any touch restarts the step's idle timeout, then goes to the widgets."""
        if self.on_activity is not None:
            self.on_activity()
        handled: bool = super().on_touch_down(touch)
        return handled
