"""The citizen checks what will be submitted: one large row per value, ID number masked.

A step with declarations shows them under the summary, in the same scrolling page, and its
confirm button reads "承诺属实，确认提交": the one tap that submits is the one that pledges.
A tick box that only unlocks the button would cost a second decision and say nothing the
button's own words do not; the sentences sit directly above the button that names them.
"""

from __future__ import annotations

from pathlib import Path

from flows import FlowRun
from flows.texts import DECLARATIONS_HEADING, button_label
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.widgets import LabelledRow, TextLabel, clear_labels, fill_button_row

KV_FILE = Path(__file__).with_suffix(".kv")


class ConfirmScreen(StepScreen):
    """Shows `run.summary()`, the step's declarations and the confirm/back/cancel buttons."""

    def show(self, run: FlowRun) -> None:
        """Fill the rows from the run's summary, then the declarations the confirm pledges."""
        super().show(run)
        rows = self.ids.rows
        self._clear_rows()
        for label, value in run.summary():
            rows.add_widget(LabelledRow(label=label, value=value))
        lang = run.lang
        declarations = run.step.declarations
        if declarations:
            box = self.ids.declarations
            box.add_widget(TextLabel(text=DECLARATIONS_HEADING.get(lang), bold=True))
            for spec in declarations:
                box.add_widget(TextLabel(text="• " + spec.label.get(lang)))

            def pledging(event: str) -> str:
                return button_label("pledge" if event == "confirm" else event, lang)

            fill_button_row(self.ids.buttons, self.row_events(run), pledging, self.on_button)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) of each row shown, top to bottom."""
        return [(row.label, row.value) for row in reversed(self.ids.rows.children)]

    def declarations(self) -> list[str]:
        """The declaration texts shown, top to bottom (the heading first)."""
        return [label.text for label in reversed(self.ids.declarations.children)]

    def _clear_rows(self) -> None:
        clear_labels(self.ids.rows)
        clear_labels(self.ids.declarations)

    def clear(self) -> None:
        """Drop every summary row and declaration."""
        self._clear_rows()
        super().clear()
