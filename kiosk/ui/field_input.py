"""The form's text box (styles: widgets_later.kv), apart from the menu's widgets.

Kivy's `kivy.uix.textinput` (with its bubble and the clipboard's machinery) is about 2 ms
of a start; only forms type, so it loads with the step screens, never before the menu's
first frame (tests/kiosk/test_cold_start_imports.py).
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.textinput import TextInput

from kiosk.ui.kivy_setup import disable_clipboard

# Before the first text box of the process is made: this module is where the kiosk's boxes
# come from, and it loads with the first form, never with the menu.
disable_clipboard()


class FieldInput(TextInput):
    """A one-line text box 88 px high with large type."""

    field_name = StringProperty("")
    part = StringProperty("")  # which box of a two-box field: "start" or "end"
    # The keypad types here: outlined like a focused box even after a key took the focus.
    targeted = BooleanProperty(False)


def wipe_text_input(box: TextInput) -> None:
    """Empty a text box and its undo history (which would still hold what was typed)."""
    box.text = ""
    box.reset_undo()


__all__ = ["FieldInput", "wipe_text_input"]
