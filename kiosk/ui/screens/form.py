"""The citizen fills in fields: one big labelled box per field, errors in red under each."""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from flows import FieldKind, FieldSpec, FlowRun
from kiosk.ui import theme
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import ChoiceButton, FieldInput, TextLabel, wipe_text_input

KV_FILE = Path(__file__).with_suffix(".kv")

# Kinds typed on the on-screen keypad, with the one extra key each needs.
KEYPAD_KINDS: dict[FieldKind, str] = {
    FieldKind.MOBILE: "",
    FieldKind.ID_NUMBER: "X",
    FieldKind.DATE: "-",
}


def _keep(allowed: str) -> Callable[[str, bool], str]:
    """An input filter that drops characters not in `allowed` (X typed as x is kept as X)."""

    def keep(text: str, _from_undo: bool) -> str:
        return "".join(c for c in text.upper() if c in allowed)

    return keep


_FILTERS: dict[FieldKind, Callable[[str, bool], str]] = {
    FieldKind.MOBILE: _keep("0123456789"),
    FieldKind.ID_NUMBER: _keep("0123456789X"),
    FieldKind.DATE: _keep("0123456789-"),
}


class FieldBlock(BoxLayout):
    """Label, hint, input (or choices) and error line of one field."""

    def __init__(self, spec: FieldSpec, lang: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.label = TextLabel(text=spec.label.get(lang), bold=True, font_size=32)
        self.add_widget(self.label)
        self.hint: TextLabel | None = None
        if spec.hint is not None:
            self.hint = TextLabel(text=spec.hint.get(lang), font_size=28, color=theme.MUTED)
            self.add_widget(self.hint)
        self.input: FieldInput | None = None
        self.choices: list[ChoiceButton] = []
        if spec.kind is FieldKind.CHOICE:
            # Two per row: long English labels still fit in two lines at body size.
            grid = GridLayout(cols=2, spacing=16, size_hint_y=None)
            grid.bind(minimum_height=grid.setter("height"))
            for choice in spec.choices:
                button = ChoiceButton(
                    text=choice.label.get(lang), value=choice.value, group=f"choice-{spec.name}"
                )
                self.choices.append(button)
                grid.add_widget(button)
            self.add_widget(grid)
        else:
            self.input = FieldInput(field_name=spec.name)
            if spec.kind in _FILTERS:
                self.input.input_filter = _FILTERS[spec.kind]
                self.input.input_type = "number"
            self.add_widget(self.input)
        self.error = TextLabel(text="", font_size=28, color=theme.ERROR, bold=True)
        self.add_widget(self.error)

    @property
    def value(self) -> str:
        """What the citizen entered or chose."""
        if self.input is not None:
            return str(self.input.text)
        return next((b.value for b in self.choices if b.state == "down"), "")

    def set_value(self, value: str) -> None:
        """Prefill (back from the confirm screen)."""
        if self.input is not None:
            self.input.text = value
            self.input.reset_undo()
        for button in self.choices:
            button.state = "down" if button.value == value else "normal"

    def set_error(self, message: str) -> None:
        """Show `message` in red under the field, or nothing."""
        self.error.text = message

    def wipe(self) -> None:
        """Empty the input and the error; forget the choice."""
        if self.input is not None:
            wipe_text_input(self.input)
        for button in self.choices:
            button.state = "normal"
        self.error.text = ""


class FormScreen(StepScreen):
    """Shows a form step and submits it through the session."""

    def __init__(self, session: UISession, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.blocks: dict[str, FieldBlock] = {}
        self._lang = "zh-CN"
        self.ids.keypad.on_key = self.session.touch

    def show(self, run: FlowRun) -> None:
        """Build one block per field, prefilled with what this visit already entered."""
        self._wipe_fields()
        super().show(run)
        self._lang = run.lang
        fields = self.ids.fields
        for spec in run.step.fields:
            block = FieldBlock(spec, run.lang)
            if spec.name in run.session.values:
                block.set_value(run.session.value(spec.name))
            if block.input is not None:
                block.input.bind(focus=self._on_focus, text=self._on_text)
            self.blocks[spec.name] = block
            fields.add_widget(block)
        self.ids.keypad.delete_label = ui_text("delete", run.lang)
        self.ids.scroll.scroll_y = 1
        first = next((b for b in self.blocks.values() if b.input is not None), None)
        self._target(first)
        if first is not None and first.input is not None:
            # A blinking cursor in the first box shows where typing will go.
            first.input.focus = True

    def on_button(self, event: str) -> None:
        """Submit checks the fields first; other buttons go to the session directly."""
        if event == "submit":
            self.submit()
        else:
            self.session.fire(event)

    def submit(self) -> dict[str, str]:
        """Hand the values to the run; show each field's error under it."""
        values = {name: block.value for name, block in self.blocks.items()}
        errors = self.session.submit(values)
        for name, block in self.blocks.items():
            block.set_error(errors.get(name, ""))
        if errors:
            first = next(b for n, b in self.blocks.items() if n in errors)
            self.ids.scroll.scroll_to(first, padding=20, animate=False)
        return errors

    def _on_focus(self, box: FieldInput, focused: bool) -> None:
        if focused:
            self._target(self.blocks[box.field_name])

    def _on_text(self, _box: FieldInput, _text: str) -> None:
        # Typing on a hardware keyboard or IME is activity too.
        self.session.touch()

    def _target(self, block: FieldBlock | None) -> None:
        """Point the keypad at a numeric field, or hide it."""
        keypad = self.ids.keypad
        extra = KEYPAD_KINDS.get(block.spec.kind) if block is not None else None
        panel = self.ids.keypad_panel
        if block is None or block.input is None or extra is None:
            keypad.target = None
            panel.opacity = 0
            panel.disabled = True
            self.ids.keypad_field.text = ""
            return
        keypad.target = block.input
        keypad.extra_key = extra
        panel.opacity = 1
        panel.disabled = False
        self.ids.keypad_field.text = block.spec.label.get(self._lang)
        self.ids.keypad_hint.text = ui_text("keypad_hint", self._lang)

    def _wipe_fields(self) -> None:
        for block in self.blocks.values():
            if block.input is not None:
                block.input.unbind(focus=self._on_focus, text=self._on_text)
            block.wipe()
        self.blocks = {}
        self.ids.fields.clear_widgets()
        self._target(None)

    def clear(self) -> None:
        """Empty every box and error, then drop the fields."""
        self._wipe_fields()
        self.ids.keypad_hint.text = ""
        super().clear()
