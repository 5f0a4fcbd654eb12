"""Out of service: why the kiosk serves nobody now, and the numbers to call instead.

Shown between visits whenever KioskPort.out_of_service gives a reason: maintenance, a
kiosk not yet approved or switched off by the service centre, or no service that works.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from pathlib import Path

from flows import Texts
from kiosk.ports import HelpContacts
from kiosk.ui.overlays import help_numbers
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import KioskScreen

KV_FILE = Path(__file__).with_suffix(".kv")


class OutOfServiceScreen(KioskScreen):
    """The reason and the help numbers, nothing to press."""

    def show(self, reason: Texts, contacts: HelpContacts, lang: str) -> None:
        """Fill in the reason and the numbers in `lang`."""
        self.ids.title.text = ui_text("out_of_service_title", lang)
        self.ids.reason.text = reason.get(lang)
        self.ids.numbers.text = "\n".join(help_numbers(contacts, lang))

    def clear(self) -> None:
        """Nothing personal is shown; keep the words."""
