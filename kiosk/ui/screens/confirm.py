"""The citizen checks what will be submitted: one large row per value, ID number masked.

A step with declarations shows them under the summary, in the same scrolling page, and its
confirm button reads "承诺属实，确认提交": the one tap that submits is the one that pledges.
A tick box that only unlocks the button would cost a second decision and say nothing the
button's own words do not; the sentences sit directly above the button that names them.

In elder mode (长辈模式) the form before it asked one question a screen and had no check
screen of its own (kiosk/ui/screens/form.py): each answer of that form here has its 修改,
which shows that question alone, and its submit comes back here.
"""

from __future__ import annotations

from pathlib import Path

from kivy.uix.boxlayout import BoxLayout

from flows import FlowRun, StepKind
from flows.texts import DECLARATIONS_HEADING, button_label
from kiosk.ui import theme
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import BigButton, LabelledRow, TextLabel, clear_labels, fill_button_row

KV_FILE = Path(__file__).with_suffix(".kv")
CHANGE_WIDTH = 200


def changeable_fields(run: FlowRun) -> dict[str, str]:
    """Field names by the label the summary shows them under: the answers of the form
    this step's back button returns to (none outside elder mode, none without a form)."""
    if not theme.style.elder or "back" not in run.step.on:
        return {}
    try:
        form = run.flow.step(run.route(run.step.name, "back"))
    except (KeyError, ValueError):
        return {}
    if form.kind is not StepKind.FORM:
        return {}
    return {spec.label.get(run.lang): spec.name for spec in form.fields}


def answer_row(label: str, value: str) -> LabelledRow:
    """One answer of the summary; in elder mode at its body size, the label over the value."""
    if not theme.style.elder:
        return LabelledRow(label=label, value=value)
    # An elder checking their answers reads these rows first: they are the screen's main
    # text, so as large as the menu's names (the elder body, 1.5x), never the 32-34 px of
    # the normal rows. Stacked, the value gets the row's whole width beside its 修改 and
    # wraps between words; a label column at 45 px left a long answer 12 characters a line.
    return LabelledRow(
        label=label,
        value=value,
        label_size=theme.style.body,
        value_size=theme.style.body,
        stacked=True,
    )


# Before each declaration: a middle dot, which the CJK font draws (the usual bullet, U+2022,
# it has not: an empty box).
DECLARATION_MARK = "·"


class ConfirmScreen(StepScreen):
    """Shows `run.summary()`, the step's declarations and the confirm/back/cancel buttons."""

    def __init__(self, session: UISession, **kwargs: object) -> None:
        super().__init__(session, **kwargs)
        self.change_buttons: dict[str, BigButton] = {}  # elder mode's 修改, by field name

    def show(self, run: FlowRun) -> None:
        """Fill the rows from the run's summary, then the declarations the confirm pledges."""
        super().show(run)
        rows = self.ids.rows
        self._clear_rows()
        changeable = changeable_fields(run)
        for label, value in run.summary():
            row = answer_row(label, value)
            name = changeable.get(label)
            if name is None:
                rows.add_widget(row)
                continue
            row.pos_hint = {"center_y": 0.5}  # level with its 修改 (a taller target)
            # The answer and its 修改 side by side, as tall as the taller.
            line = BoxLayout(spacing=theme.SPACING, size_hint_y=None)
            line.bind(minimum_height=line.setter("height"))
            change = BigButton(text=ui_text("review_change", run.lang), min_width=CHANGE_WIDTH)
            change.event = name
            change.bind(on_release=lambda _b, n=name: self.change(n))
            line.add_widget(row)
            line.add_widget(change)
            self.change_buttons[name] = change
            rows.add_widget(line)
        lang = run.lang
        declarations = run.step.declarations
        if declarations:
            box = self.ids.declarations
            box.add_widget(TextLabel(text=DECLARATIONS_HEADING.get(lang), bold=True))
            for spec in declarations:
                box.add_widget(TextLabel(text=f"{DECLARATION_MARK} {spec.label.get(lang)}"))

            def pledging(event: str) -> str:
                return button_label("pledge" if event == "confirm" else event, lang)

            fill_button_row(self.ids.buttons, self.row_events(run), pledging, self.on_button)

    def change(self, name: str) -> None:
        """修改: back to the form, showing only the question `name`."""
        self.session.change_field = name
        self.session.fire("back")

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) of each row shown, top to bottom."""
        shown = [
            r.children[-1] if not isinstance(r, LabelledRow) else r for r in self.ids.rows.children
        ]
        return [(row.label, row.value) for row in reversed(shown)]

    def declarations(self) -> list[str]:
        """The declaration texts shown, top to bottom (the heading first)."""
        return [label.text for label in reversed(self.ids.declarations.children)]

    def _clear_rows(self) -> None:
        self.change_buttons = {}
        clear_labels(self.ids.rows)
        clear_labels(self.ids.declarations)

    def clear(self) -> None:
        """Drop every summary row and declaration."""
        self._clear_rows()
        super().clear()
