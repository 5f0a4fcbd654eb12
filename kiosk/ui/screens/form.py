"""The citizen fills in fields: one big labelled box per field, errors in red under each.

The keypad column is there only for a step with a field typed on it; a step of choices and
ticks (a rating, a declaration) uses the whole width. A rating started after a transaction
says which service and number it rates.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty

from flows import FlowRun
from kiosk.ui.datepicker import DatePicker
from kiosk.ui.fields import KEYBOARD_KINDS, KEYPAD_KINDS, FieldBlock, RegionNamer
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession, rated_service_line
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import FieldInput

KV_FILE = Path(__file__).with_suffix(".kv")

__all__ = ["KEYPAD_KINDS", "FieldBlock", "FormScreen"]


class FormScreen(StepScreen):
    """Shows a form step and submits it through the session."""

    keypad_used = BooleanProperty(False)  # a field of the step is typed on the keypad

    def __init__(
        self, session: UISession, *, region_name: RegionNamer | None = None, **kwargs: Any
    ) -> None:
        super().__init__(session, **kwargs)
        self.region_name = region_name
        self.blocks: dict[str, FieldBlock] = {}
        self._lang = "zh-CN"
        self.ids.keypad.on_key = self.session.touch
        # Text fields: the kiosk's own keyboard, docked under the form (kiosk/ui/keyboard.py).
        self.keyboard = self.ids.keyboard
        self.keyboard.on_key = self.session.touch
        self.keyboard.on_hide = self.keyboard.hide
        self.keyboard.employers = self._employers
        # The keyboard's room is taken in the next layout: follow the box typed into then.
        self.ids.scroll.bind(height=self._follow_target)
        self.picker: DatePicker | None = None

    def show(self, run: FlowRun) -> None:
        """Build one block per field, prefilled with what this visit already entered."""
        self._wipe_fields()
        super().show(run)
        self._lang = run.lang
        self.keyboard.lang = run.lang
        fields = self.ids.fields
        for spec in run.step.fields:
            block = FieldBlock(spec, run.lang, region_name=self.region_name)
            if spec.name in run.session.values:
                block.set_value(run.session.value(spec.name))
            for box in block.inputs:
                box.bind(focus=self._on_focus, text=self._on_text)
            if block.calendar is not None:
                block.calendar.bind(on_release=lambda _b, blk=block: self.open_picker(blk))
            self.blocks[spec.name] = block
            fields.add_widget(block)
        self.keypad_used = any(spec.kind in KEYPAD_KINDS for spec in run.step.fields)
        self.ids.context.text = rated_service_line(run, self.session.port.catalog)
        self.ids.keypad.delete_label = ui_text("delete", run.lang)
        self.ids.scroll.scroll_y = 1
        first = next((box for b in self.blocks.values() for box in b.inputs), None)
        self._target(first)
        if first is not None:
            # A blinking cursor in the first box shows where typing will go.
            first.focus = True

    def relabel(self, run: FlowRun) -> None:
        """The form in the run's language, with what was typed and not yet submitted."""
        typed = {name: block.value for name, block in self.blocks.items()}
        self.show(run)
        for name, value in typed.items():
            if value and name in self.blocks:
                self.blocks[name].set_value(value)

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
            block.set_error(block.explain(errors.get(name, "")))
        if errors:
            first = next(b for n, b in self.blocks.items() if n in errors)
            self._reveal(first)
            box = first.box_to_fix()
            if box is not None:
                # The keypad and cursor go where the first mistake is.
                box.focus = True
        return errors

    def _on_focus(self, box: FieldInput, focused: bool) -> None:
        if focused:
            self._target(box)
            block = self.blocks.get(box.field_name)
            if block is not None:
                # The keypad types into a box the citizen can see; again once the docked
                # keyboard has taken its room (the next frame's layout).
                self._reveal(block)
                if self.keyboard.shown:
                    Clock.schedule_once(lambda _dt: self._reveal_box(box), 0)

    def _follow_target(self, *_args: object) -> None:
        if self.keyboard.shown and self.keyboard.target is not None:
            box = self.keyboard.target
            Clock.schedule_once(lambda _dt: self._reveal_box(box), 0)

    def _reveal_box(self, box: FieldInput) -> None:
        """Under the docked keyboard the room is short: the box itself, at the bottom."""
        scroll, fields = self.ids.scroll, self.ids.fields
        room = fields.height - scroll.height
        if box.parent is None or room <= 0:
            return
        # The box's bottom in the fields' coordinates (it sits in rows and blocks).
        bottom = fields.to_widget(*box.to_window(box.x, box.y))[1]
        scroll.scroll_y = max(0.0, min(1.0, (bottom - 12) / room))

    def _reveal(self, block: FieldBlock) -> None:
        """Scroll `block` into view; fields that all fit stay at the top, where they start."""
        scroll = self.ids.scroll
        if self.ids.fields.height > scroll.height:
            scroll.scroll_to(block, padding=20, animate=False)
        else:
            scroll.scroll_y = 1

    def _on_text(self, box: FieldInput, _text: str) -> None:
        # Typing on a hardware keyboard or IME is activity too.
        self.session.touch()
        block = self.blocks.get(box.field_name)
        if block is not None:
            block.refresh_status()

    def _employers(self) -> list[Any]:
        employers = getattr(self.session.port, "employers", None)
        return list(employers()) if callable(employers) else []

    def open_picker(self, block: FieldBlock) -> DatePicker:
        """The date picker for `block`'s targeted box (else its first empty one)."""
        box = self.ids.keypad.target if self.ids.keypad.target in block.inputs else None
        box = box or block.box_to_fix()
        if box is None:
            raise ValueError(f"{block.spec.name} has no date box")
        self.session.touch()
        self._target(box)

        def pick(iso: str) -> None:
            box.text = iso
            self.session.touch()

        self.picker = DatePicker(
            block.spec,
            self._lang,
            today=self.session.port.now().date(),
            typed=str(box.text),
            on_pick=pick,
            on_type=lambda: setattr(box, "focus", True),
        )
        self.picker.open(animation=False)
        return self.picker

    def _target(self, box: FieldInput | None) -> None:
        """Point the keypad at a box typed on the keypad, or hide it."""
        keypad = self.ids.keypad
        block = self.blocks.get(box.field_name) if box is not None else None
        self._dock_keyboard(box, block)
        extra = KEYPAD_KINDS.get(block.spec.kind) if block is not None else None
        panel = self.ids.keypad_panel
        if box is None or block is None or extra is None:
            keypad.target = None
            panel.opacity = 0
            panel.disabled = True
            self.ids.keypad_field.text = ""
            return
        keypad.target = box
        keypad.extra_key = extra
        panel.opacity = 1
        panel.disabled = False
        label = block.spec.label.get(self._lang)
        part = block.part_label(box)
        self.ids.keypad_field.text = f"{label} · {part}" if part else label
        self.ids.keypad_hint.text = ui_text("keypad_hint", self._lang)

    def _dock_keyboard(self, box: FieldInput | None, block: FieldBlock | None) -> None:
        """The docked keyboard for a text box, folded away for anything else."""
        if box is None or block is None or block.spec.kind not in KEYBOARD_KINDS:
            self.keyboard.hide()
            return
        first = None if self.keyboard.shown else ("abc" if self._lang == "en" else "pinyin")
        self.keyboard.show(box, mode=first, pick_list=block.spec.choices_from == "employers")

    def _wipe_fields(self) -> None:
        for block in self.blocks.values():
            for box in block.inputs:
                box.unbind(focus=self._on_focus, text=self._on_text)
            block.wipe()
        self.blocks = {}
        self.ids.fields.clear_widgets()
        self._target(None)

    def clear(self) -> None:
        """Empty every box and error, then drop the fields."""
        if self.picker is not None:
            self.picker.dismiss(animation=False)
            self.picker = None
        self.keyboard.forget()
        self._wipe_fields()
        self.ids.keypad_hint.text = ""
        self.ids.context.text = ""
        super().clear()
