"""`python -m devkit.taps`: how many taps each service of the catalog costs a citizen.

Each service on the menu is walked along its common path with an ID card, on the real App
off-screen, by touches through the window only: the menu tile (and the page button when it is
on a later page), the card laid on the simulated reader while the identity chooser shows (card
first: the chooser takes it without a touch of its tile; a kiosk that cannot watch its readers
gets the ID-card tile touched first), every choice, box,
calendar day and button of every screen, and the phone number on the keypad, key by key,
until the service's end screen. A preselected answer is left as it is (the citizen agrees
with it) and optional boxes are left empty, as most people would.

Counted per service:

- decisions: touches other than keystrokes inside a value (a tile, a choice, a tick, a box
  to type into, a calendar day, a step button, an item of a list);
- keystrokes: keys of the keypad or the on-screen keyboard inside a value;
- cards: a card laid on a reader (not a touch of the screen);
- swipes: a form scrolled to bring the next question into view (a gesture, not a choice);
- seconds: the wall time of the scripted walk (machine speed, no human reading time).

Issue 8's goal is at most 8 decisions per service with an ID card, and typing only what no
card or list can supply (the phone number). The table is printed and written as markdown
(`--out`, default `docs/taps.md`); tests/kiosk/ui/test_taps.py asserts the counts.

Without `--config` a controller with the demo content and a kiosk of simulators are started
in a temporary folder, as `estation-kiosk screens` does (devkit/taps_cli.py: the command,
that kiosk, the tables; this module: the walker). That kiosk's social card reader is the
machine's one vpcd reader, so the walk holds the PC/SC lock the tests hold and waits while
another run has it: a virtual card inserted by another run would be taken by a chooser.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from devkit.tap_record import CARD, DECISION, KEYSTROKE, SWIPE, ServiceWalk, Tap
from flows import FlowRun, StepKind
from flows.model import FieldKind
from flows.progress import FORWARD_EVENTS

if TYPE_CHECKING:
    from devkit.headless import HeadlessUI
    from kiosk.ui.fields import FieldBlock

PHONE = "13800138000"  # a fictitious mobile number: the one thing a citizen types
# What a citizen types on the keypad, by kind: only what no card or list can supply.
# A bank account is typed too where a service pays money: an ID card does not carry one.
TYPED: dict[FieldKind, str] = {
    FieldKind.MOBILE: PHONE,
    FieldKind.BANK_ACCOUNT: "6217001234567890123",
    FieldKind.REGION: "331122",
}
# Fields a service's common path may type, beyond the phone, and why (docs/taps.md notes).
# None today: a subsidy or benefit is paid into the social security card's bank account by
# default (another account is typed only when chosen), the kind of flexible work is a list
# with 其他, and the last employer is picked from the county's list or left to the records.
TYPED_FIELDS: dict[str, frozenset[str]] = {}
TYPED_NOTES: dict[str, str] = {
    "bank_account": "the bank account the money is paid into: no card the kiosk reads has it",
}
# Free text no card or list can supply (a kind of work, a school): typed in pinyin, 家政.
FREE_TEXT_PINYIN = "jiazheng"
MAX_SCREENS = 40
MODE = "mode"  # the language or elder mode chosen on the menu before the service
GOAL_DECISIONS = 8
MENU_PAGE = "next menu page"  # a decision spent finding the service's tile
READERS_LOOK_WAIT = 30.0  # seconds: the card watch looks twice a second, when not starved


class TapWalkError(RuntimeError):
    """The walk could not go on by touch: the message says at which screen and why."""


class TapWalker:
    """Walks services on a `HeadlessUI` by touches through its window, counting them."""

    def __init__(
        self,
        ui: HeadlessUI,
        max_frames: int = 3000,
        *,
        lang: str = "",
        elder: bool = False,
        readers_looked: Callable[[], bool] = lambda: True,
    ) -> None:
        """`lang`, `elder`: chosen on the menu by touch before each service (the default:
        the kiosk's language, normal mode); `readers_looked`: the kiosk's card watch has
        looked at its readers since the last visit ended (CardWatch.caught_up)."""
        self.ui = ui
        self.max_frames = max_frames
        self.lang = lang
        self.elder = elder
        self.readers_looked = readers_looked
        self._walk: ServiceWalk | None = None
        self._card_laid = False  # the ID card went down on the chooser: no second one

    # -- touching -----------------------------------------------------------------------
    def touch(self, widget: Any, kind: str, what: str) -> None:
        """Touch the middle of `widget` through the window, as a finger would, and count it."""
        from kivy.tests.common import UnitTestTouch

        if self._walk is None:
            raise TapWalkError("no walk under way")
        self._steady(widget)  # layout settles before we aim
        scroll = self._into_view(widget)
        run = self.ui.session.run
        step = run.step.name if run is not None else "menu"
        self._walk.taps.append(Tap(kind, step, what))
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.ui.frames(1)
        if scroll is not None:
            # A ScrollView hands a short touch to its child late: the release comes after
            # Kivy's delay (ScrollView._do_touch_up, 0.2 s of the real clock), later still
            # on a busy machine: a choice is waited for until it shows chosen.
            state = getattr(widget, "state", None)
            soon, late = time.perf_counter() + 0.25, time.perf_counter() + 5.0
            while time.perf_counter() < late:
                self.ui.frames(1)
                time.sleep(0.005)
                now = time.perf_counter()
                if now >= soon and (state is None or widget.state != state):
                    break

    def lay_card(self, tray: Any) -> None:
        """Lay the first demo ID card on the simulated reader (no touch of the screen)."""
        if self._walk is None:
            raise TapWalkError("no walk under way")
        run = self.ui.session.run
        step = run.step.name if run is not None else "menu"
        # A card laid before the watch's first look since the last visit ended could be
        # that visitor's, so the kiosk leaves it to its tile (kiosk/card_watch.py). A
        # citizen comes seconds after the last one left; the scripted hand comes within
        # frames, and on a loaded machine before that look: it waits for it, as a person
        # would not need to.
        late = time.perf_counter() + READERS_LOOK_WAIT
        while not self.readers_looked():
            if time.perf_counter() > late:
                raise TapWalkError(
                    f"{step}: the card watch did not look at the readers within "
                    f"{READERS_LOOK_WAIT:.0f} s of the last visit's end"
                )
            self.ui.frames(1)
            time.sleep(0.005)
        self._walk.taps.append(Tap(CARD, step, "card on the reader"))
        self._card_laid = True
        tray.present(tray.card_names()[0])

    # -- walking ------------------------------------------------------------------------
    def walk(self, flow_id: str) -> ServiceWalk:
        """Walk `flow_id` from the menu to its end screen; the session is closed after."""
        ui = self.ui
        session = ui.session
        flow = next(f for f in session.port.catalog if f.id == flow_id)
        walk = self._walk = ServiceWalk(flow_id, flow.title.get("zh-CN"))
        self._card_laid = False
        self.check_at_rest(flow_id)
        started = time.perf_counter()
        try:
            self._choose_mode()
            self._open_from_menu(flow_id)
            for _ in range(MAX_SCREENS):
                run = session.run
                if run is None or run.step.kind is StepKind.END:
                    walk.end = run.step.name if run is not None else ""
                    break
                walk.steps.append(run.step.name)
                self._advance(run)
            else:
                raise TapWalkError(f"{flow_id}: no end after {MAX_SCREENS} screens")
            walk.seconds = time.perf_counter() - started
        finally:
            self._walk = None
            session.close()
            session.finish()
            ui.frames(2)
        return walk

    def check_at_rest(self, flow_id: str) -> None:
        """The kiosk waits for the next person as at start: menu, first page, no visit.

        A walk that starts from what the last one left (a page turned, elder mode, English,
        a card still on the reader, an end screen) counts other touches than a citizen's.
        """
        session = self.ui.session
        welcome = self.ui.root.welcome
        left = {
            "a visit open": session.run is not None,
            f"the {self.ui.root.current} screen, not the menu": self.ui.root.current != "welcome",
            "menu not on its first page": welcome.page != 0,
            "elder mode on": session.elder,
            "another language": session.lang != session.default_lang,
        }
        leaked = [what for what, wrong in left.items() if wrong]
        if leaked:
            raise TapWalkError(f"{flow_id}: the last walk left {', '.join(leaked)}")

    def _choose_mode(self) -> None:
        """The language and elder mode, by the menu's own buttons (counted as MODE)."""
        session, welcome = self.ui.session, self.ui.root.welcome
        if self.lang and self.lang != session.lang:
            button = next((b for b in welcome.language_buttons if b.lang == self.lang), None)
            if button is None:
                raise TapWalkError(f"no {self.lang} button on the menu")
            self.touch(button, MODE, f"language {self.lang}")
            self._settle(lambda: session.lang == self.lang)
        if self.elder and not session.elder:
            self.touch(welcome.ids.elder, MODE, "elder mode")
            self._settle(lambda: bool(session.elder))

    def _open_from_menu(self, flow_id: str) -> None:
        welcome = self.ui.root.welcome
        self.ui.frames(2)
        for _page in range(welcome.pages):
            tile = next((t for t in welcome.tiles if t.flow_id == flow_id), None)
            if tile is not None:
                self._touch_and_settle(tile, "menu tile")
                return
            self.touch(welcome.ids.pager.ids.down, DECISION, MENU_PAGE)
        raise TapWalkError(f"{flow_id} is not on the menu")

    def _touch_and_settle(self, widget: Any, what: str) -> None:
        switches = self.ui.root.switches
        self.touch(widget, DECISION, what)
        self._settle(lambda: self.ui.root.switches != switches)

    def _advance(self, run: FlowRun) -> None:
        """One screen: the touches it needs, then wait for the next screen."""
        ui = self.ui
        step = run.step
        switches = ui.root.switches
        screen = ui.root.current_screen
        kind = step.kind
        if ui.root.current == "identify":
            tray = ui.session.tappers.get("read_id_card")
            if tray is not None and "id_card" in getattr(screen, "card_first", ()):
                self.lay_card(tray)
            else:
                tile = next((t for t in screen.tiles if t.method == "id_card"), None)
                if tile is None:
                    raise TapWalkError(f"{run.flow.id}/{step.name}: no ID card tile")
                self.touch(tile, DECISION, "ID card")
        elif kind is StepKind.ACTION:
            buttons = getattr(screen, "card_buttons", [])
            if buttons and not (self._card_laid and step.action == "read_id_card"):
                self.touch(buttons[0], CARD, "card on the reader")
        elif kind is StepKind.FORM:
            self._fill_form(run)
        elif kind is StepKind.LIST:
            cards = [c for c in screen.cards if not c.disabled]
            if not cards:
                raise TapWalkError(f"{run.flow.id}/{step.name}: an empty list")
            self.touch(cards[0], DECISION, "list item")
        else:
            self._press_forward(run, screen)
        self._settle(lambda: ui.root.switches != switches)

    def _settle(self, predicate: Callable[[], bool]) -> None:
        self.ui.until(predicate, self.max_frames)
        self.ui.frames(2)  # the new screen laid out

    def _press_forward(self, run: FlowRun, screen: Any) -> None:
        buttons = _step_buttons(screen)
        forward = [e for e in (*FORWARD_EVENTS, "personalised") if e in buttons]
        if not forward:
            raise TapWalkError(f"{run.flow.id}/{run.step.name}: no way forward in {buttons}")
        self.touch(buttons[forward[0]], DECISION, forward[0])

    # -- forms --------------------------------------------------------------------------
    def _fill_form(self, run: FlowRun) -> None:
        form = self.ui.root.steps["form"]
        if form.pager.one_at_a_time:
            if self._ask_one_by_one(run, form):
                return  # the last answer submitted the form by itself
        else:
            for name, block in form.blocks.items():
                self._answer(run, form, name, block)
        buttons = _step_buttons(form)
        if "submit" not in buttons:
            raise TapWalkError(f"{run.flow.id}/{run.step.name}: no submit button")
        self.touch(buttons["submit"], DECISION, "submit")
        if self.ui.session.run is run and len(run.history) and run.step.kind is StepKind.FORM:
            errors = [f"{n}: {b.error.text}" for n, b in form.blocks.items() if b.error.text]
            if errors:
                raise TapWalkError(f"{run.flow.id}/{run.step.name}: refused {errors}")

    def _ask_one_by_one(self, run: FlowRun, form: Any) -> bool:
        """Elder mode's form: the open questions one a screen (a choice, a name from the
        list, a calendar day or a whole mobile number moves on by itself, anything else
        typed by 下一项), up to the screen with the step's submit: the last question, or the
        answers a default or the card gave, to check (left as they are). True when the last
        answer submitted the form by itself (a confirm step follows, which shows them all)."""
        from kiosk.ui.screens.form_pager import FIELD_NEXT, REVIEW

        where = f"{run.flow.id}/{run.step.name}"
        for _ in range(len(form.blocks) + 1):
            self.ui.frames(2)
            if form.pager.field_index == REVIEW:
                return False
            index = form.pager.field_index
            name = list(form.blocks)[index]
            block = form.blocks[name]
            step = run.step.name
            self._answer(run, form, name, block)
            left = partial(lambda s: self.ui.session.run is not run or run.step.name != s, step)
            moved = partial(lambda i: form.pager.field_index != i, index)
            if left():
                return True  # the last answer submitted the form by itself, at once
            if not moved() and "submit" in _step_buttons(form):
                if not form.pager.moving_on:
                    return False  # the last question: submit is its own tap
                self._wait_for(left, f"{where}/{name}: the last answer did not submit")
                return True
            if form.pager.moving_on or moved():
                # A choice, a name from the list, a calendar day: that tap was the answer,
                # and the next question comes once the answer showed taken.
                self._wait_for(moved, f"{where}/{name}: the answer did not move on")
            else:
                self.touch(_step_buttons(form)[FIELD_NEXT], DECISION, "next question")
                self._wait_for(moved, f"{where}/{name}: 下一项 did not move on")
        raise TapWalkError(f"{where}: no submit after every question")

    def _steady(self, widget: Any, most: int = 120) -> None:
        """Frames until `widget` stays put: a form lays its fields out over a few frames
        (labels measure their text on the next one), more when the machine is busy, and a
        touch aimed at a field still moving lands on another place (a person waits for the
        screen to stand still too)."""
        self.ui.frames(1)
        where = widget.to_window(*widget.center), widget.size
        for _ in range(most):
            self.ui.frames(1)
            now = widget.to_window(*widget.center), widget.size
            if now == where:
                return
            where = now

    def _into_view(self, widget: Any) -> Any:
        """Swipe the scrolling box that holds `widget` until its middle shows in it; the box."""
        from kivy.uix.scrollview import ScrollView

        scroll = widget.parent
        while scroll is not None and not isinstance(scroll, ScrollView):
            scroll = scroll.parent if scroll.parent is not scroll else None
        if scroll is None:
            return None
        self._still(scroll)
        bottom = scroll.to_window(scroll.x, scroll.y)[1]
        middle = widget.to_window(*widget.center)[1]
        if bottom + 8 <= middle <= bottom + scroll.height - 8:
            return scroll
        if self._walk is not None:
            run = self.ui.session.run
            self._walk.taps.append(Tap(SWIPE, run.step.name if run else "", ""))
        # The middle of the widget to the middle of the window, as far as the content goes.
        content = scroll.children[0]
        room = content.height - scroll.height
        y = content.to_widget(*widget.to_window(*widget.center))[1]
        scroll.scroll_y = max(0.0, min(1.0, (y - scroll.height / 2) / room)) if room > 0 else 1
        self._still(scroll)
        return scroll

    def _still(self, scroll: Any) -> None:
        """Stop the scroll effect's own movement (a spring back, a fling) and settle."""
        for effect in (scroll.effect_x, scroll.effect_y):
            if effect is not None:
                # A spring back from an overscroll moves the content between aim and touch.
                effect.cancel()
        scroll.scroll_y = max(0.0, min(1.0, float(scroll.scroll_y)))
        # The effects' values follow the position now: clamping an effect's own value (an
        # overscroll left by the form following its keypad's box) would put the old
        # position back and undo a scroll just made.
        scroll._update_effect_bounds()
        self.ui.frames(2)

    def _answer(self, run: FlowRun, form: Any, name: str, block: FieldBlock) -> None:
        spec = block.spec
        where = f"{run.flow.id}/{run.step.name}/{name}"
        if block.choices:
            if not any(b.state == "down" for b in block.choices) and spec.required:
                self.touch(block.choices[0], DECISION, f"{name}: choice")
            return
        if block.toggles:
            if spec.required and not any(t.state == "down" for t in block.toggles):
                self.touch(block.toggles[0], DECISION, f"{name}: tick")
            return
        if block.value or not spec.required:
            return  # prefilled (this visit's earlier answer, a card), or left empty
        if block.calendar is not None:
            for _box in block.inputs:
                self.touch(block.calendar, DECISION, f"{name}: calendar")
                picker = form.picker
                if picker is None:
                    raise TapWalkError(f"{where}: the calendar did not open")
                self.touch(picker.day(picker.chosen.day), DECISION, f"{name}: day")
            return
        box = block.inputs[0]
        if spec.choices_from:
            if form.keyboard.target is not box:
                self.touch(box, DECISION, f"{name}: box")
            # The keyboard docks on the focus, a frame or two later (seconds on a busy
            # machine: a ScrollView hands the touch on late).
            late = time.perf_counter() + 5.0
            while not form.keyboard.candidate_buttons and time.perf_counter() < late:
                self.ui.frames(1)
                time.sleep(0.005)
            candidates = form.keyboard.candidate_buttons
            if not candidates:
                raise TapWalkError(f"{where}: nothing offered from {spec.choices_from}")
            self.touch(candidates[0], DECISION, f"{name}: from the list")
            return
        if spec.kind in (FieldKind.TEXT, FieldKind.NAME):
            self._type_pinyin(form, box, name, where)
            return
        text = TYPED.get(spec.kind)
        if text is None:
            raise TapWalkError(f"{where}: a {spec.kind.value} box no card or list fills")
        if form.ids.keypad.target is not box:
            self.touch(box, DECISION, f"{name}: box")
            self._wait_for(lambda: form.ids.keypad.target is box, f"{where}: no keypad on the box")
        keys = {k.event: k for k in form.ids.keypad.children if getattr(k, "event", "")}
        for char in text:
            self.touch(keys[char], KEYSTROKE, f"{name}: {char}")

    def _wait_for(self, done: Callable[[], bool], failure: str, seconds: float = 5.0) -> None:
        """Frames until `done()`: a box in a scrolling form takes its focus when the
        ScrollView hands the touch on (Kivy's 0.2 s, later on a busy machine)."""
        late = time.perf_counter() + seconds
        while not done():
            if time.perf_counter() > late:
                raise TapWalkError(failure)
            self.ui.frames(1)
            time.sleep(0.005)

    def _type_pinyin(self, form: Any, box: Any, name: str, where: str) -> None:
        """Free text no card or list supplies: pinyin keys, then the first candidate."""
        keyboard = form.keyboard
        if keyboard.target is not box:
            self.touch(box, DECISION, f"{name}: box")
            self._wait_for(lambda: keyboard.target is box, f"{where}: no keyboard on the box")
        if keyboard.mode != "pinyin":
            self.touch(keyboard.mode_buttons["pinyin"], DECISION, f"{name}: pinyin")
        for char in FREE_TEXT_PINYIN:
            self.touch(keyboard.keys[char], KEYSTROKE, f"{name}: {char}")
        if not keyboard.candidate_buttons:
            raise TapWalkError(f"{where}: no pinyin candidate for {FREE_TEXT_PINYIN!r}")
        self.touch(keyboard.candidate_buttons[0], KEYSTROKE, f"{name}: candidate")
        if not box.text:
            raise TapWalkError(f"{where}: the candidate typed nothing")


def _step_buttons(screen: Any) -> dict[str, Any]:
    return {b.event: b for b in screen.ids.buttons.children if getattr(b, "event", "")}


def walk_catalog(
    ui: HeadlessUI,
    flow_ids: Sequence[str],
    progress: Callable[[str], None] | None = None,
    *,
    lang: str = "",
    elder: bool = False,
    readers_looked: Callable[[], bool] = lambda: True,
) -> list[ServiceWalk]:
    """Walk every service of `flow_ids` in turn, from the menu (in `lang`, elder mode;
    `readers_looked`: as TapWalker's)."""
    walker = TapWalker(ui, lang=lang, elder=elder, readers_looked=readers_looked)
    walks = []
    for i, flow_id in enumerate(flow_ids, 1):
        if progress is not None:
            progress(f"[{i}/{len(flow_ids)}] {flow_id}")
        try:
            walks.append(walker.walk(flow_id))
        except (TapWalkError, TimeoutError) as err:
            # One service that cannot be walked is a row saying why, not a lost table;
            # the session was ended all the same (walk's finally), so the next walk is clean.
            title = next(f.title.get("zh-CN") for f in ui.session.port.catalog if f.id == flow_id)
            walks.append(ServiceWalk(flow_id, title, error=str(err) or type(err).__name__))
    return walks


if __name__ == "__main__":
    from devkit.taps_cli import main

    sys.exit(main())
