"""The kiosk is doing something (reading a card, submitting, printing): wait, or cancel."""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from flows import FlowRun
from kiosk.ports import CardTapper
from kiosk.ui.demo_cards import DemoCardRow
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import BigButton

KV_FILE = Path(__file__).with_suffix(".kv")

# Demo panel texts (kiosk/ui/strings.py keys) by the action that reads the simulated cards.
DEMO_TEXTS: dict[str, tuple[str, str]] = {
    "read_id_card": ("demo_title", "demo_hint"),
    "read_social_card": ("demo_social_title", "demo_social_hint"),
}


class Dot(Widget):
    """One dot of the progress indicator."""

    active = BooleanProperty(False)


class ProgressDots(BoxLayout):
    """A row of dots lit in turn: something is happening, without pictures or percentages."""

    count = NumericProperty(5)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._dots = [Dot() for _ in range(int(self.count))]
        for dot in self._dots:
            self.add_widget(dot)
        self._lit = 0
        self._event: Any = None

    def start(self) -> None:
        """Begin stepping the lit dot."""
        if self._event is None:
            self._event = Clock.schedule_interval(self._advance, 0.4)
        self._show()

    def stop(self) -> None:
        """Stop stepping."""
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _advance(self, _dt: float) -> None:
        self._lit = (self._lit + 1) % len(self._dots)
        self._show()

    def _show(self) -> None:
        for i, dot in enumerate(self._dots):
            dot.active = i <= self._lit


class ActionScreen(DemoCardRow, StepScreen):
    """Shows an action step while a worker thread runs it.

    `tappers` (demo only) are the simulated card trays by the action that reads their cards
    (the development rig's DemoPort, kiosk/ports.py): found by the action, whatever the step
    is called.
    """

    demo_shown = BooleanProperty(False)  # the demo panel takes the room of the dots' margin

    def __init__(
        self, session: UISession, tappers: Mapping[str, CardTapper], **kwargs: Any
    ) -> None:
        super().__init__(session, **kwargs)
        self.tappers = dict(tappers)
        self.tapper: CardTapper | None = None  # the tray of the step shown
        self.card_buttons: list[BigButton] = []
        self._first_card = 0  # the first card of the row shown (the "more" button moves it)
        self._laid = False  # a card was laid on the tray since the step was shown
        self._shown_cards = 0
        self._more_text = ""
        self._place_soon = Clock.create_trigger(self._place_cards)
        self.ids.demo_row.bind(width=self._place_soon)
        self.ids.demo_more.bind(on_release=lambda _b: self._more_cards())

    def show(self, run: FlowRun) -> None:
        """Fill from the action step; offer simulated cards in demo mode."""
        super().show(run)
        # "Please wait" only where nothing is asked of the person (submit, print); on the
        # card step the prompt tells them what to do.
        self.ids.working.text = "" if run.step.prompt else ui_text("working", run.lang)
        self._fill_demo(run)
        self.ids.dots.start()

    def _fill_demo(self, run: FlowRun) -> None:
        panel = self.ids.demo
        self.ids.demo_cards.clear_widgets()
        self.ids.demo_more.text = ""
        self.card_buttons = []
        self._laid = False
        action = run.step.action or ""
        self.tapper = self.tappers.get(action)
        if self.tapper is None or action not in DEMO_TEXTS:
            panel.opacity = 0
            panel.disabled = True
            self.demo_shown = False
            return
        panel.opacity = 1
        panel.disabled = False
        self.demo_shown = True
        title, hint = DEMO_TEXTS[action]
        self.ids.demo_title.text = ui_text(title, run.lang)
        self.ids.demo_hint.text = ui_text(hint, run.lang)
        self._more_text = ui_text("demo_more", run.lang)
        for name in self.tapper.card_names():
            button = BigButton(text=name, event=name)
            button.bind(on_release=lambda b: self.tap_card(b.event))
            self.card_buttons.append(button)
        self._first_card = 0
        self._place_cards()

    def tap_card(self, name: str) -> None:
        """Demo: put the named simulated card on the reader, once a showing of the step.

        A double tap's second touch lands while the read of the first runs, the screen not
        switched yet (no tap guard): it would lay the card again (test_faults)."""
        if self.tapper is not None and not self._laid:
            self._laid = True
            self.tapper.present(name)

    def on_leave(self, *_args: object) -> None:
        """Stop the dots when another screen shows."""
        self.ids.dots.stop()

    def clear(self) -> None:
        """Forget the step and the demo cards."""
        super().clear()
        self.ids.dots.stop()
        self.ids.working.text = ""
        self.ids.demo_title.text = ""
        self.ids.demo_hint.text = ""
        self.ids.demo_cards.clear_widgets()
        self.ids.demo_more.text = ""
        self.card_buttons = []
        self._first_card = 0
        self.tapper = None
        self.ids.demo.opacity = 0
        self.ids.demo.disabled = True
        self.demo_shown = False
