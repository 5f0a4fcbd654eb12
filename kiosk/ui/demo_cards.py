"""The demo's simulated cards in one row under a screen (the identity chooser, the card
reading step): as many whole cards as the row holds, then a "more" button that pages on.

Demo only: the screens show the row when the session has simulated card trays.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from typing import Any


class DemoCardRow:
    """Mixed into a screen whose kv has `demo_cards` (a grid), `demo_more` (the "more"
    button) and `demo_row` (their row); the screen fills `card_buttons`, sets `_more_text`
    and calls `_place_cards` (and binds `demo_more` to `_more_cards`)."""

    ids: Any
    card_buttons: list[Any]
    _first_card: int  # the first card of the row shown (the "more" button moves it)
    _shown_cards: int
    _more_text: str

    def _place_cards(self, *_args: object) -> None:
        """As many whole cards as the row holds from `_first_card`, then "more" if any are
        left."""
        grid, more, row = self.ids.demo_cards, self.ids.demo_more, self.ids.demo_row
        grid.clear_widgets()
        if not self.card_buttons:
            more.text = ""
            return
        widths = []
        for button in self.card_buttons:
            button.texture_update()  # measured now, not at the next frame
            widths.append(max(button.min_width, button.texture_size[0] + button.pad_x))
        all_fit = sum(widths) + grid.spacing * (len(widths) - 1) <= row.width
        more.text = "" if all_fit else self._more_text
        more.texture_update()
        if all_fit:
            self._first_card = 0
        room = row.width - (more.texture_size[0] + more.pad_x + row.spacing if more.text else 0)
        used, shown = 0.0, 0
        for index in range(self._first_card, len(self.card_buttons)):
            need = widths[index] + (grid.spacing if shown else 0)
            if shown and used + need > room:
                break
            grid.add_widget(self.card_buttons[index])
            used, shown = used + need, shown + 1
        self._shown_cards = shown

    def _more_cards(self) -> None:
        """The next cards of the row, from the first again after the last."""
        self._first_card += max(1, self._shown_cards)
        if self._first_card >= len(self.card_buttons):
            self._first_card = 0
        self._place_cards()
