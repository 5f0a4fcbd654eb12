"""The attract loop: one large card of public content at a time, and "touch to start".

Shown at start, after a visit that ended by itself and after a minute on an untouched menu
(kiosk/ui/between_visits.py). Any touch wakes it to the menu and presses nothing else.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk.ports import AttractCard
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import KioskScreen

KV_FILE = Path(__file__).with_suffix(".kv")


class AttractScreen(KioskScreen):
    """Pages through the cards; a touch anywhere wakes the kiosk."""

    def __init__(self, session: UISession, station_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.station_name = station_name
        self.cards: list[AttractCard] = []
        self.page = 0

    def show(self, cards: Sequence[AttractCard], page: int, lang: str) -> None:
        """Show card `page` of `cards` in `lang`."""
        self.cards, self.page = list(cards), page
        self.ids.station.text = self.station_name
        self.ids.start.text = ui_text("touch_to_start", lang)
        card = self.cards[page] if self.cards else None
        self.ids.title.text = card.title.get(lang) if card else ""
        self.ids.body.text = card.body.get(lang) if card else ""
        self.ids.position.text = f"{page + 1} / {len(self.cards)}" if self.cards else ""

    def on_touch_down(self, touch: Any) -> bool:
        """Wake the kiosk; the touch goes no further."""
        if self.collide_point(*touch.pos):
            self.session.wake()
            return True
        return False

    def clear(self) -> None:
        """Nothing personal is shown here; the card texts stay until the next show."""
