"""The citizen fills in fields: one big labelled box per field, errors in red under each.

In elder mode a form of several fields asks one question a screen: which screens there are,
which is on show and the moves between them are the pager's (`OneQuestionPager`,
kiosk/ui/screens/form_pager.py), which this screen holds and asks what to show.

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
from kivy.properties import BooleanProperty, NumericProperty

from flows import FieldKind, FlowRun
from flows.texts import button_label
from kiosk.ui import theme
from kiosk.ui.datepicker import DatePicker
from kiosk.ui.end_notice import rated_service_line
from kiosk.ui.field_input import FieldInput
from kiosk.ui.fields import KEYBOARD_KINDS, KEYPAD_KINDS, FieldBlock, RegionNamer
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.screens.form_pager import (
    FIELD_NEXT,
    FIELD_PREVIOUS,
    FIELD_REVIEW,
    MOVES,
    OneQuestionPager,
)
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import fill_button_row
from pii import InvalidPhone, validate_mobile

KV_FILE = Path(__file__).with_suffix(".kv")

__all__ = ["KEYPAD_KINDS", "FieldBlock", "FormScreen"]


class FormScreen(StepScreen):
    """Shows a form step and submits it through the session."""

    keypad_used = BooleanProperty(False)  # a field on show is typed on the keypad
    # Elder mode with the docked keyboard up: the form's bar and margins are thinner.
    squeezed = BooleanProperty(False)
    one_question = BooleanProperty(False)  # elder mode: the form asked one question a screen
    later_question = BooleanProperty(False)  # ... and the one on show is not the first
    bar_height = NumericProperty(theme.BUTTON_HEIGHT)

    def __init__(
        self, session: UISession, *, region_name: RegionNamer | None = None, **kwargs: Any
    ) -> None:
        super().__init__(session, **kwargs)
        self.region_name = region_name
        self.blocks: dict[str, FieldBlock] = {}
        self._lang = "zh-CN"
        self.ids.keypad.on_key = self._keyed
        self._run: FlowRun | None = None
        self.pager = OneQuestionPager(self)  # elder mode: the questions one a screen
        # Text fields: the kiosk's own keyboard, docked under the form (kiosk/ui/keyboard.py).
        self.keyboard = self.ids.keyboard
        self.keyboard.on_key = self.session.touch
        self.keyboard.on_hide = self.keyboard.hide
        self.keyboard.on_list_pick = self._picked_from_list
        self.keyboard.employers = self._employers
        # The keyboard's room is taken in the next layout: follow the box typed into then.
        self.ids.scroll.bind(height=self._follow_target)
        self.picker: DatePicker | None = None
        self.keyboard.bind(shown=self._fit_bar)
        theme.style.bind(elder=self._fit_bar, button_height=self._fit_bar)

    def _fit_bar(self, *_args: object) -> None:
        """Elder mode's one question and its box above the keyboard: the room under the
        header was 120 px for 170 of label and box (the box sat below the visible area)."""
        self.squeezed = bool(theme.style.elder and self.keyboard.shown)
        self.bar_height = theme.style.touch_min if self.squeezed else theme.style.button_height
        for button in self.ids.buttons.children:
            button.height = self.bar_height
        # Above the keyboard a field's hint gives way to its box (back when it folds).
        for block in self.blocks.values():
            hint = block.hint
            if hint is None:
                continue
            if self.squeezed and hint.parent is block:
                block.remove_widget(hint)
            elif not self.squeezed and hint.parent is None:
                block.add_widget(hint, index=len(block.children) - 1)  # under the label

    def show(self, run: FlowRun) -> None:
        """Build one block per field, prefilled with what this visit already entered."""
        self._wipe_fields()
        super().show(run)
        self._lang = run.lang
        self._run = run
        self.keyboard.lang = run.lang
        for spec in run.step.fields:
            block = FieldBlock(spec, run.lang, region_name=self.region_name)
            if spec.name in run.session.values or spec.default:
                block.set_value(run.shown_value(spec))  # the answer so far, or the default
            for box in block.inputs:
                box.bind(focus=self._on_focus, text=self._on_text)
            if block.calendar is not None:
                block.calendar.bind(on_release=lambda _b, blk=block: self.open_picker(blk))
            for choice in block.choices:
                choice.bind(on_release=lambda _b, blk=block: self.pager.answered(blk))
            self.blocks[spec.name] = block
        self.ids.keypad.delete_label = ui_text("delete", run.lang)
        change = self.session.change_field
        self.session.change_field = None
        self.pager.start(change)
        self.place_fields()

    @property
    def run(self) -> FlowRun | None:
        """The run whose step is on show; None once the screen is cleared."""
        return self._run

    def place_fields(self) -> None:
        """Put the fields on show (all, or the current one), their buttons, the cursor."""
        run = self._run
        if run is None:
            return
        fields = self.ids.fields
        fields.clear_widgets()
        pager = self.pager
        shown = pager.place(run.lang)
        for block in shown:
            fields.add_widget(block)
        # One question a screen: the keypad's column only for a question typed on it.
        self.keypad_used = any(block.spec.kind in KEYPAD_KINDS for block in shown)
        context = [rated_service_line(run, self.session.port.catalog)]
        self.one_question = pager.one_at_a_time
        self.later_question = pager.one_at_a_time and not pager.opening
        if pager.one_at_a_time:
            context.append(pager.heading(run))
        self.ids.context.text = "\n".join(line for line in context if line)
        lang = run.lang
        fill_button_row(
            self.ids.buttons,
            self.row_events(run),
            lambda e: ui_text(e, lang) if e in MOVES else button_label(e, lang),
            self.on_button,
        )
        for button in self.ids.buttons.children:
            if getattr(button, "event", "") in (FIELD_NEXT, FIELD_REVIEW):
                button.primary = True  # the way forward until the last question
        self._fit_bar()
        self.ids.scroll.scroll_y = 1
        # A blinking cursor shows where typing will go, when the first question is typed.
        # A box further down is not focused: its keypad or docked keyboard would scroll the
        # questions above it out of sight (a citizen then swipes back up and hides it).
        first = shown[0].input if shown else None
        self._target(first)
        if first is not None:
            first.focus = True

    def row_events(self, run: FlowRun) -> list[str]:
        """The step's buttons; asked one at a time, 上一项 / 下一项 and submit at the last."""
        return self.pager.row_events(super().row_events(run))

    def _picked_from_list(self, box: FieldInput) -> None:
        block = self.blocks.get(box.field_name)
        if block is not None:
            self.pager.answered(block)

    def relabel(self, run: FlowRun) -> None:
        """The form in the run's language, with what was typed and not yet submitted."""
        typed = {name: block.value for name, block in self.blocks.items()}
        pages = self.pager.kept()
        self.show(run)
        for name, value in typed.items():
            if value and name in self.blocks:
                self.blocks[name].set_value(value)
        self.pager.resume(pages)

    def on_button(self, event: str) -> None:
        """Submit checks the fields first; other buttons go to the session directly."""
        self.pager.stop_moving_on()  # a button tapped while an answer moves on: the button wins
        if event == "submit":
            self.submit()
        elif event in MOVES:
            self.pager.step_page(forward=event != FIELD_PREVIOUS)
        else:
            self.session.fire(event)

    def submit(self) -> dict[str, str]:
        """Hand the values to the run; show each field's error under it."""
        values = {name: block.value for name, block in self.blocks.items()}
        errors = self.session.submit(values)
        shown = {name: block.explain(errors.get(name, "")) for name, block in self.blocks.items()}
        for name, block in self.blocks.items():
            block.set_error(shown[name])
        if errors:
            self.voice.errors([said for said in shown.values() if said], self._lang)
            first = next(b for n, b in self.blocks.items() if n in errors)
            if self.pager.one_at_a_time:
                # Back to the first question to answer again, its error under it.
                self.pager.go_to_field(list(self.blocks.values()).index(first))
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
        if self.one_question:
            # One question a screen: from its top, the question over its box (the box put
            # at the bottom of the room cut the question off).
            scroll.scroll_y = 1
            return
        if box.parent is None or room <= 0:
            return
        # The box's bottom in the fields' coordinates (it sits in rows and blocks).
        bottom = fields.to_widget(*box.to_window(box.x, box.y))[1]
        scroll.scroll_y = max(0.0, min(1.0, (bottom - 12) / room))

    def _reveal(self, block: FieldBlock) -> None:
        """Scroll `block` into view; fields that all fit stay at the top, where they start."""
        scroll = self.ids.scroll
        if self.one_question:
            scroll.scroll_y = 1  # its question over its box, from the top
        elif self.ids.fields.height > scroll.height:
            scroll.scroll_to(block, padding=20, animate=False)
        else:
            scroll.scroll_y = 1

    def _keyed(self) -> None:
        """A key of the keypad: activity; a valid mobile number complete, the answer."""
        self.session.touch()
        box = self.ids.keypad.target
        block = self.blocks.get(box.field_name) if box is not None else None
        if block is None or block.spec.kind is not FieldKind.MOBILE:
            return
        try:
            validate_mobile(block.value)
        except InvalidPhone:
            self.pager.stop_moving_on()  # a digit deleted while it moved on: it stays
            return
        self.pager.answered(block)

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
            # A range's first day taken: the calendar button goes on to its empty last day.
            following = block.box_to_fix()
            if following is not None and following is not box and not str(following.text):
                self._target(following)
            elif block.spec.kind in (FieldKind.DATE, FieldKind.DATE_RANGE):
                self.pager.answered(block)  # the day (the last day of a range) is the answer

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
        named = f"{label} · {part}" if part else label
        self.ids.keypad_field.text = part if self.one_question else named
        self.ids.keypad_hint.text = ui_text("keypad_hint", self._lang)

    def _dock_keyboard(self, box: FieldInput | None, block: FieldBlock | None) -> None:
        """The docked keyboard for a text box, folded away for anything else."""
        if box is None or block is None or block.spec.kind not in KEYBOARD_KINDS:
            self.keyboard.hide()
            return
        first = None if self.keyboard.shown else ("abc" if self._lang == "en" else "pinyin")
        self.keyboard.show(box, mode=first, pick_list=block.spec.choices_from == "employers")

    def _wipe_fields(self) -> None:
        self.pager.wipe()
        for block in self.blocks.values():
            for box in block.inputs:
                box.unbind(focus=self._on_focus, text=self._on_text)
            block.wipe()
        self.blocks = {}
        self._run = None
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
