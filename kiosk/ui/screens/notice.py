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

from kivy.properties import BooleanProperty

from flows import FlowRun
from kiosk.ui.qr import QrCode
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import RECEIPT_QR
from kiosk.ui.strings import ui_text

__all__ = ["NoticeScreen", "QrCode", "is_alarm"]

KV_FILE = Path(__file__).with_suffix(".kv")


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

    def show(self, run: FlowRun) -> None:
        """Fill title, message, the e-receipt code if shown, and the buttons."""
        super().show(run)
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
