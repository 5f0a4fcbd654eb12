"""The citizen checks what will be submitted: one large row per value, ID number masked."""

from __future__ import annotations

from pathlib import Path

from flows import FlowRun
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.widgets import LabelledRow, clear_labels

KV_FILE = Path(__file__).with_suffix(".kv")


class ConfirmScreen(StepScreen):
    """Shows `run.summary()` and the confirm/back/cancel buttons."""

    def show(self, run: FlowRun) -> None:
        """Fill the rows from the run's summary."""
        super().show(run)
        rows = self.ids.rows
        self._clear_rows()
        for label, value in run.summary():
            rows.add_widget(LabelledRow(label=label, value=value))

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) of each row shown, top to bottom."""
        return [(row.label, row.value) for row in reversed(self.ids.rows.children)]

    def _clear_rows(self) -> None:
        clear_labels(self.ids.rows)

    def clear(self) -> None:
        """Drop every summary row."""
        self._clear_rows()
        super().clear()
