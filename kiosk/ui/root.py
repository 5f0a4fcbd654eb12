"""The screen manager: the session's `Navigator`, and where any touch counts as activity.

It also drops the taps a screen switch invites: for `tap_guard` seconds after a switch a
touch goes nowhere, so a double tap on a tile (or a tap made while a slow machine was
still drawing the next screen) is one action, never a second one on the next screen.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kivy.cache import Cache
from kivy.clock import Clock
from kivy.uix.screenmanager import NoTransition, ScreenManager

from flows import Texts
from kiosk.ports import AttractCard, HelpContacts, PairingView
from kiosk.speech import SilentSpeech
from kiosk.ui import memory, theme
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.screens.welcome import WelcomeScreen
from kiosk.ui.voice import ScreenVoice
from kiosk.ui.widgets import KeptTexts

if TYPE_CHECKING:
    # The flow engine loads with the first visit, not for the menu (docs/touchscreen.md);
    # the parts the menu does not show load with their first making (Later).
    from flows import FlowRun
    from kiosk.ui.end_notice import EndNotice
    from kiosk.ui.overlays import HelpOverlay, IdleOverlay
    from kiosk.ui.screens.attract import AttractScreen
    from kiosk.ui.screens.end import EndScreen
    from kiosk.ui.screens.out_of_service import OutOfServiceScreen
    from kiosk.ui.screens.pairing import PairingScreen

# A finger's double tap comes 100-300 ms after the first; longer than that is a new tap.
TAP_GUARD_SECONDS = 0.4

# TextInput keeps rendered lines and their widths, keyed by the text, for a minute.
_TEXT_INPUT_CACHES = ("textinput.label", "textinput.width")

# The attract loop's screen name (its kv rule's): asked before the screen need be made.
ATTRACT_SCREEN = "attract"

W = TypeVar("W")

# The heap is trimmed this long after a wipe, once the next screen has had its frame; wipes
# within it (the end screen, then the menu) share one trim.
TRIM_DELAY_SECONDS = 1.0


class StepScreens(Mapping[str, StepScreen]):
    """The step screens by name, each made on first use or by `make_next` after the menu's
    first frame: the menu needs none of them, and making all seven took a third of the
    kiosk's cold start (bench/bench_kiosk_ui.py)."""

    def __init__(
        self, makers: Mapping[str, Callable[[], StepScreen]], made: Callable[[StepScreen], None]
    ) -> None:
        self._makers = dict(makers)
        self._made: dict[str, StepScreen] = {}
        self._on_made = made

    def __getitem__(self, name: str) -> StepScreen:
        screen = self._made.get(name)
        if screen is None:
            screen = self._made[name] = self._makers[name]()
            self._on_made(screen)
        return screen

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)

    def make_next(self) -> bool:
        """Make one screen not made yet; False when none is left."""
        name = next((n for n in self._makers if n not in self._made), None)
        if name is None:
            return False
        self[name]
        return True


class Later(Generic[W]):
    """A part of the screen the menu's first frame does not show (the end screen, the attract
    loop, the modals, ...): made on first use, or by `Router.make_next_step` one a frame
    after the menu's first frame. Made at start they were a third of the App's build."""

    def __init__(self, make: Callable[[], W], made: Callable[[W], None] | None = None) -> None:
        self._make = make
        self._on_made = made
        self.made: W | None = None

    def get(self) -> W:
        """The part, made now if it was not yet."""
        if self.made is None:
            self.made = self._make()
            if self._on_made is not None:
                self._on_made(self.made)
        return self.made


