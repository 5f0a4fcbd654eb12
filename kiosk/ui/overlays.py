"""Modals over any screen: the touch-to-continue countdown and the help numbers.

They sit on the window, above the screen manager, so a touch meant for them never reaches
the screen beneath: the citizen's "I am still here" tap presses no button under it.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.uix.modalview import ModalView

from kiosk.ports import HelpContacts
from kiosk.ui.strings import ui_text

KV_FILE = Path(__file__).with_suffix(".kv")


def help_numbers(contacts: HelpContacts, lang: str) -> list[str]:
    """The lines of numbers the help modal shows: the station's phone first, the hotline."""
    lines = [ui_text("help_phone", lang, phone=contacts.phone)] if contacts.phone else []
    return [*lines, ui_text("hotline", lang, hotline=contacts.hotline)]


class IdleOverlay(ModalView):
    """点击屏幕继续: a big countdown; any touch on it keeps the visit going."""

    def __init__(self, on_touch: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(auto_dismiss=False, **kwargs)
        self._on_touch = on_touch
        self.shown = False

    def show(self, seconds: int, lang: str) -> None:
        """Open (or update) the countdown."""
        self.ids.title.text = ui_text("touch_to_continue", lang)
        self.ids.seconds.text = str(seconds)
        self.ids.detail.text = ui_text("idle_countdown", lang, seconds=seconds)
        if not self.shown:
            self.shown = True
            self.open(animation=False)

    def hide(self) -> None:
        """Close the countdown."""
        if self.shown:
            self.shown = False
            self.dismiss(animation=False)
        for key in ("title", "seconds", "detail"):
            self.ids[key].text = ""

    def on_touch_down(self, touch: Any) -> bool:
        """Anywhere on the screen: the citizen is still here."""
        self._on_touch()
        return True


class HelpOverlay(ModalView):
    """The help numbers in large type, and that staff were told; closed by its button."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(auto_dismiss=False, **kwargs)
        self.ids.close.bind(on_release=lambda _b: self.hide())
        self.shown = False

    def show(self, contacts: HelpContacts, lang: str) -> None:
        """Open with the numbers in `lang`."""
        self.ids.title.text = ui_text("help_title", lang)
        self.ids.numbers.text = "\n".join(help_numbers(contacts, lang))
        self.ids.called.text = ui_text("help_called", lang)
        self.ids.close.text = ui_text("help_close", lang)
        if not self.shown:
            self.shown = True
            self.open(animation=False)

    def hide(self) -> None:
        """Close it."""
        if self.shown:
            self.shown = False
            self.dismiss(animation=False)
