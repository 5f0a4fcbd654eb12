"""Something went wrong or needs a choice: say what in plain words, offer retry or cancel."""

from __future__ import annotations

from pathlib import Path

from flows import FlowRun
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.strings import ui_text

KV_FILE = Path(__file__).with_suffix(".kv")


class NoticeScreen(StepScreen):
    """Shows a notice step with the run's error message."""

    def show(self, run: FlowRun) -> None:
        """Fill title, the failed action's message and the buttons."""
        super().show(run)
        self.ids.message.text = run.error_message or ui_text("notice_default", run.lang)

    def clear(self) -> None:
        """Forget the message."""
        self.ids.message.text = ""
        super().clear()
