"""The UI's side of a citizen's visit: which screen shows, when the run ends, and the wipe.

No Kivy here. `UISession` drives a `Navigator` (the screens, kiosk/ui/navigator.py) and
hands bound actions to a `Worker` (the thread bridge), so its rules can be tested without a
window:

- every state change routes to the screen for the step's kind;
- the idle timeout is the run's own (`check_timeout` on each tick), and ends like any run;
- when a run ends for any reason the port is told (`end_run`), the reference is dropped,
  every screen is wiped, an end screen shows only the run record (kiosk/ui/end_notice.py),
  then welcome returns;
- a completed run whose end step names a follow-on flow (`then: rating`, `FlowRun.follow_on`)
  goes on into it from the end screen instead of welcome: the port starts it with the
  record the engine hands over (`new_follow_on_run`), and it ends like any run;
- the idle countdown: in the last `idle_countdown` seconds of a step that waits for the
  citizen (its `timeout` in the flow: the time from the last touch to the wipe) a modal
  "touch to continue" counts down; a touch dismisses it and restarts the step's time, and
  nothing counts down while the kiosk itself works (flows.actions.citizen_is_waited_for).
  `on_countdown(seconds, lang)` is called once a second while it shows (spoken countdown);
- the help key shows the station's numbers and calls staff once per `staff_call_gap`.

Between visits (no run, no end screen) the screen is the menu, the attract loop, out of
service or pairing: `BetweenVisits` (kiosk/ui/between_visits.py), which the session holds.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from flows import StepKind, UnknownEvent
from flows.actions import citizen_is_waited_for
from kiosk.ports import CardTapper, DemoPort, HelpContacts, KioskPort
from kiosk.ui.between_visits import WELCOME_IDLE_SECONDS, BetweenVisits, Mode, contacts_of
from kiosk.ui.navigator import IDENTIFY_SCREEN, Navigator, screen_for

if TYPE_CHECKING:
    # The flow engine and a visit's record load with the first visit, not for the menu.
    from flows import FlowRun, RunRecord

log = logging.getLogger(__name__)


class FollowOnStarter(Protocol):
    """Starts a flow that follows a completed one (the rating), outside the menu."""

    def __call__(self, flow_id: str, lang: str, record: RunRecord) -> FlowRun:
        """A run of `flow_id` in `lang` whose session starts with `record`."""
        ...


def follow_on_starter(port: KioskPort) -> FollowOnStarter | None:
    """The port's `new_follow_on_run`, None for a port that cannot start follow-on flows."""
    starter = getattr(port, "new_follow_on_run", None)
    return starter if callable(starter) else None


# The countdown before the wipe (the last seconds of a step's time).
IDLE_COUNTDOWN = 10.0
# A double tap on the help key, or a citizen pressing it again and again: one staff call.
STAFF_CALL_GAP = 30.0


ActionDone = Callable[[BaseException | None], None]
Worker = Callable[[Callable[[], object], ActionDone], object]
"""Runs a job off the UI thread and calls back on the UI thread with its exception or None."""


