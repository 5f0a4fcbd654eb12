"""The service menu: station name, a large clock, one big tile per service, language switch."""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.label import Label

from flows import Flow
from kiosk.ui import theme
from kiosk.ui.session import UISession
from kiosk.ui.strings import LANGUAGE_NAMES, date_line, ui_text
from kiosk.ui.widgets import KioskScreen

KV_FILE = Path(__file__).with_suffix(".kv")
TILE_WIDTH = 380
TILE_HEIGHT = 200
TILE_HEIGHT_COMPACT = 160


class ServiceTile(ButtonBehavior, Label):
    """A big card that starts a service."""

    flow_id = StringProperty("")


class LanguageButton(ToggleButtonBehavior, Label):
    """One side of the language switch."""

    lang = StringProperty("")


class WelcomeScreen(KioskScreen):
    """Shows the services on offer; a tap on a tile starts a visit."""

    # More than one row of tiles: the large clock gives way to a small one in the header.
    compact = BooleanProperty(False)

    def __init__(
        self,
        session: UISession,
        catalog: Sequence[Flow],
        station_name: str,
        *,
        now: Callable[[], dt.datetime] = dt.datetime.now,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.catalog = list(catalog)
        self.station_name = station_name
        self._now = now
        self._lang = session.lang
        self.tiles: list[ServiceTile] = []
        self.language_buttons: list[LanguageButton] = []
        for lang, name in LANGUAGE_NAMES.items():
            button = LanguageButton(text=name, lang=lang, group="language")
            button.bind(on_release=lambda b: self.session.set_lang(b.lang))
            self.language_buttons.append(button)
            self.ids.languages.add_widget(button)
        # At most MAX_PER_ROW tiles side by side; more services wrap onto a second row.
        self.ids.tiles.cols = max(1, min(theme.MAX_PER_ROW, len(self.catalog)))
        self.compact = len(self.catalog) > theme.MAX_PER_ROW

    def show(self, lang: str) -> None:
        """Fill in the menu in `lang`."""
        self.ids.station.text = self.station_name
        self.ids.choose.text = ui_text("choose_service", lang)
        self.ids.hint.text = ui_text("tap_hint", lang)
        grid = self.ids.tiles
        grid.clear_widgets()
        self.tiles = []
        cols = grid.cols
        # Tiles share the row (1200 px inside the margins), never wider than 380 px.
        width = min(TILE_WIDTH, (1200 - (cols - 1) * theme.PADDING) // cols)
        for flow in self.catalog:
            tile = ServiceTile(
                text=flow.title.get(lang),
                flow_id=flow.id,
                width=width,
                height=TILE_HEIGHT_COMPACT if self.compact else TILE_HEIGHT,
            )
            tile.bind(on_release=lambda t: self.session.start(t.flow_id))
            self.tiles.append(tile)
            grid.add_widget(tile)
        for button in self.language_buttons:
            button.state = "down" if button.lang == lang else "normal"
        self._lang = lang
        self.refresh()

    def refresh(self) -> None:
        """Update the clock."""
        now = self._now()
        self.ids.clock.text = f"{now:%H:%M}"
        self.ids.header_clock.text = f"{now:%H:%M}" if self.compact else ""
        self.ids.date.text = date_line(now, self._lang)