class Router(ScreenManager):
    """Switches screens for the session; only the visible screen holds a visit's data."""

    def __init__(
        self,
        welcome: WelcomeScreen,
        steps: Mapping[str, Callable[[], StepScreen]],
        end: Callable[[], EndScreen],
        *,
        attract: Callable[[], AttractScreen],
        out_of_service: Callable[[], OutOfServiceScreen],
        pairing: Callable[[], PairingScreen],
        idle: Callable[[], IdleOverlay],
        help: Callable[[], HelpOverlay],
        clock: Callable[[], float] = time.monotonic,
        tap_guard: float = TAP_GUARD_SECONDS,
        voice: ScreenVoice | None = None,
        trim_delay: float | None = None,
        **kwargs: Any,
    ) -> None:
        """`welcome` is made; every other part is a maker, called on the part's first use or
        one a frame after the menu's first frame (`make_next_step`): the step screens first
        (a tap on a tile needs one), then the end screen, the modals and the screens between
        visits."""
        # No slide or fade: motion distracts and slows people who read slowly.
        super().__init__(transition=NoTransition(), **kwargs)
        # Kivy's ScreenManager rule clips its screens with a stencil: two rectangles as large
        # as the window and a stencil test on every pixel drawn. The Router fills the window
        # and its screens never slide, so the clip cut nothing; with software GL it was some
        # 2 ms of the menu's first frame (docs/touchscreen.md, cold start round eight).
        self.canvas.before.clear()
        self.canvas.after.clear()
        self.welcome = welcome
        self.voice = voice if voice is not None else ScreenVoice(SilentSpeech())
        # The opening steps' texts kept between visits, within a memory budget (StepScreen).
        self.kept_texts = KeptTexts()
        self.steps = StepScreens(steps, self._add_step)
        self._end: Later[EndScreen] = Later(end, self.add_widget)
        self._idle: Later[IdleOverlay] = Later(idle)
        self._help: Later[HelpOverlay] = Later(help)
        self._attract: Later[AttractScreen] = Later(attract, self.add_widget)
        self._out_of_service: Later[OutOfServiceScreen] = Later(out_of_service, self.add_widget)
        self._pairing: Later[PairingScreen] = Later(pairing, self.add_widget)
        # In the order make_next_step makes them once the step screens are made.
        self._later: tuple[Later[Any], ...] = (
            self._end,
            self._idle,
            self._help,
            self._attract,
            self._out_of_service,
            self._pairing,
        )
        self.add_widget(welcome)
        self.current = welcome.name
        self._menu_up = False  # the menu has not been shown yet (welcome is current at first)
        self.on_activity: Callable[[], None] | None = None
        self._clock = clock
        self.tap_guard = tap_guard
        self._switched_at = float("-inf")
        # Screens shown so far, a refill of the same screen included: scripted walks and
        # benches (devkit/taps.py, bench/bench_kiosk_ui.py) wait on it for the next screen.
        self.switches = 0
        # Heap trims done after wipes (kiosk/ui/memory.py); tests and benches read it.
        self.trims = 0
        delay = TRIM_DELAY_SECONDS if trim_delay is None else trim_delay
        self._trim_later = Clock.create_trigger(self._trim, delay)
        self._settled = False

    @property
    def end(self) -> EndScreen:
        """How a visit ended (made on first use)."""
        return self._end.get()

    @property
    def attract(self) -> AttractScreen:
        """The attract loop (made on first use)."""
        return self._attract.get()

    @property
    def out_of_service(self) -> OutOfServiceScreen:
        """The out-of-service screen (made on first use)."""
        return self._out_of_service.get()

    @property
    def pairing(self) -> PairingScreen:
        """The technician's pairing screen (made on first use)."""
        return self._pairing.get()

    @property
    def idle(self) -> IdleOverlay:
        """The touch-to-continue countdown (made on first use)."""
        return self._idle.get()

    @property
    def help(self) -> HelpOverlay:
        """The help numbers (made on first use)."""
        return self._help.get()

    def between_visits_shown(self) -> bool:
        """The menu or the attract loop is on the screen (whether or not a visit is open)."""
        return self.current in (self.welcome.name, ATTRACT_SCREEN)

    def hide_modals(self) -> None:
        """Close the countdown and the help numbers, where they were made."""
        for modal in (self._idle.made, self._help.made):
            if modal is not None:
                modal.hide()

    def _add_step(self, step: StepScreen) -> None:
        step.voice = self.voice  # the header's speaker and a form's errors
        step.keeper = self.kept_texts
        self.add_widget(step)

    def make_next_step(self) -> bool:
        """Make one part not made yet (one a frame once the menu is up): a step screen, then
        the end screen, the modals and the screens between visits; False when all are made,
        and then the kiosk's long-lived objects are set aside (`settle`)."""
        if self.steps.make_next():
            return True
        later = next((part for part in self._later if part.made is None), None)
        if later is not None:
            later.get()
            return True
        if not self._settled:
            self.settle()
        return False

    def settle(self) -> None:
        """Collect once, then freeze what is alive now (the screens, Kivy, the catalog,
        OpenCV's Python side: some 260,000 objects) out of the garbage collector's sight.

        Each full collection walked all of them: 100-170 ms on the UI thread, landing on
        a tap every few dozen (a tap's p95 and worst, bench/bench_kiosk_ui.py). A visit's
        objects are still collected; only those made before the menu's rest are kept,
        which the kiosk keeps anyway. `thaw` gives them back (the app's stop, for tests)."""
        self._settled = True
        gc.collect()
        gc.freeze()

    def thaw(self) -> None:
        """Undo `settle`: the frozen objects are the collector's again."""
        if self._settled:
            self._settled = False
            gc.unfreeze()

    def show_welcome(self, lang: str) -> None:
        """Show the service menu in `lang`."""
        # Shown again while it is up: its language was switched, so someone is there.
        someone_there = self._menu_up and self.current == self.welcome.name
        self._menu_up = True
        self.welcome.show(lang)
        self._switch(self.welcome.name)
        self.voice.welcome(lang, someone_there=someone_there)

    def show_step(self, screen: str, run: FlowRun) -> None:
        """Fill `screen` from the run and show it."""
        self.steps[screen].show(run)
        self._switch(screen)
        self.voice.step(run)

    def relabel(self, run: FlowRun) -> None:
        """Show the visible step again in the run's language (a step screen keeps its input)."""
        current = self.current_screen
        if isinstance(current, StepScreen):
            current.relabel(run)
            self._relaid()
            self.voice.step(run)

    def restyle(self, elder: bool, run: FlowRun | None) -> None:
        """Switch the style (the .kv rules follow it), then lay the visible screen out again:
        the menu's tiles, a step from its run (a form keeps what was typed)."""
        theme.style.elder = elder
        self.voice.elder(elder)
        current = self.current_screen
        if isinstance(current, WelcomeScreen):
            current.restyle()
        elif isinstance(current, StepScreen) and run is not None:
            current.relabel(run)
        elif current is not None and current is self._end.made:
            self._end.made.restyle()
        self._relaid()

    def _relaid(self) -> None:
        # Relabelled or resized in place, the screen is new under the finger as after a
        # switch: a double tap on the language or elder key switches once, not back again.
        self._switched_at = self._clock()

    def show_end(self, notice: EndNotice, seconds_left: float) -> None:
        """Show how the visit ended."""
        self.end.show_notice(notice, seconds_left)
        self._switch(self.end.name)
        self.voice.end(notice)

    def refresh(self, run: FlowRun | None, end_seconds_left: float | None) -> None:
        """Once a second: the clock on welcome, countdowns elsewhere."""
        current = self.current_screen
        if isinstance(current, WelcomeScreen):
            current.refresh()
        elif current is not None and current is self._end.made:
            self._end.made.refresh(end_seconds_left)
        elif isinstance(current, StepScreen) and run is not None:
            current.refresh(run)

    def show_attract(self, cards: Sequence[AttractCard], page: int, lang: str) -> None:
        """Show the attract loop at card `page`."""
        self.attract.show(cards, page, lang)
        self._switch(self.attract.name)

    def show_out_of_service(self, reason: Texts, contacts: HelpContacts, lang: str) -> None:
        """Show the out-of-service screen."""
        self._hide_help()
        self.out_of_service.show(reason, contacts, lang)
        self._switch(self.out_of_service.name)

    def show_pairing(self, view: PairingView, lang: str) -> None:
        """Show (or refresh) the technician's pairing screen of an unprovisioned kiosk."""
        self._hide_help()
        self.pairing.show(view, lang)
        if self.current != self.pairing.name:
            self._switch(self.pairing.name)

    def show_idle(self, seconds: int, lang: str) -> None:
        """Show the touch-to-continue countdown over the screen."""
        self._hide_help()  # the countdown must be seen; help is one tap away again after
        self.idle.show(seconds, lang)

    def hide_idle(self) -> None:
        """Take the countdown away."""
        if self._idle.made is not None:
            self._idle.made.hide()

    def _hide_help(self) -> None:
        if self._help.made is not None:
            self._help.made.hide()

    def show_help(self, contacts: HelpContacts, lang: str) -> None:
        """Show the help numbers over the screen."""
        self.help.show(contacts, lang)

    def wipe(self) -> None:
        """Clear every screen, shown or not, and the text caches behind text boxes; hand the
        freed heap back a moment later."""
        self.hide_modals()
        failed: Exception | None = None
        for screen in self.screens:
            try:
                screen.clear()
            except Exception as err:  # one broken screen must not leave the others filled
                failed = failed or err
        for category in _TEXT_INPUT_CACHES:
            Cache.remove(category)
        self._trim_later()
        if failed is not None:
            raise failed

    def _trim(self, _dt: float = 0.0) -> None:
        memory.trim_heap()
        self.trims += 1

    def trim_now(self) -> bool:
        """Do a wipe's waiting heap trim at once; True if one was waiting. For a driver whose
        clock moved past the trim's second while Kivy's real-time clock did not (the RSS
        bench's visits take milliseconds: its trims would otherwise come once a second)."""
        if not self._trim_later.is_triggered:
            return False
        self._trim_later.cancel()
        self._trim()
        return True

    def _switch(self, name: str) -> None:
        previous = self.current_screen
        if previous is not None and previous.name != name:
            # A screen left behind forgets what it showed; going back refills it from the run.
            previous.clear()
        # The same screen refilled (one form step after another) is a switch too.
        self._switched_at = self._clock()
        self.current = name
        self.switches += 1

    def on_touch_down(self, touch: Any) -> bool:
        """Any touch restarts the step's idle timeout, then goes to the widgets (unless it
        came right after a screen switch: then it goes nowhere)."""
        if self.on_activity is not None:
            self.on_activity()
        if self._clock() - self._switched_at < self.tap_guard:
            return True
        handled: bool = super().on_touch_down(touch)
        return handled
