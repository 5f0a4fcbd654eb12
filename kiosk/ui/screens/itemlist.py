"""Items fetched from outside the flow (jobs, classes, slots ...): one big card each.

The run ranks the items for the citizen (`FlowRun.items`, flows/matching.py); a card shows
the title, one line of summary and chips: the item's status, "可能符合" for an item the
profile may suit, "已满" (or the item's own status) for one that cannot be chosen, which is
greyed and takes no touch. At most four cards show at a time, as many as fit, paged with
big buttons rather than scrolled. Touching a card chooses it (`UISession.select`).
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from flows import FlowRun
from flows.content import Item, Match
from kiosk.ui import theme
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import Chip, clear_labels

KV_FILE = Path(__file__).with_suffix(".kv")
MAX_PER_PAGE = 4
CARD_HEIGHT = 92
# Elder mode: the title and the summary line at 1.5x; fewer cards a page.
ELDER_CARD_HEIGHT = 136
CARD_SPACING = 10


def item_chips(item: Item, lang: str) -> list[tuple[str, str]]:
    """(text, tone) of the chips on an item's card or detail, in reading order."""
    if not item.available:
        status = item.status.get(lang) if item.status else ui_text("full", lang)
        return [(status, "muted")]
    chips = [(ui_text("may_suit", lang), "accent")] if item.match is Match.LIKELY else []
    if item.status is not None:
        chips.append((item.status.get(lang), "plain"))
    return chips


def add_chips(box: BoxLayout, item: Item, lang: str) -> None:
    """Put `item`'s chips into `box`, centred on its height."""
    for text, tone in item_chips(item, lang):
        box.add_widget(Chip(text=text, tone=tone, pos_hint={"center_y": 0.5}))


def card_height() -> int:
    """A card's height in the mode in use."""
    return ELDER_CARD_HEIGHT if theme.style.elder else CARD_HEIGHT


def cards_that_fit(height: float) -> int:
    """How many cards fit in `height` pixels: at least one, at most MAX_PER_PAGE."""
    fit = int((height + CARD_SPACING) // (card_height() + CARD_SPACING))
    return max(1, min(MAX_PER_PAGE, fit))


class ItemCard(ButtonBehavior, BoxLayout):
    """One item: title, one line of summary, chips; greyed and deaf when not available."""

    item_id = StringProperty("")
    title = StringProperty("")
    summary = StringProperty("")
    available = BooleanProperty(True)


class ListScreen(StepScreen):
    """Shows a list step's items a page at a time; a touch on a card chooses it."""

    def __init__(self, session: UISession, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.items: list[Item] = []
        self.cards: list[ItemCard] = []
        self.page = 0
        self.per_page = MAX_PER_PAGE
        self._lang = "zh-CN"
        self.ids.pager.on_page = self.turn
        # The room for cards is known once laid out, and shrinks under a two-line prompt.
        self.ids.page_area.bind(height=self._fit)

    def show(self, run: FlowRun) -> None:
        """Fill title, count and the page holding the item chosen last (back from a detail)."""
        super().show(run)
        lang = self._lang = run.lang
        self.items = list(run.items())
        chosen = run.session.selected.get(run.step.source or "")
        index = next((i for i, item in enumerate(self.items) if item.id == chosen), 0)
        self.per_page = cards_that_fit(self.ids.page_area.height)
        self.page = index // self.per_page
        count = len(self.items)
        self.ids.count.text = ui_text("list_count", lang, count=count) if count else ""
        self.ids.empty.text = "" if count else ui_text("list_empty", lang)
        # A list from the kiosk's kept copy (controller unreachable) says how old it is.
        as_of = run.session.content_as_of.get(run.step.source or "")
        self.ids.as_of.text = ui_text("content_as_of", lang, time=as_of) if as_of else ""
        self._fill_page()

    @property
    def pages(self) -> int:
        """Pages of cards; one for an empty list."""
        return max(1, math.ceil(len(self.items) / self.per_page))

    def turn(self, step: int) -> None:
        """Go `step` pages on (-1 back); turning a page is activity too."""
        self.session.touch()
        page = max(0, min(self.pages - 1, self.page + step))
        if page != self.page:
            self.page = page
            self._fill_page()

    def _fit(self, _area: object, height: float) -> None:
        fit = cards_that_fit(height)
        if fit != self.per_page and self.items:
            first = self.page * self.per_page  # keep the first card shown on the page
            self.per_page = fit
            self.page = first // fit
            self._fill_page()

    def _fill_page(self) -> None:
        grid = self.ids.cards
        clear_labels(grid)
        self.cards = []
        start = self.page * self.per_page
        for item in self.items[start : start + self.per_page]:
            card = ItemCard(
                item_id=item.id,
                title=item.title.get(self._lang),
                summary=item.summary.get(self._lang) if item.summary else "",
                available=item.available,
            )
            add_chips(card.ids.chips, item, self._lang)
            card.bind(on_release=lambda c: self.session.select(c.item_id))
            self.cards.append(card)
            grid.add_widget(card)
        self.ids.pager.show(self.page, self.pages, self._lang)

    def clear(self) -> None:
        """Drop the cards, the count and the page."""
        clear_labels(self.ids.cards)
        self.cards = []
        self.items = []
        self.page = 0
        self.ids.count.text = ""
        self.ids.empty.text = ""
        self.ids.as_of.text = ""
        self.ids.pager.clear()
        super().clear()
