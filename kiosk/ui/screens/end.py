"""The visit is over: what happened, the transaction number in very large type, then welcome.

An end step that shows `receipt_qr` adds the e-receipt as a QR code beside the number, when
the kiosk put a `receipt_url` in the session's public values; without one, the number alone.
After a transaction that the rating follows, the button and the countdown lead on to it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty

from flows.texts import button_label
from kiosk.ui import theme
from kiosk.ui.end_notice import EndNotice
from kiosk.ui.qr import QrCode
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import KioskScreen

__all__ = ["EndScreen", "QrCode"]

KV_FILE = Path(__file__).with_suffix(".kv")
TITLE_FLOOR = 44  # the smallest title (tests/kiosk/ui/helpers.py check_elderly_sizes)
NO_LIMIT = 10_000.0  # the prompt's room while it needs no scrolling


class EndScreen(KioskScreen):
    """Shows an `EndNotice`; it holds nothing personal by construction."""

    success = BooleanProperty(False)
    receipt = BooleanProperty(False)  # the e-receipt QR code is on the page
    prompt_room = NumericProperty(NO_LIMIT)  # the prompt scrolls in less than its height

    def __init__(self, session: UISession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self._lang = "zh-CN"
        self._follow_on = False
        self.ids.finish.bind(on_release=lambda _b: self.session.finish())
        self.ids.help.bind(on_release=lambda _b: self.session.ask_help())
        self.ids.elder.bind(on_release=lambda _b: self.session.toggle_elder())
        # A long title and prompt (English, elder mode's 1.5x) overflowed the column and were
        # drawn over each other: smaller type until the column holds them.
        self._fit_soon = Clock.create_trigger(self._fit)
        column = self.ids.prompt_scroll.parent
        column.bind(height=self._fit_soon)
        self.ids.number_box.bind(width=self._fit_soon)
        for widget in (self.ids.title, self.ids.prompt, self.ids.help_line, self.ids.number):
            widget.bind(texture_size=self._fit_soon)

    def _fit_number(self) -> None:
        """The number on its one line, a size down at a time until its box holds it.

        Only ever smaller (show_notice starts it at full size): a change back and forth
        would set off another fitting for ever."""
        number, box = self.ids.number, self.ids.number_box
        room = box.width - box.padding[0] - box.padding[2]
        if not number.text:
            return
        number.texture_update()
        while number.texture_size[0] > room and number.font_size > theme.style.body:
            number.font_size = max(float(theme.style.body), number.font_size - 4)
            number.texture_update()

    def _fit(self, *_args: object) -> None:
        """The number to its box's width; then the title a step down, the prompt to the small
        size, the title to a title's floor (44) or the body size, until the column holds the
        prompt and number; at those floors, the prompt scrolls in the room left.

        Measured at once (texture_update): the room the title gives up goes to the column
        in the next layout, so the screen is right in the frame after it is shown."""
        self._fit_number()
        column = self.ids.prompt_scroll.parent
        title, prompt = self.ids.title, self.ids.prompt

        def need() -> float:
            # The spacing goes between every child, the empty help line and the filler
            # below included: counting only the fixed ones left the prompt 5 px too high.
            fixed = sum(c.height for c in column.children if c.size_hint_y is None)
            return float(fixed + column.spacing * max(0, len(column.children) - 1))

        room = float(column.height)
        steps = ((title, theme.style.title), (prompt, theme.style.small),
                 (title, max(TITLE_FLOOR, theme.style.body)))  # fmt: skip
        for label, size in steps:
            if need() <= room + 1:
                return
            if label.font_size > size:
                before = title.height
                label.font_size = size
                label.texture_update()
                room += before - title.height
        over = need() - room
        if over > 1 and prompt.text:
            self.prompt_room = max(prompt.font_size * 1.3, prompt.height - over)

    def show_notice(self, notice: EndNotice, seconds_left: float) -> None:
        """Fill from the notice."""
        self._lang = notice.lang
        self.ids.title.text = notice.title
        self.ids.prompt.text = notice.prompt
        self.ids.title.font_size = theme.style.headline  # as large as the column allows
        self.ids.prompt.font_size = theme.style.body
        self.ids.number.font_size = theme.style.transaction
        self.prompt_room = NO_LIMIT
        self.ids.prompt_scroll.scroll_y = 1
        number = notice.transaction_number
        self.ids.number_label.text = ui_text("transaction", notice.lang) if number else ""
        self.ids.number.text = number
        self.ids.number_box.opacity = 1 if number else 0
        self.ids.qr.payload = notice.receipt_url
        self.ids.qr_label.text = ui_text("receipt_qr", notice.lang) if notice.receipt_url else ""
        self.receipt = bool(notice.receipt_url)
        self.success = notice.outcome == "completed"
        self.ids.mark.text = "" if self.success else "i"
        self.ids.help.text = ui_text("help", notice.lang)
        contacts = self.session.help_contacts
        numbers = " / ".join(n for n in (contacts.phone, contacts.hotline) if n)
        self.ids.help_line.text = (
            "" if self.success else ui_text("help_line", notice.lang, numbers=numbers)
        )
        self._follow_on = notice.follow_on
        self.ids.elder.text = ui_text("elder_on", notice.lang)
        if notice.follow_on:
            self.ids.finish.text = ui_text("rate_now", notice.lang)
        elif notice.outcome == "completed":
            self.ids.finish.text = button_label("finish", notice.lang)
        else:
            self.ids.finish.text = ui_text("home", notice.lang)
        self.refresh(seconds_left)

    def restyle(self) -> None:
        """Nothing laid out by hand here: the .kv rules follow the style by themselves."""

    def refresh(self, seconds_left: float | None) -> None:
        """Count down to the return to welcome."""
        if seconds_left is None:
            self.ids.countdown.text = ""
            return
        seconds = max(1, math.ceil(seconds_left))
        key = "rate_in" if self._follow_on else "back_in"
        self.ids.countdown.text = ui_text(key, self._lang, seconds=seconds)

    def clear(self) -> None:
        """Forget the visit's outcome, number and e-receipt code."""
        texts = ("title", "prompt", "number_label", "number", "qr_label", "countdown", "finish")
        for key in (*texts, "help_line", "mark"):
            self.ids[key].text = ""
        self.ids.qr.payload = ""
        self.success = False
        self.receipt = False
        self._follow_on = False
        self.prompt_room = NO_LIMIT
