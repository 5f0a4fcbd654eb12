"""How will you identify yourself? One big tile per method this kiosk offers, cards first.

The chooser is the notice the shared identity step becomes (flows/identity.py); its
method buttons are tiles here, in the flow's order, with typing the ID number last and
drawn plainer (it is the last resort: a card is quicker and cannot be mistyped). Methods
whose device is missing are not offered by the run, so they get no tile. Cancel stays in
the button row like on every other step.

Card first: a card laid on the ID reader (or inserted in the social card reader) while the
chooser shows picks its method by itself (UISession.take_card, asked four times a second
here from the kiosk's memory of the readers, never from a reader), so the prompt says to lay
the card, or tap another way. The tiles stay for the other ways and for those who tap.

In the demo (simulated readers only, `UISession.tappers`) a panel under the tiles lays a
test ID card on the simulated reader (or inserts a social card where only that is watched):
the card watch then picks the method, as with a real card, and the read starts at once.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from flows import FlowRun
from flows.texts import IDENTITY_CHOOSER, button_label
from kiosk.ui import theme
from kiosk.ui.chooser import identity_methods
from kiosk.ui.demo_cards import DemoCardRow
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import CARD_FIRST, CARD_FIRST_ORDER, METHOD_TILES, ui_text
from kiosk.ui.widgets import BigButton

KV_FILE = Path(__file__).with_suffix(".kv")
TYPED = "typed"
TILE_WIDTH = 560
TILE_HEIGHT = 150
# Elder mode: the names at 1.5x do not fit two rows of tiles under a title; one row of
# tall narrow tiles, names only (the hint lines would not fit: the typed tile is still the
# plainer one), across the width the grid has.
ELDER_ROW_WIDTH = 1160
ELDER_TILE_HEIGHT = 220
ELDER_GAP = 16
# How often the chooser asks whether a card was laid (a memory read, not a reader's).
CARD_POLL_SECONDS = 0.25
# The demo panel's tray by the card method a laid card picks (the first one found).
DEMO_TRAYS = {"id_card": "read_id_card", "social_card": "read_social_card"}


class MethodTile(ButtonBehavior, BoxLayout):
    """A large tile naming one identity method, with one line on how it is done."""

    method = StringProperty("")
    label = StringProperty("")
    hint = StringProperty("")
    primary = BooleanProperty(True)  # filled with the accent colour; typing is outlined


class IdentifyScreen(DemoCardRow, StepScreen):
    """Shows the identity chooser; a tap on a tile fires that method's event."""

    demo_shown = BooleanProperty(False)  # the demo's simulated cards are offered

    def __init__(self, session: UISession, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.tiles: list[MethodTile] = []
        self._card_poll: Any = None
        self.card_first: tuple[str, ...] = ()
        self.card_buttons: list[BigButton] = []  # the demo's cards, all of them
        self._tray: Any = None
        self._first_card = 0
        self._shown_cards = 0
        self._more_text = ""
        self._place_soon = Clock.create_trigger(self._place_cards)
        self.ids.demo_row.bind(width=self._place_soon)
        self.ids.demo_more.bind(on_release=lambda _b: self._more_cards())

    def show(self, run: FlowRun) -> None:
        """Fill title and tiles from the chooser step; the row keeps cancel."""
        super().show(run)
        lang = run.lang
        offered = set(run.buttons())
        methods = [m for m in identity_methods(run.flow, run.step) if m in offered]
        self.card_first = self._card_first(methods)
        if run.step.prompt == IDENTITY_CHOOSER[1]:
            if self.card_first:
                self.ids.prompt.text = CARD_FIRST[self.card_first].get(lang)
            else:
                self.ids.prompt.text = ui_text("choose_method", lang)
        if self.card_first and theme.style.elder:
            # Elder mode hides the prompt (the tiles get the room); laying the card is what
            # no tile says, so it becomes the title: one instruction, in large type.
            self.ids.title.text = CARD_FIRST[self.card_first].get(lang)
        if self._card_poll is None and self.card_first:
            self._card_poll = Clock.schedule_interval(
                lambda _dt: self.session.take_card(), CARD_POLL_SECONDS
            )
        # Typing goes last whatever the file says: the tiles read in order of preference.
        methods.sort(key=lambda m: m == TYPED)
        grid = self.ids.tiles
        grid.clear_widgets()
        self.tiles = []
        elder = bool(theme.style.elder)
        if elder:
            grid.cols = max(1, len(methods))
            grid.spacing = ELDER_GAP
            width = (ELDER_ROW_WIDTH - (grid.cols - 1) * ELDER_GAP) / grid.cols
            size = (min(TILE_WIDTH, width), ELDER_TILE_HEIGHT)
        else:
            grid.cols = 1 if len(methods) == 1 else 2
            grid.spacing = theme.PADDING
            size = (TILE_WIDTH, TILE_HEIGHT)
        for method in methods:
            label, hint = METHOD_TILES.get(method, (None, None))
            tile = MethodTile(
                method=method,
                label=label.get(lang) if label else button_label(method, lang),
                hint=hint.get(lang) if hint and not elder else "",
                primary=method != TYPED,
                size=size,
            )
            tile.bind(on_release=lambda t: self.session.fire(t.method))
            self.tiles.append(tile)
            grid.add_widget(tile)
        self._fill_demo(lang)

    def _fill_demo(self, lang: str) -> None:
        """Demo only: the simulated cards of the first reader the chooser watches."""
        self.card_buttons = []
        self.ids.demo_cards.clear_widgets()
        tappers = self.session.tappers
        trays = [tappers[DEMO_TRAYS[m]] for m in self.card_first if DEMO_TRAYS[m] in tappers]
        found = trays[0] if trays else None
        self._tray = found
        self.demo_shown = found is not None
        if found is None:
            self.ids.demo_title.text = ""
            self.ids.demo_more.text = ""
            return
        self.ids.demo_title.text = ui_text("demo_chooser", lang)
        self._more_text = ui_text("demo_more", lang)
        for name in found.card_names():
            button = BigButton(text=name, event=name, height=theme.style.touch_min)
            button.bind(on_release=lambda b: self.tap_card(b.event))
            self.card_buttons.append(button)
        self._first_card = 0
        self._place_cards()

    def tap_card(self, name: str) -> None:
        """Demo: lay the named simulated card on its reader; the card watch does the rest."""
        self.session.touch()
        if self._tray is not None:
            self._tray.present(name)

    def _card_first(self, methods: list[str]) -> tuple[str, ...]:
        """The card methods a card laid on its reader picks here; () if the kiosk cannot."""
        if not callable(getattr(self.session.port, "card_laid", None)):
            return ()
        return tuple(m for m in CARD_FIRST_ORDER if m in methods)

    def row_events(self, run: FlowRun) -> list[str]:
        """Everything but the methods (they are the tiles): cancel."""
        methods = set(identity_methods(run.flow, run.step))
        return [e for e in run.buttons() if e not in methods]

    def clear(self) -> None:
        """Drop the tiles; stop asking for a card."""
        if self._card_poll is not None:
            self._card_poll.cancel()
            self._card_poll = None
        self.card_first = ()
        self.ids.tiles.clear_widgets()
        self.tiles = []
        self.card_buttons = []
        self._tray = None
        self.ids.demo_cards.clear_widgets()
        self.ids.demo_title.text = ""
        self.ids.demo_more.text = ""
        self.demo_shown = False
        super().clear()
