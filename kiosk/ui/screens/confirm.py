"""The citizen checks what will be submitted: one large row per value, ID number masked."""

from __future__ import annotations

from pathlib import Path

from flows import FlowRun
from kiosk.ui import theme
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.widgets import TextLabel

KV_FILE = Path(__file__).with_suffix(".kv")


class ConfirmScreen(StepScreen):
    """Shows `run.summary()` and the confirm/back/cancel buttons."""

    def show(self, run: FlowRun) -> None:
        """Fill the rows from the run's summary."""
        super().show(run)
        rows = self.ids.rows
        self._clear_rows()
        for label, value in run.summary():
            rows.add_widget(
                TextLabel(text=label, color=theme.MUTED, font_size=32, size_hint_x=None, width=360)
            )
            rows.add_widget(TextLabel(text=value, bold=True, font_size=34))

    def _clear_rows(self) -> None:
        for row in self.ids.rows.children:
            row.text = ""
        self.ids.rows.clear_widgets()

    def clear(self) -> None:
        """Drop every summary row."""
        self._clear_rows()
        super().clear()
