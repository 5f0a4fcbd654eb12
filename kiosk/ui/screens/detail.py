"""The item chosen in a list: its title, its rows in large type, its QR code when shown.

The item is the run's (`FlowRun.current_item`); a step with `show: [item_qr]` draws the
item's `qr` beside the rows, large enough for a phone, with the step's prompt under it.
Rows that do not fit are paged with big buttons, a page starting with the first row the
last one cut (`page_offsets`). Back from printing a slip, a line says where to take it.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty

from flows import FlowRun
from flows.content import Item
from kiosk.ui import theme
from kiosk.ui.qr import QrCode
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.screens.itemlist import add_chips
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import LabelledRow, clear_labels

__all__ = [
    "DetailScreen",
    "QrCode",
    "detail_rows",
    "label_column_width",
    "page_offsets",
    "printed_just_now",
]

KV_FILE = Path(__file__).with_suffix(".kv")
ITEM_QR = "item_qr"
PRINT_SLIP = "print_slip"
# The labels' column: as wide as the widest label on one line (a fixed 150 px cut elder
# mode's 4-character labels in two and lost the second line), within these bounds.
LABEL_MIN_WIDTH = 120
ROWS_PADDING = 16  # around the rows on their white ground (detail.kv)
TITLE_FLOOR = 44  # the smallest title (tests/kiosk/ui/helpers.py check_elderly_sizes)
PAGE_MARGIN = 8  # a page starts this far above its first row (less than the rows' spacing)
LABEL_MAX_WIDTH = 300


def label_column_width(labels: Sequence[str], font_size: float) -> float:
    """Room for the widest of `labels` on one line at `font_size`, within the bounds."""
    from kivy.core.text import Label as CoreLabel

    widest = 0.0
    for label in labels:
        core = CoreLabel(text=label, font_size=font_size)
        core.resolve_font_name()
        widest = max(widest, float(core.get_extents(label)[0]))
    return max(LABEL_MIN_WIDTH, min(LABEL_MAX_WIDTH, widest + 4))


def detail_rows(item: Item, lang: str) -> list[tuple[str, str]]:
    """(label, value) lines of an item: its own rows, then how it fits the citizen."""
    rows = [(label.get(lang), value.get(lang)) for label, value in item.rows]
    if item.reasons:
        reasons = "\n".join(reason.get(lang) for reason in item.reasons)
        rows.append((ui_text("how_it_fits", lang), reasons))
    return rows


def page_offsets(
    rows: Sequence[tuple[float, float]], view: float, margin: float = 0
) -> list[float]:
    """Where each page of rows starts, in pixels from the top of the rows.

    `rows` are (top, bottom) of each row from the top. A page starts `margin` above the
    first row the page before did not show whole, so no row is read half; the last page
    too (it used to end with the last row, cutting the row at its top in half, and a page
    ends in empty room rather than show a piece of a row). A row taller than the view is
    passed a whole view at a time.
    """
    if view < 1 or not rows:
        return [0.0]  # not laid out yet
    offsets = [0.0]
    while True:
        start = offsets[-1]
        cut = next((top for top, bottom in rows if bottom > start + view), None)
        if cut is None:
            return offsets
        cut = max(0.0, cut - margin)
        offsets.append(cut if cut > start else start + view)


def printed_just_now(run: FlowRun) -> bool:
    """True when the step before this one printed a slip, and it went well."""
    if len(run.history) < 2 or run.error_message:
        return False
    before = run.flow.steps.get(run.history[-2])
    return before is not None and before.action == PRINT_SLIP


class DetailScreen(StepScreen):
    """Shows a detail step: the item, its rows, its code and the step's buttons."""

    has_qr = BooleanProperty(False)

    def __init__(self, session: UISession, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.page = 0
        self.offsets = [0.0]  # where each page of rows starts
        self._lang = "zh-CN"
        self.ids.pager.on_page = self.turn
        # Once the layout has settled (a row's lines wrap after it was added, the title
        # shrinks): paging on a half-done layout showed a row cut at the view's edge.
        self._place_soon = Clock.create_trigger(self._place)
        for widget in (self.ids.rows, self.ids.scroll):
            widget.bind(height=self._place_soon)
        self.ids.scroll.bind(height=self._fit_title)
        self.ids.pager.bind(shown=self._fit_title)
        self.ids.pager.ids.position.bind(texture_size=self._fit_title)

    def show(self, run: FlowRun) -> None:
        """Fill from the run's current item; the step's title becomes the small line above."""
        super().show(run)
        lang = self._lang = run.lang
        item = run.current_item()
        step = run.step
        self.ids.kicker.text = step.title.get(lang)
        prompt = step.prompt.get(lang) if step.prompt else ""
        payload = item.qr if item is not None and ITEM_QR in step.show and item.qr else ""
        self.has_qr = bool(payload)
        self.ids.qr.payload = payload
        # With a code, the prompt (scan it, or print) goes under the code it speaks of.
        self.ids.qr_label.text = (prompt or ui_text("item_qr", lang)) if payload else ""
        self.ids.prompt.text = "" if payload else prompt
        self.ids.note.text = ui_text("slip_printed", lang) if printed_just_now(run) else ""
        self._clear_item()
        if item is None:
            self.ids.title.text = ""
            return
        self.ids.title.font_size = theme.style.title
        self.ids.title.text = item.title.get(lang)
        add_chips(self.ids.chips, item, lang)
        rows = detail_rows(item, lang)
        # The summary repeats what rows say; it stands in for them when there are none.
        self.ids.summary.text = item.summary.get(lang) if item.summary and not rows else ""
        label_width = label_column_width([label for label, _ in rows], theme.style.small)
        for label, value in rows:
            row = LabelledRow(
                label=label,
                value=value,
                label_width=label_width,
                label_size=theme.style.small,
                value_size=theme.style.body,
                # Elder mode's 1.5x beside a label column wrapped a long value to a row
                # taller than the page: the label goes over the value, which gets the width.
                stacked=theme.style.elder,
            )
            row.bind(height=self._place_soon)
            self.ids.rows.add_widget(row)
        self.page = 0
        self._place()

    def turn(self, step: int) -> None:
        """Show the rows a page on (-1 back); turning is activity too."""
        self.session.touch()
        self.page = max(0, min(len(self.offsets) - 1, self.page + step))
        self._place()

    def _place(self, *_args: object) -> None:
        """Page the rows as laid out now, scroll to the page shown, hide rows it cuts."""
        grid, view = self.ids.rows, float(self.ids.scroll.height)
        rows = list(reversed(grid.children))
        spans = [(grid.top - row.top, grid.top - row.y) for row in rows]
        self.offsets = page_offsets(spans, view, PAGE_MARGIN)
        self.page = min(self.page, len(self.offsets) - 1)
        # The last page starts at a row like the others: room below the rows lets it.
        room = max(0.0, self.offsets[-1] + view - (grid.minimum_height - grid.padding[3]))
        grid.padding[3] = max(ROWS_PADDING, room)
        offset = self.offsets[self.page]
        overflow = grid.height - view
        self.ids.scroll.scroll_y = 1 - offset / overflow if overflow > 0 else 1
        # A row the page shows only a piece of is left for the next page, whole.
        for row, (top, bottom) in zip(rows, spans, strict=True):
            whole = top >= offset - 1 and bottom <= offset + view + 1
            row.opacity = 1 if whole or bottom - top > view or len(self.offsets) == 1 else 0
        self.ids.pager.show(self.page, len(self.offsets), self._lang)

    def _fit_title(self, *_args: object) -> None:
        """A long title (two lines, three in elder mode) takes the pager's room: smaller
        type then, down to a title's floor, until the pager's buttons and page line fit."""
        pager, title = self.ids.pager, self.ids.title
        ids = pager.ids
        need = ids.up.height + ids.down.height + ids.position.texture_size[1] + 2 * pager.spacing
        floor = max(TITLE_FLOOR, theme.style.body)
        if pager.shown and self.ids.scroll.height < need and title.font_size > floor:
            title.font_size = max(floor, title.font_size - 4)

    def _clear_item(self) -> None:
        clear_labels(self.ids.rows)
        clear_labels(self.ids.chips)
        self.ids.summary.text = ""
        self.page = 0
        self.offsets = [0.0]

    def clear(self) -> None:
        """Forget the item, its rows and its code."""
        self._clear_item()
        for key in ("kicker", "note", "qr_label"):
            self.ids[key].text = ""
        self.ids.qr.payload = ""
        self.has_qr = False
        self.ids.pager.clear()
        super().clear()
