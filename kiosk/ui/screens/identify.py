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
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import CARD_FIRST, CARD_FIRST_ORDER, METHOD_TILES, ui_text

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


class MethodTile(ButtonBehavior, BoxLayout):
    """A large tile naming one identity method, with one line on how it is done."""

    method = StringProperty("")
    label = StringProperty("")
    hint = StringProperty("")
    primary = BooleanProperty(True)  # filled with the accent colour; typing is outlined


class IdentifyScreen(StepScreen):
    """Shows the identity chooser; a tap on a tile fires that method's event."""

    def __init__(self, session: UISession, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.tiles: list[MethodTile] = []
        self._card_poll: Any = None
        self.card_first: tuple[str, ...] = ()

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
        super().clear()