class UISession:
    """One kiosk screen's sessions, one after another."""

    def __init__(
        self,
        port: KioskPort,
        worker: Worker,
        *,
        lang: str = "zh-CN",
        end_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        demo: DemoPort | None = None,
        attract_at_start: bool = True,
        idle_countdown: float = IDLE_COUNTDOWN,
        welcome_idle_seconds: float = WELCOME_IDLE_SECONDS,
    ) -> None:
        """`demo`: the simulated card trays of a development rig; None on a real kiosk."""
        self.port = port
        self._demo = demo
        self.default_lang = lang
        self.lang = lang
        self.run: FlowRun | None = None
        self.end_seconds = end_seconds
        self._worker = worker
        self._clock = clock
        self._nav: Navigator | None = None
        self._end_deadline: float | None = None
        # Runs with an action still executing on a worker thread. Never two at once for one
        # run: a retried step waits for the late result of the first attempt instead.
        self._working: set[FlowRun] = set()
        # While the end screen shows: the flow to go on into, its public values, the language.
        self._next: tuple[str, RunRecord, str] | None = None
        self._follow_on_run: FlowRun | None = None  # the run started as a follow-on
        # The menu, the attract loop, out of service, pairing: the screen between visits.
        self.between = BetweenVisits(
            port,
            lambda: self.nav,
            lang=lang,
            clock=clock,
            attract_at_start=attract_at_start,
            welcome_idle_seconds=welcome_idle_seconds,
        )
        self.idle_countdown = idle_countdown
        self._idle_shown: int | None = None  # the countdown's seconds on screen
        self._ended_by_itself = False  # the last visit timed out or was walked away from
        self._last_staff_call: float | None = None
        # Spoken countdown (voice): called with the seconds left and the language.
        self.on_countdown: Callable[[int, str], None] | None = None
        # Elder mode (长辈模式): for this visit, wiped with it; voice reads it to speak.
        self.elder = False
        self.elder_timeout_factor = 2.0  # steps' timeouts and the end screen's wait
        # 修改 on a confirm step: the form's field to show alone when it is back on screen.
        self.change_field: str | None = None

    @property
    def tappers(self) -> dict[str, CardTapper]:
        """Development only: the simulated card trays, by the action that reads their cards."""
        return dict(self._demo.tappers()) if self._demo is not None else {}

    @property
    def nav(self) -> Navigator:
        """The attached navigator."""
        if self._nav is None:
            raise RuntimeError("UISession has no navigator attached")
        return self._nav

    def attach(self, navigator: Navigator) -> None:
        """Connect the screens and show welcome (or the attract loop, or out of service)."""
        self._nav = navigator
        if self.between.mode == Mode.ATTRACT:
            self._to_attract()
        else:
            navigator.show_welcome(self.lang)
        self._between_visits()

    # What screens call.
    def set_lang(self, lang: str) -> None:
        """Switch the language of the menu, of the visit in progress and of the next run.

        Mid-visit the current step is shown again in `lang` where it is, answers kept: a
        person who tapped the wrong language need not cancel to come back.
        """
        self.lang = lang
        run = self.run
        if run is not None and not run.done:
            run.touch()
            run.lang = lang
            self.nav.relabel(run)
        elif run is None and self._end_deadline is None:
            self.nav.show_welcome(lang)

    def set_elder(self, elder: bool) -> None:
        """Switch elder mode for the rest of the visit: the screen on show is redrawn where
        it is (a form keeps its answers) and every timeout from now on is doubled."""
        self.elder = elder
        run = self.run if self.run is not None and not self.run.done else None
        if run is not None:
            run.touch()
            run.timeout_scale = self._timeout_scale()
        self.nav.restyle(elder, run)

    def toggle_elder(self) -> None:
        """Elder mode on if it was off, off if it was on: the one button on every screen."""
        self.set_elder(not self.elder)

    def _timeout_scale(self) -> float:
        return self.elder_timeout_factor if self.elder else 1.0

    def start(self, flow_id: str) -> None:
        """Begin a citizen's visit in a flow (a second tap while one is open does nothing)."""
        if self.run is not None and not self.run.done:
            return  # a double tap on a tile, or a late one: the visit already started
        if self.between.mode != Mode.WELCOME or self._end_deadline is not None:
            return  # a tile tapped as the menu gave way (out of service, attract)
        self._end_deadline = None
        self.change_field = None
        self._next = None
        self._follow_on_run = None
        self._last_staff_call = None  # a new visit may call staff at once
        self.run = self.port.new_run(flow_id, self.lang)
        self.run.timeout_scale = self._timeout_scale()
        log.info("visit started flow=%s lang=%s elder=%s", flow_id, self.lang, self.elder)
        self._route()

    def fire(self, event: str) -> None:
        """A button on the current step was pressed."""
        run = self.run
        if run is None or run.done or event not in run.step.on:
            return  # a late tap on a screen that has already moved on
        run.touch()
        run.fire(event)
        self._route()

    def select(self, item_id: str) -> None:
        """An item of the list on screen was touched."""
        run = self.run
        if run is None or run.done or run.step.kind is not StepKind.LIST:
            return  # a late tap on a list that has already moved on
        run.touch()
        try:
            run.select(item_id)
        except UnknownEvent:
            return  # a full class, or an item gone since: the list stays as it is
        self._route()

    def submit(self, values: Mapping[str, str]) -> dict[str, str]:
        """Submit the form on screen; returns errors by field name, empty when accepted."""
        run = self.run
        if run is None or run.step.kind is not StepKind.FORM:
            return {}
        run.touch()
        errors = run.submit_form(values)
        if not errors:
            self._route()
        return errors

    def take_card(self) -> None:
        """Card first: on the identity chooser, a card laid on a reader fires its method, so
        its read step starts with the card there (the port only remembers, never reads)."""
        run = self.run
        if run is None or run.done or run in self._working or screen_for(run) != IDENTIFY_SCREEN:
            return
        laid = getattr(self.port, "card_laid", None)
        if not callable(laid):
            return
        try:
            method = laid(run)
        except Exception:  # the tiles still work whatever the watch did
            log.exception("card_laid failed")
            return
        if isinstance(method, str) and method in run.step.on:
            self.between.touched()
            self._hide_idle()
            self.fire(method)

    def touch(self) -> None:
        """The citizen touched the screen: restart the step's idle timeout."""
        self.between.touched()
        if self.run is not None and not self.run.done:
            self.run.touch()
        self._hide_idle()

    def keep_going(self) -> None:
        """The citizen touched the countdown: the visit goes on, its time starts again."""
        self.touch()

    def wake(self) -> None:
        """Someone is at the kiosk (touch, card, face): the attract loop gives way to the menu."""
        if self.run is not None or self._end_deadline is not None:
            return
        self.between.wake(self.lang)

    def ask_help(self) -> None:
        """The help key: show the numbers and call staff (once per STAFF_CALL_GAP)."""
        run = self.run
        lang = run.lang if run is not None else self.lang
        self.between.touched()
        if run is not None and not run.done:
            run.touch()
        self.nav.show_help(self.help_contacts, lang)
        now = self._clock()
        if self._last_staff_call is not None and now - self._last_staff_call < STAFF_CALL_GAP:
            return
        self._last_staff_call = now
        failed = run is not None and bool(run.error_message)
        where = f"{run.flow.id}:{run.step.name}" if run is not None else self._where()
        call = getattr(self.port, "call_staff", None)
        if not callable(call):
            return
        try:
            call("error_screen" if failed else "help_key", where[:80])
        except Exception:  # the numbers are on screen whatever the outbox did
            log.exception("staff call not queued")

    @property
    def help_contacts(self) -> HelpContacts:
        """The numbers the help key shows (the hotline alone for a port that has none)."""
        return contacts_of(self.port)

    def _where(self) -> str:
        if self._end_deadline is not None:
            return "end"
        mode = self.between.mode
        return "menu" if mode == Mode.WELCOME else mode

    def finish(self) -> None:
        """Leave the end screen now: into the follow-on flow if there is one, else welcome."""
        if self.run is None:
            self._leave_end()

    def tick(self) -> None:
        """Once a second: time the step out, leave the end screen, refresh countdowns."""
        run = self.run
        if run is not None:
            if self._walked_away(run):
                run.abort("expired")
                self._route()
            elif run.check_timeout():
                self._route()
            else:
                self.take_card()
                self.count_down(run)
        elif self._end_deadline is not None:
            if self._clock() >= self._end_deadline:
                self._leave_end()
        if self.run is None and self._end_deadline is None:
            self._between_visits()
        self.nav.refresh(self.run, self._end_seconds_left())

    def count_down(self, run: FlowRun) -> None:
        """The touch-to-continue modal in the last seconds of a step that waits for the citizen."""
        left = run.seconds_left()
        waited = citizen_is_waited_for(run.step.kind, run.step.action)
        if left is None or not waited or left > self.idle_countdown:
            self._hide_idle()
            return
        seconds = max(1, math.ceil(left))
        if seconds == self._idle_shown:
            return
        self._idle_shown = seconds
        self.nav.show_idle(seconds, run.lang)
        if self.on_countdown is not None:
            self.on_countdown(seconds, run.lang)

    def _hide_idle(self) -> None:
        if self._idle_shown is not None:
            self._idle_shown = None
            self.nav.hide_idle()

    def _between_visits(self) -> None:
        """No visit open: the screen between visits has its tick (it may reset the language)."""
        self.lang = self.between.tick(self.lang)

    def _to_attract(self) -> None:
        self.lang = self.between.to_attract()

    def _walked_away(self, run: FlowRun) -> bool:
        """The camera has seen nobody in front for too long: the citizen has left.

        Ends the visit sooner than the idle timeout, so their data leaves the screen sooner.
        A kiosk without a camera (or a port that cannot tell) never ends a visit this way.
        """
        return not run.done and self._citizen_gone()

    def _citizen_gone(self) -> bool:
        absent_for = getattr(self.port, "citizen_absent_for", lambda: None)()
        limit = getattr(self.port, "walk_away_seconds", None)
        if absent_for is None or limit is None or absent_for < limit:
            return False
        # Someone who touched the screen lately is there, whatever the camera missed (a
        # short person, a wheelchair, a face turned to the keypad, poor light).
        return bool(self.between.untouched_for() >= limit)

    def recover(self) -> None:
        """A screen crashed: end the visit (the port told, every screen wiped) and show the
        attract loop, as after a visit nobody finished. Raises if the screens cannot be
        wiped: the app must then stop rather than keep a citizen's data on show."""
        run, self.run = self.run, None
        self._end_deadline = None
        self._next = None
        self._follow_on_run = None
        self._idle_shown = None
        if run is not None:
            log.info("visit ended flow=%s outcome=failed by=ui_crash", run.flow.id)
            try:
                run.abort("failed")
                self.port.end_run(run)
            except Exception:  # the screens are wiped whatever the kiosk side did
                log.exception("end_run failed flow=%s", run.flow.id)
        for tapper in self.tappers.values():
            tapper.remove()
        if self.elder:
            self.elder = False
            self.nav.restyle(False, None)
        self._ended_by_itself = True
        self._to_attract()

    def close(self) -> None:
        """The app is stopping: end any visit in progress."""
        self._next = None
        if self.run is not None:
            self.run.abort("cancelled")
            self._end(self.run)

    # Routing.
    def _route(self) -> None:
        run = self.run
        if run is None:
            return
        if run.done:
            self._end(run)
            return
        self.nav.show_step(screen_for(run), run)
        if run.step.kind is StepKind.ACTION and run not in self._working:
            self._working.add(run)
            self._worker(run.run_action, lambda error: self._action_done(run, error))

    def _action_done(self, run: FlowRun, error: BaseException | None) -> None:
        self._working.discard(run)
        if run is not self.run:
            return  # the visit ended while the device worked; the engine dropped the result
        if error is not None:
            # Not an ActionFailed (the engine routes those): a bug or a dead driver. The
            # person gets an end screen that asks them to seek help, never a frozen screen.
            log.error("action crashed flow=%s step=%s", run.flow.id, run.step.name)
            run.abort("failed")
        self._route()

    def _end(self, run: FlowRun) -> None:
        follow = run.follow_on()
        starter = follow_on_starter(self.port)
        self._next = (*follow, run.lang) if follow is not None and starter is not None else None
        from kiosk.ui.end_notice import end_notice  # with the first visit's end, not the menu

        notice = end_notice(
            run,
            follow_on=self._next is not None,
            number=run is not self._follow_on_run,
            saved_to_send=self._awaiting_delivery(run),
        )
        self.run = None
        self._hide_idle()
        self._ended_by_itself = notice.outcome == "expired"
        log.info("visit ended flow=%s outcome=%s", run.flow.id, notice.outcome)
        try:
            self.port.end_run(run)
        except Exception:  # the screens must be wiped whatever the kiosk side did
            log.exception("end_run failed flow=%s", run.flow.id)
        for tapper in self.tappers.values():
            # Demo: the simulated card goes back in the tray, or the next visitor would be
            # read as this one.
            tapper.remove()
        self.nav.wipe()
        wait = self.end_seconds * self._timeout_scale()
        self._end_deadline = self._clock() + wait
        self.nav.show_end(notice, wait)

    def _awaiting_delivery(self, run: FlowRun) -> bool:
        ask = getattr(self.port, "awaiting_delivery", None)
        if not callable(ask) or not run.session.record.transaction_key:
            return False
        try:
            return bool(ask(run.session.record))
        except Exception:  # the end screen shows whatever the outbox said
            log.exception("awaiting_delivery failed")
            return False

    def _leave_end(self) -> None:
        follow, self._next = self._next, None
        starter = follow_on_starter(self.port)
        if follow is None or starter is None or self._citizen_gone():
            # Nobody left to rate: straight back to the menu, or to the attract loop when
            # the visit ended by itself (nobody touched it, or the citizen walked away).
            if self._ended_by_itself or self._citizen_gone():
                self._end_deadline = None
                self._next = None
                self._follow_on_run = None
                self._to_attract()
            else:
                self._to_welcome()
            return
        flow_id, record, lang = follow
        self._end_deadline = None
        try:
            run = starter(flow_id, lang, record)
        except Exception:  # a rating that cannot start must not stop the kiosk
            log.exception("follow-on failed to start flow=%s", flow_id)
            self._to_welcome()
            return
        run.timeout_scale = self._timeout_scale()
        self.run = self._follow_on_run = run
        log.info("visit goes on flow=%s lang=%s", flow_id, lang)
        self._route()

    def _to_welcome(self) -> None:
        self._end_deadline = None
        self._next = None
        self._follow_on_run = None
        # The next person starts in the station's language and sizes, not the last visitor's.
        if self.elder:
            self.elder = False
            self.nav.restyle(False, None)
        self.lang = self.between.to_welcome()

    def _end_seconds_left(self) -> float | None:
        if self._end_deadline is None:
            return None
        return max(0.0, self._end_deadline - self._clock())
