"""One form field on screen: label, hint, input(s) or choices, a live status line, the error.

Kinds typed on the on-screen keypad say which extra key they need (`KEYPAD_KINDS`). A date
range is two date boxes, first and last day, sent to the engine as `start/end`; a region is
a 6-digit GB/T 2260 code whose name is shown as soon as it is known (styles: fields.kv).
Several choices are ticked on tiles (sent as "a,b" in the listed order), a declaration is
one sentence-wide tick box, a bank account is typed on the keypad in groups of four digits
and, once entered, only ever shown back masked. A choice of "1" to "5" is a rating: five
stars with the level's words under each.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

import pii
from flows import FieldKind, FieldSpec
from flows.fields import mask_bank_account
from flows.regions import is_region_code
from kiosk.ui import theme
from kiosk.ui.datepicker import date_text
from kiosk.ui.field_input import FieldInput, wipe_text_input
from kiosk.ui.strings import ui_text
from kiosk.ui.toggles import CheckToggle, StarTile
from kiosk.ui.widgets import BigButton, ChoiceButton, TextLabel

KV_FILE = Path(__file__).with_suffix(".kv")

# Kinds typed on the on-screen keypad, with the one extra key each needs.
KEYPAD_KINDS: dict[FieldKind, str] = {
    FieldKind.MOBILE: "",
    FieldKind.ID_NUMBER: "X",
    FieldKind.DATE: "-",
    FieldKind.DATE_RANGE: "-",
    FieldKind.REGION: "",
    FieldKind.BANK_ACCOUNT: "",
}

# Kinds typed on the kiosk's own keyboard (kiosk/ui/keyboard.py), docked under the form.
KEYBOARD_KINDS = frozenset({FieldKind.TEXT, FieldKind.NAME})
CALENDAR_WIDTH = 200

RegionNamer = Callable[[str], "str | None"]
"""The name of a 6-digit region code (e.g. 浙江省丽水市缙云县), None when unknown."""


def pii_region_namer(today: Callable[[], dt.date] = dt.date.today) -> RegionNamer | None:
    """pii's namer of region codes (`pii.region_name`), by this year's table.

    Codes are reassigned (下城区 330103 was merged away in 2021): a code no longer in use
    must get no name, or the citizen is told a wrong code is right.
    """
    namer = getattr(pii, "region_name", None)
    if not callable(namer):
        return None
    return lambda code: namer(code, year=today().year)


def _keep(allowed: str) -> Callable[[str, bool], str]:
    """An input filter that drops characters not in `allowed` (X typed as x is kept as X)."""

    def keep(text: str, _from_undo: bool) -> str:
        return "".join(c for c in text.upper() if c in allowed)

    return keep


# What people type for a day, and the engine reads: 2026-01-05, 2026/1/5, 2026.1.5, 2026年1月5日.
_DATE_CHARS = "0123456789-/.年月日"
_FILTERS: dict[FieldKind, Callable[[str, bool], str]] = {
    FieldKind.MOBILE: _keep("0123456789"),
    FieldKind.ID_NUMBER: _keep("0123456789X"),
    FieldKind.DATE: _keep(_DATE_CHARS),
    FieldKind.DATE_RANGE: _keep(_DATE_CHARS),
    FieldKind.REGION: _keep("0123456789"),
    FieldKind.BANK_ACCOUNT: _keep("0123456789"),
}
_DATED = (FieldKind.DATE, FieldKind.DATE_RANGE)
RANGE_PARTS = ("start", "end")
REGION_BOX_WIDTH = 260
BANK_DIGITS = 19  # the longest bank card or account number (flows/fields.py)
STARS = ("1", "2", "3", "4", "5")


def group_digits(text: str) -> str:
    """A bank account as printed on the card: digits in groups of four, at most 19 digits."""
    digits = "".join(c for c in text if c.isdigit())[:BANK_DIGITS]
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def is_star_rating(spec: FieldSpec) -> bool:
    """True for a choice of the five levels "1" to "5": the 好差评 rating, shown as stars."""
    return spec.kind is FieldKind.CHOICE and sorted(c.value for c in spec.choices) == list(STARS)


class FieldBlock(BoxLayout):
    """Label, hint, input(s) or choices, status line and error line of one field."""

    def __init__(
        self, spec: FieldSpec, lang: str, *, region_name: RegionNamer | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.lang = lang
        self.region_name = region_name
        # A declaration's label is the sentence on its tick box, said once.
        self.label = TextLabel(text=spec.label.get(lang), bold=True)
        # After the class rule, which would set the body size over a keyword argument.
        self.label.font_size = 32 * theme.style.scale
        if spec.kind is not FieldKind.CHECKBOX:
            self.add_widget(self.label)
        self.hint: TextLabel | None = None
        if spec.hint is not None:
            self.hint = TextLabel(text=spec.hint.get(lang), color=theme.MUTED)
            self.hint.font_size = theme.style.small
            self.add_widget(self.hint)
        self.inputs: list[FieldInput] = []
        self.choices: list[ChoiceButton | StarTile] = []  # one of them is chosen
        self.toggles: list[CheckToggle] = []  # any of them are ticked
        # A line that answers while the citizen types: the region's name, characters so far.
        self.status: Label | None = None
        self.calendar: BigButton | None = None  # opens the date picker (kiosk/ui/datepicker.py)
        # A bank account entered before (back from the confirm screen): shown masked only,
        # and sent again unless the citizen types another.
        self._kept = ""
        if is_star_rating(spec):
            self._add_stars(lang)
        elif spec.kind is FieldKind.CHOICE:
            self._add_choices(lang)
        elif spec.kind in (FieldKind.MULTI_CHOICE, FieldKind.CHECKBOX):
            self._add_toggles(lang)
        elif spec.kind is FieldKind.DATE_RANGE:
            self._add_range(lang)
        elif spec.kind is FieldKind.REGION:
            self._add_region(lang)
        elif spec.kind is FieldKind.DATE:
            row = BoxLayout(spacing=theme.SPACING, size_hint_y=None, height=theme.TOUCH_MIN)
            row.add_widget(self._new_input())
            row.add_widget(self._calendar_button(lang))
            self.add_widget(row)
        else:
            self.add_widget(self._new_input())
            if spec.kind is FieldKind.BANK_ACCOUNT or (
                spec.kind is FieldKind.TEXT and spec.min_length
            ):
                self.status = TextLabel(text="", color=theme.MUTED)
                self.status.font_size = theme.style.small
                self.add_widget(self.status)
        self.error = TextLabel(text="", color=theme.ERROR, bold=True)
        self.error.font_size = theme.style.small
        self.add_widget(self.error)
        self.refresh_status()

    def _new_input(self, part: str = "") -> FieldInput:
        box = FieldInput(field_name=self.spec.name, part=part)
        if self.spec.kind in _FILTERS:
            box.input_filter = _FILTERS[self.spec.kind]
            box.input_type = "number"
        if self.spec.kind in _DATED:
            box.hint_text = ui_text("date_hint", self.lang)
        if self.spec.kind is FieldKind.BANK_ACCOUNT:
            box.bind(text=self._group)
        self.inputs.append(box)
        return box

    def _calendar_button(self, lang: str) -> BigButton:
        self.calendar = BigButton(
            text=date_text("pick", lang),
            min_width=CALENDAR_WIDTH,
            height=theme.TOUCH_MIN,
        )
        return self.calendar

    @staticmethod
    def _group(box: FieldInput, text: str) -> None:
        grouped = group_digits(text)
        if grouped != text:
            box.text = grouped  # calls this again, with nothing left to change
            box.cursor = (len(grouped), 0)

    def _add_stars(self, lang: str) -> None:
        # Lowest to highest, left to right, whatever order the file lists them in.
        grid = GridLayout(cols=len(STARS), spacing=16, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for choice in sorted(self.spec.choices, key=lambda c: c.value):
            tile = StarTile(
                value=choice.value, words=choice.label.get(lang), group=f"stars-{self.spec.name}"
            )
            tile.bind(state=self._light_stars)
            tile.bind(state=self._changed)
            self.choices.append(tile)
            grid.add_widget(tile)
        self.add_widget(grid)

    def _changed(self, *_args: object) -> None:
        # "Please choose" is answered by choosing: the red line goes at once, not at submit.
        self.error.text = ""

    def _light_stars(self, *_args: object) -> None:
        chosen = self.value
        for tile in self.choices:
            if isinstance(tile, StarTile):
                tile.lit = bool(chosen) and tile.value <= chosen

    def _add_toggles(self, lang: str) -> None:
        if self.spec.kind is FieldKind.CHECKBOX:
            box = CheckToggle(text=self.spec.label.get(lang), value="yes", wide=True)
            box.bind(state=self._changed)
            self.toggles.append(box)
            self.add_widget(box)
            return
        # Two per row, like single choices; the tick boxes tell them apart.
        grid = GridLayout(cols=2, spacing=16, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for choice in self.spec.choices:
            toggle = CheckToggle(text=choice.label.get(lang), value=choice.value)
            toggle.bind(state=self._changed)
            self.toggles.append(toggle)
            grid.add_widget(toggle)
        self.add_widget(grid)

    def _add_choices(self, lang: str) -> None:
        # Two per row: long English labels still fit in two lines at body size. Elder mode's
        # 1.5x: one a row, each choice on the width of the screen.
        grid = GridLayout(cols=1 if theme.style.elder else 2, spacing=16, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for choice in self.spec.choices:
            button = ChoiceButton(
                text=choice.label.get(lang), value=choice.value, group=f"choice-{self.spec.name}"
            )
            button.bind(state=self._changed)
            self.choices.append(button)
            grid.add_widget(button)
        self.add_widget(grid)

    def _add_range(self, lang: str) -> None:
        # Captions above two boxes with "至" between: first day left, last day right.
        grid = GridLayout(cols=3, spacing=[16, 4], size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for key in ("range_start", None, "range_end"):
            if key is None:
                grid.add_widget(Widget(size_hint=(None, None), size=(48, 0)))
            else:
                grid.add_widget(TextLabel(text=ui_text(key, lang), color=theme.MUTED))
        start, end = (self._new_input(part) for part in RANGE_PARTS)
        grid.add_widget(start)
        grid.add_widget(RangeJoin(text=ui_text("range_to", lang)))
        grid.add_widget(end)
        self.add_widget(grid)
        self.add_widget(self._calendar_button(lang))

    def _add_region(self, lang: str) -> None:
        row = BoxLayout(spacing=theme.SPACING, size_hint_y=None, height=theme.style.touch_min)
        box = self._new_input()
        box.size_hint_x = None
        box.width = REGION_BOX_WIDTH
        box.hint_text = ui_text("region_hint", lang)
        row.add_widget(box)
        self.status = RegionName(text="")
        row.add_widget(self.status)
        self.add_widget(row)

    @property
    def input(self) -> FieldInput | None:
        """The (first) text box, None for a choice."""
        return self.inputs[0] if self.inputs else None

    def part_label(self, box: FieldInput) -> str:
        """What one box of the field is for ("开始日期"), empty for a one-box field."""
        return ui_text(f"range_{box.part}", self.lang) if box.part else ""

    @property
    def value(self) -> str:
        """What the citizen entered or chose, as the engine reads it."""
        if self.spec.kind is FieldKind.DATE_RANGE:
            start, end = (str(box.text).strip() for box in self.inputs)
            return f"{start}/{end}" if start or end else ""
        if self.spec.kind is FieldKind.BANK_ACCOUNT:
            return str(self.inputs[0].text).replace(" ", "") or self._kept
        if self.inputs:
            return str(self.inputs[0].text)
        if self.spec.kind is FieldKind.CHECKBOX:
            return "yes" if self.toggles[0].state == "down" else ""
        if self.toggles:
            return ",".join(t.value for t in self.toggles if t.state == "down")
        return next((b.value for b in self.choices if b.state == "down"), "")

    def answer_text(self) -> str:
        """The answer as the citizen reads it back: a choice's words, a bank account masked."""
        value = self.value
        if not value:
            return ui_text("review_empty", self.lang)
        words = {c.value: c.label.get(self.lang) for c in self.spec.choices}
        if self.spec.kind is FieldKind.CHECKBOX:
            return ui_text("review_ticked", self.lang)
        if self.spec.kind is FieldKind.BANK_ACCOUNT:
            return mask_bank_account(value)
        if self.spec.kind is FieldKind.DATE_RANGE:
            start, _, end = value.partition("/")
            return f"{start} {ui_text('range_to', self.lang)} {end}"
        if words:
            return "、".join(words.get(v, v) for v in value.split(","))
        return value

    def set_value(self, value: str) -> None:
        """Prefill (back from the confirm screen)."""
        if self.spec.kind is FieldKind.BANK_ACCOUNT:
            # The box stays empty: the number is not shown again in clear, only masked, grey,
            # where typing would go.
            self._kept = value
            self.inputs[0].hint_text = mask_bank_account(value)
            self.refresh_status()
            return
        if self.spec.kind is FieldKind.DATE_RANGE:
            parts = value.split("/", 1) if "/" in value else [value, ""]
        else:
            parts = [value]
        for box, part in zip(self.inputs, parts, strict=False):
            box.text = part
            box.reset_undo()
        for button in self.choices:
            button.state = "down" if button.value == value else "normal"
        ticked = set(value.split(","))
        for toggle in self.toggles:
            toggle.state = "down" if toggle.value in ticked else "normal"
        self.refresh_status()

    def explain(self, error: str) -> str:
        """The message to show for the engine's `error`: plainer for a half-filled range."""
        if error and self.spec.kind is FieldKind.CHECKBOX:
            # Not the whole sentence again in red: it is right above.
            return ui_text("tick_this", self.lang)
        if error and self.spec.kind is FieldKind.DATE_RANGE:
            start, end = (str(box.text).strip() for box in self.inputs)
            if bool(start) != bool(end):
                return ui_text("range_missing_end" if start else "range_missing_start", self.lang)
        return error

    def box_to_fix(self) -> FieldInput | None:
        """The box to put the cursor in after an error: an empty one of two, else the first."""
        empty = [box for box in self.inputs if not str(box.text).strip()]
        return empty[0] if empty else self.input

    def set_error(self, message: str) -> None:
        """Show `message` in red under the field, or nothing."""
        self.error.text = message

    def refresh_status(self) -> None:
        """Update the live line from what is typed now."""
        if self.status is None:
            return
        text = str(self.inputs[0].text) if self.inputs else ""
        if self.spec.kind is FieldKind.REGION:
            self.status.text = self._region_status(text)
        elif self.spec.kind is FieldKind.BANK_ACCOUNT:
            self.status.text = self._bank_status(text)
        elif text:
            self.status.text = ui_text(
                "min_length", self.lang, min=self.spec.min_length, count=len(text.strip())
            )
        else:
            self.status.text = ""

    def _bank_status(self, typed: str) -> str:
        digits = typed.replace(" ", "")
        if digits:
            return ui_text("bank_count", self.lang, count=len(digits))
        if self._kept:
            return ui_text("bank_kept", self.lang)
        return ""

    def _region_status(self, typed: str) -> str:
        code = unicodedata.normalize("NFKC", typed.strip())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            return ""
        name = self.region_name(code) if self.region_name is not None else None
        if name:
            return name
        # No name to give (a namer without this code): still say the code exists.
        return ui_text("region_valid", self.lang) if is_region_code(code) else ""

    def wipe(self) -> None:
        """Empty the inputs, the status and the error; forget the choice."""
        self._kept = ""
        for box in self.inputs:
            wipe_text_input(box)
            if self.spec.kind is FieldKind.BANK_ACCOUNT:
                box.hint_text = ""
        for button in [*self.choices, *self.toggles]:
            button.state = "normal"
        if self.status is not None:
            self.status.text = ""
        self.error.text = ""


class RangeJoin(Label):
    """The 至 between the two boxes of a date range."""


class RegionName(Label):
    """The name of the region code typed, beside its box."""


__all__ = [
    "KEYBOARD_KINDS",
    "KEYPAD_KINDS",
    "FieldBlock",
    "RegionNamer",
    "group_digits",
    "is_star_rating",
    "pii_region_namer",
]
