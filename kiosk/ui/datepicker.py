"""A date without typing: steppers for year, month and day beside a month's calendar.

It opens on the most likely date: the date in the box if it holds one, else what the
field's `picker_starts` says (today, or the first of this month), inside the field's
allowed days. A tap on a day takes it and closes: a date is two taps from the form (the
field's calendar button, the day). The steppers move the chosen day and the calendar with
it, 确定 takes it; 键盘输入 closes and leaves the box to the keypad (styles: datepicker.kv).
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView

from flows import FieldSpec
from kiosk.messages import section
from kiosk.ui.widgets import BigButton

KV_FILE = Path(__file__).with_suffix(".kv")
DATE = section("ui.date")
_WEEKDAYS = {"zh-CN": "一二三四五六日", "en": ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")}
_TYPED = re.compile(r"(\d{4})\D+(\d{1,2})\D+(\d{1,2})")


def date_text(key: str, lang: str, **values: object) -> str:
    """A date picker text in `lang`, filled in."""
    return DATE[key].get(lang).format(**values)


def parse_typed(text: str) -> dt.date | None:
    """The date in a box (2026-11-01, 2026/11/1, 2026年11月1日), None if none."""
    found = _TYPED.search(text)
    if found is None:
        return None
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def bounds(spec: FieldSpec, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day the field allows, None where open."""
    low = today + dt.timedelta(days=spec.min_days) if spec.min_days is not None else None
    high = today + dt.timedelta(days=spec.max_days) if spec.max_days is not None else None
    return low, high


def likely_date(spec: FieldSpec, today: dt.date, typed: str = "") -> dt.date:
    """Where the picker opens: the typed date, else today or the first of the month."""
    start = parse_typed(typed)
    if start is None:
        start = today.replace(day=1) if spec.picker_starts == "first_of_month" else today
    low, high = bounds(spec, today)
    if low is not None and start < low:
        start = low
    if high is not None and start > high:
        start = high
    return start


def shifted(day: dt.date, *, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    """`day` moved; a day past the new month's end becomes its last day (31 Jan + 1 month)."""
    if days:
        return day + dt.timedelta(days=days)
    month_index = day.year * 12 + day.month - 1 + months + 12 * years
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


class DayButton(BigButton):
    """One day of the calendar grid."""

    iso = StringProperty("")


class WeekdayLabel(Label):
    """一 二 ... 日 over the grid."""


class DatePicker(ModalView):
    """The picker for one date box; `on_pick(iso)` when a date is taken."""

    chosen = ObjectProperty(None)

    def __init__(
        self,
        spec: FieldSpec,
        lang: str,
        today: dt.date,
        typed: str,
        on_pick: Callable[[str], None],
        on_type: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.lang = lang
        self.low, self.high = bounds(spec, today)
        self.on_pick = on_pick
        self.on_type = on_type
        self.day_buttons: list[DayButton] = []
        self.ids.title.text = date_text("title", lang)
        self.ids.ok.text = date_text("ok", lang)
        self.ids.type.text = date_text("type", lang)
        self.ids.ok.bind(on_release=lambda _b: self.take(self.chosen))
        self.ids.type.bind(on_release=lambda _b: self._typing())
        for unit in ("year", "month", "day"):
            for sign, name in ((-1, "minus"), (1, "plus")):
                self.ids[f"{unit}_{name}"].bind(
                    on_release=lambda _b, u=unit, s=sign: self.step(u, s)
                )
        for name in _WEEKDAYS.get(lang, _WEEKDAYS["zh-CN"]):
            self.ids.weekdays.add_widget(WeekdayLabel(text=name))
        self.chosen = likely_date(spec, today, typed)

    def allowed(self, day: dt.date) -> bool:
        """True when the field accepts `day`."""
        return (self.low is None or day >= self.low) and (self.high is None or day <= self.high)

    def step(self, unit: str, sign: int) -> None:
        """Move the chosen date by one year, month or day (kept inside the allowed days)."""
        moved = shifted(self.chosen, **{f"{unit}s": sign})
        if self.low is not None and moved < self.low:
            moved = self.low
        if self.high is not None and moved > self.high:
            moved = self.high
        self.chosen = moved

    def on_chosen(self, _picker: DatePicker, day: dt.date) -> None:
        """Show the chosen date in the steppers and its month in the grid."""
        lang = self.lang
        self.ids.year.text = date_text("year", lang, n=day.year)
        self.ids.month.text = date_text("month", lang, n=day.month)
        self.ids.day.text = date_text("day", lang, n=day.day)
        grid = self.ids.grid
        grid.clear_widgets()
        self.day_buttons = []
        for week in calendar.Calendar().monthdatescalendar(day.year, day.month):
            for date in week:
                button = DayButton(
                    text=str(date.day) if date.month == day.month else "",
                    iso=date.isoformat(),
                    primary=date == day,
                )
                button.disabled = date.month != day.month or not self.allowed(date)
                button.bind(on_release=lambda b: self.take(dt.date.fromisoformat(b.iso)))
                if date.month == day.month:
                    self.day_buttons.append(button)
                grid.add_widget(button)

    def take(self, day: dt.date) -> None:
        """Put `day` in the box and close."""
        if not self.allowed(day):
            return
        self.on_pick(day.isoformat())
        self.dismiss(animation=False)

    def _typing(self) -> None:
        self.dismiss(animation=False)
        if self.on_type is not None:
            self.on_type()

    def day(self, n: int) -> DayButton:
        """The button of day `n` of the month shown."""
        return self.day_buttons[n - 1]


__all__ = ["DatePicker", "DayButton", "likely_date", "parse_typed", "shifted"]
