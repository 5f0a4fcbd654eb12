"""A message with buttons: something went wrong (retry or cancel), or a choice to make.

A notice reached by a failure, or one that offers to retry, is an alarm: a red "!" and the
failed action's message (or a plain default). Any other notice (how to search, nothing
found) is calm: an "i", its own texts, no talk of retrying; one that follows a submission
that went in (registered) is a success, with a check mark as the end screen's. A notice that shows
`receipt_qr` draws the e-receipt code beside its texts, like the end screen does.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty

from flows import FlowRun
from kiosk.ui import theme
from kiosk.ui.end_notice import RECEIPT_QR
from kiosk.ui.qr import QrCode
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text

__all__ = ["NoticeScreen", "QrCode", "is_alarm", "is_success"]

KV_FILE = Path(__file__).with_suffix(".kv")
TITLE_FLOOR = 44  # the smallest title, as on the end screen


# Actions after which a calm notice tells of a success: the application went in (and
# its receipt was printed or offered as a QR code).
SUCCESS_AFTER = frozenset({"submit", "print_receipt"})


def is_alarm(run: FlowRun) -> bool:
    """True for a notice about a failure: an action's message, or an offer to retry."""
    return bool(run.error_message) or "retry" in run.step.on


def is_success(run: FlowRun) -> bool:
    """True for a notice that follows a submission which went in ("登记成功，请取走回执")."""
    if "retry" in run.step.on or not run.session.record.transaction_number:
        return False
    before = run.history[-2] if len(run.history) > 1 else ""
    step = run.flow.steps.get(before)
    return step is not None and step.action in SUCCESS_AFTER


class NoticeScreen(StepScreen):
    """Shows a notice step: the failure's message or the step's own texts, and buttons."""

    alarm = BooleanProperty(True)
    success = BooleanProperty(False)  # a check mark instead of the "i"
    receipt = BooleanProperty(False)  # the e-receipt QR code is on the page

    def __init__(self, session: UISession, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        # Elder mode's English "Registered - please take your receipt" took two lines of
        # the headline and pushed the mark up over the header: smaller type until the
        # column holds its texts.
        self._fit_soon = Clock.create_trigger(self._fit)
        self.ids.title.parent.bind(height=self._fit_soon)
        for key in ("title", "message", "prompt"):
            self.ids[key].bind(texture_size=self._fit_soon)

    def _fit(self, *_args: object) -> None:
        """The title a step down, then the message and prompt to the small size, then the
        title to a title's floor, until the column holds them (measured at once)."""
        column = self.ids.title.parent
        title = self.ids.title

        def need() -> float:
            fixed = sum(c.height for c in column.children if c.size_hint_y is None)
            return float(fixed + column.spacing * max(0, len(column.children) - 1))

        room = float(column.height - column.padding[1] - column.padding[3])
        small = theme.style.small
        steps = ((title, theme.style.title), (self.ids.message, small),
                 (self.ids.prompt, small), (title, max(TITLE_FLOOR, theme.style.body)))  # fmt: skip
        for label, size in steps:
            if need() <= room + 1:
                return
            if label.font_size > size:
                label.font_size = size
                label.texture_update()

    def show(self, run: FlowRun) -> None:
        """Fill title, message, the e-receipt code if shown, and the buttons."""
        super().show(run)
        # As large as the column allows (`_fit` shrinks them for a long text).
        self.ids.title.font_size = theme.style.headline
        self.ids.message.font_size = 34 * theme.style.scale
        self.ids.prompt.font_size = theme.style.body
        lang = run.lang
        # After a registration went in, a printer that failed says so in the message, but
        # the mark is the success's: the citizen is registered.
        self.success = is_success(run)
        self.alarm = is_alarm(run) and not self.success
        default = ui_text("notice_default", lang) if self.alarm else ""
        self.ids.message.text = run.error_message or default
        record = run.session.record
        url = (record.receipt_url or "") if RECEIPT_QR in run.step.show else ""
        self.receipt = bool(url)
        self.ids.qr.payload = url
        self.ids.qr_label.text = ui_text("receipt_qr", lang) if url else ""
        number = (record.transaction_number or "") if url else ""
        self.ids.number.text = f"{ui_text('transaction', lang)} {number}" if number else ""

    def clear(self) -> None:
        """Forget the message and the code."""
        for key in ("message", "qr_label", "number"):
            self.ids[key].text = ""
        self.ids.qr.payload = ""
        self.receipt = False
        self.success = False
        super().clear()
