"""The citizen fills in fields: one big labelled box per field, errors in red under each.

In elder mode (长辈模式) a form of several fields asks one at a time, in as few decisions as
normal mode: only the questions still open are asked, one a screen; a tap on a single choice
is the answer and the step (the choice shows taken, then the next question comes by itself
after `ACK_SECONDS`; 上一项 comes back to it, answer kept). What a default or the card
already answered, and what is optional, is not asked one by one: it is shown together on
one "我们已为您填好，请核对" screen, each answer with its 修改 button, and the step's submit
there confirms them all. 上一项 / 下一项 move between the screens; the voice says each one.

Where the form's submit leads to a confirm step, that step lists every answer already (with
a 修改 per answer in elder mode, kiosk/ui/screens/confirm.py): the check screen would say the
same thing a second time, so the last open question goes on to the confirm step by itself
(a choice or a day once it shows taken). A mobile number moves on by itself too once its 11
digits are a valid number: it is complete then, and the only thing left to tap was 下一项.

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
from kivy.uix.boxlayout import BoxLayout

from flows import FieldKind, FlowRun, StepKind
from flows.fields import matches
from flows.texts import button_label
from kiosk.ui import theme
from kiosk.ui.datepicker import DatePicker
from kiosk.ui.end_notice import rated_service_line
from kiosk.ui.field_input import FieldInput
from kiosk.ui.fields import KEYBOARD_KINDS, KEYPAD_KINDS, FieldBlock, RegionNamer
from kiosk.ui.screens.base import StepScreen
from kiosk.ui.session import UISession
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import BigButton, TextLabel, fill_button_row
from pii import InvalidPhone, validate_mobile

# The buttons that move between the questions of a form asked one at a time (elder mode).
FIELD_PREVIOUS = "field_previous"
FIELD_NEXT = "field_next"
FIELD_REVIEW = "field_review"  # an answer of the check screen changed: back to that screen
REVIEW = -1  # `field_index` of the screen of answers to check
# A single choice tapped in elder mode: the time it shows taken before the next question
# comes (long enough to see it, short of a second tap's wait).
ACK_SECONDS = 0.8
CHANGE_WIDTH = 200

_MOVES = (FIELD_PREVIOUS, FIELD_NEXT, FIELD_REVIEW)

KV_FILE = Path(__file__).with_suffix(".kv")

__all__ = ["KEYPAD_KINDS", "FieldBlock", "FormScreen"]


def answer_line(block: FieldBlock, lang: str) -> str:
    """A question and its answer on one line, as the check screen shows and says them."""
    colon = ": " if lang == "en" else "："
    return f"{block.spec.label.get(lang)}{colon}{block.answer_text()}"


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
        self.field_index = 0  # the question on show when they are asked one at a time
        # One a screen: the questions asked in turn, then the answers to check (REVIEW).
        self.asked: list[int] = []
        self.reviewed: list[int] = []
        self.split_one_by_one = False  # the split above was made for one a screen
        # The confirm step after the form lists the answers: no check screen of its own, the
        # last question submits (elder mode, one a screen).
        self.to_confirm = False
        self.from_confirm = False  # shown by a 修改 of the confirm step, for that answer
        self.change_buttons: dict[str, BigButton] = {}  # the check screen's, by field
        self._moving_on: Any = None  # a chosen answer's pending move to the next question
        self._run: FlowRun | None = None
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
        self.field_index = 0
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
                choice.bind(on_release=lambda _b, blk=block: self._answered(blk))
            self.blocks[spec.name] = block
        self.ids.keypad.delete_label = ui_text("delete", run.lang)
        change = self.session.change_field
        self.session.change_field = None
        names = list(self.blocks)
        self.from_confirm = change in names and self.one_at_a_time and self._confirm_follows()
        self._split_questions()
        if self.from_confirm and change is not None:
            # 修改 on the confirm step: that answer alone, then back to the confirm step.
            self.field_index = names.index(change)
        self._place_fields()

    def _confirm_follows(self) -> bool:
        """The form's submit, with the answers on screen now, leads to a confirm step (which
        lists every answer); a route decided by anything but answers keeps the check screen."""
        run = self._run
        if run is None or "submit" not in run.step.on:
            return False
        values = {k: v for k, v in run.session.values.items() if isinstance(v, str)}
        values.update({name: block.value for name, block in self.blocks.items()})
        target = run.step.on["submit"]
        for branch in run.step.branches.get("submit", ()):
            cond = branch.when
            if cond.guard is not None:
                return False
            value = values.get(cond.field or "", "")
            spec = run.flow.find_field(cond.field or "")
            if (bool(value) and matches(spec, value, cond.values)) != cond.negate:
                target = branch.target
                break
        following = run.flow.steps.get(target)
        return following is not None and following.kind is StepKind.CONFIRM

    def _update_to_confirm(self) -> None:
        """Whether the confirm step follows, with the answers given so far (a choice can
        change the route: a graduate goes on to the graduation form first)."""
        self.to_confirm = (
            self.one_at_a_time
            and self._confirm_follows()
            and (bool(self.asked) or self.from_confirm)
        )

    def _split_questions(self) -> None:
        """Asked one a screen: the required questions still open; the rest to check."""
        blocks = list(self.blocks.values())
        self.split_one_by_one = self.one_at_a_time
        self.to_confirm = False
        if not self.one_at_a_time:
            self.asked, self.reviewed = list(range(len(blocks))), []
            return
        self.reviewed = [i for i, b in enumerate(blocks) if b.value or not b.spec.required]
        self.asked = [i for i in range(len(blocks)) if i not in self.reviewed]
        self.field_index = self.asked[0] if self.asked else REVIEW
        # Back from the confirm step with every answer given, the check screen shows them
        # (its back button means "let me see them again"); 修改 there names one answer.
        self._update_to_confirm()

    @property
    def pages(self) -> list[int]:
        """The screens of a form asked one at a time, in order: questions, then REVIEW
        (none where the confirm step after the form shows the answers)."""
        return self.asked + ([REVIEW] if self.reviewed and not self.to_confirm else [])

    @property
    def changing(self) -> bool:
        """An answer of the check screen is on show alone, to change it."""
        return self.one_at_a_time and self.field_index not in self.pages

    @property
    def one_at_a_time(self) -> bool:
        """Elder mode asks the questions of a form one a screen."""
        return bool(theme.style.elder) and len(self.blocks) > 1

    def _place_fields(self) -> None:
        """Put the fields on show (all, or the current one), their buttons, the cursor."""
        run = self._run
        if run is None:
            return
        fields = self.ids.fields
        fields.clear_widgets()
        blocks = list(self.blocks.values())
        self.change_buttons = {}
        if self.one_at_a_time and self.split_one_by_one:
            self._update_to_confirm()  # an earlier answer may have changed the route
        reviewing = self.one_at_a_time and self.field_index == REVIEW
        if reviewing:
            shown = []
            self._place_review(run.lang)
        else:
            shown = [blocks[self.field_index]] if self.one_at_a_time else blocks
        for block in shown:
            fields.add_widget(block)
        # One question a screen: the keypad's column only for a question typed on it.
        self.keypad_used = any(block.spec.kind in KEYPAD_KINDS for block in shown)
        context = [rated_service_line(run, self.session.port.catalog)]
        self.one_question = self.one_at_a_time
        pages = self.pages
        opening = bool(pages) and self.field_index == pages[0]
        self.later_question = self.one_at_a_time and not opening
        if self.one_at_a_time:
            if reviewing:
                where = ui_text("review_title", run.lang)
            elif self.changing:
                where = blocks[self.field_index].spec.label.get(run.lang)
            else:
                n, total = pages.index(self.field_index) + 1, len(pages)
                where = ui_text("field_of", run.lang, n=n, total=total)
            # The step's title with the first screen; after it the count alone (the two
            # on two lines left a date range's boxes below the room).
            title = run.step.title.get(run.lang)
            context.append(f"{title} · {where}" if opening else where)
        self.ids.context.text = "\n".join(line for line in context if line)
        lang = run.lang
        fill_button_row(
            self.ids.buttons,
            self.row_events(run),
            lambda e: ui_text(e, lang) if e in _MOVES else button_label(e, lang),
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

    def _place_review(self, lang: str) -> None:
        """The answers already given, each with its 修改, under one heading."""
        fields = self.ids.fields
        for index in self.reviewed:
            block = list(self.blocks.values())[index]
            row = BoxLayout(spacing=theme.SPACING, size_hint_y=None)
            said = TextLabel(text=answer_line(block, lang))
            change = BigButton(text=ui_text("review_change", lang), min_width=CHANGE_WIDTH)
            change.event = block.spec.name
            change.bind(on_release=lambda _b, i=index: self.go_to_field(i))
            row.add_widget(said)
            row.add_widget(change)
            # As tall as its words or its button, whichever is taller.
            row.bind(minimum_height=row.setter("height"))
            self.change_buttons[block.spec.name] = change
            fields.add_widget(row)

    def row_events(self, run: FlowRun) -> list[str]:
        """The step's buttons; asked one at a time, 上一项 / 下一项 and submit at the last."""
        events = super().row_events(run)
        if not self.one_at_a_time:
            return events
        if self.changing and self.to_confirm:
            # One answer changed from the confirm step: submit goes back to it.
            return [e for e in events if e != "back"]
        if self.changing:
            # One answer of the check screen: back to that screen, the change kept.
            return [e for e in events if e not in ("back", "submit")] + [FIELD_REVIEW]
        pages = self.pages
        where = pages.index(self.field_index)
        last = where == len(pages) - 1
        moves = [FIELD_PREVIOUS] if where > 0 else []
        if moves:
            # 上一项 goes back within the form; the step's own back only from the first
            # question (four buttons of elder mode's English did not fit one row).
            events = [e for e in events if e != "back"]
        if not last:
            events = [e for e in events if e != "submit"] + [FIELD_NEXT]
        return [*moves, *events]

    def go_to_field(self, index: int, *, say: bool = True) -> None:
        """Show question `index` (from 0) of a form asked one at a time, or REVIEW; `say`:
        the voice says it (not when the whole screen is said again, a language switched)."""
        self._stop_moving_on()
        if index != REVIEW or not self.reviewed:
            index = max(0, min(index, len(self.blocks) - 1))
        self.field_index = index
        self.session.touch()
        self._place_fields()
        if say:
            self._say_page()

    def _say_page(self) -> None:
        """The voice says the question now on show, or the answers to check."""
        if self._run is None or not self.one_at_a_time:
            return
        lang = self._run.lang
        if self.field_index == REVIEW:
            blocks = list(self.blocks.values())
            answers = [blocks[i] for i in self.reviewed]
            words = [ui_text("review_title", lang)]
            words += [answer_line(b, lang) for b in answers]
        else:
            block = list(self.blocks.values())[self.field_index]
            words = [block.spec.label.get(lang)]
            if block.spec.hint is not None:
                words.append(block.spec.hint.get(lang))
        self.voice.question(words, lang)

    def step_page(self, forward: bool) -> None:
        """The next (or previous) screen of the form; from a changed answer, its check screen."""
        pages = self.pages
        if self.field_index not in pages:
            self.go_to_field(REVIEW)
            return
        where = pages.index(self.field_index) + (1 if forward else -1)
        self.go_to_field(pages[max(0, min(where, len(pages) - 1))])

    def _picked_from_list(self, box: FieldInput) -> None:
        block = self.blocks.get(box.field_name)
        if block is not None:
            self._answered(block)

    def _answered(self, block: FieldBlock) -> None:
        """A choice tapped, a name taken from the list, a day from the calendar: asked one
        a screen, that tap is the answer and the way on to the next question."""
        if not self.one_at_a_time or self.field_index == REVIEW:
            return
        if list(self.blocks.values())[self.field_index] is not block:
            return
        self._update_to_confirm()
        submits = self._run is not None and "submit" in self.row_events(self._run)
        if self._run is None or (submits and not self.to_confirm):
            return  # the last question before a check screen: submitting is the citizen's
        self.session.touch()
        self._stop_moving_on()
        shown = self.field_index

        def move_on(_dt: float) -> None:
            self._moving_on = None
            if self.field_index != shown or not block.value:
                return
            self._update_to_confirm()
            if submits and self.to_confirm:
                self.submit()  # on to the confirm step, where every answer is checked
            else:
                self.step_page(forward=True)

        # The choice shows taken first: nothing moves before the citizen can see it.
        self._moving_on = Clock.schedule_once(move_on, ACK_SECONDS)

    @property
    def moving_on(self) -> bool:
        """An answer was just taken: the next question comes by itself in a moment."""
        return self._moving_on is not None

    def _stop_moving_on(self) -> None:
        if self._moving_on is not None:
            self._moving_on.cancel()
            self._moving_on = None

    def relabel(self, run: FlowRun) -> None:
        """The form in the run's language, with what was typed and not yet submitted."""
        typed = {name: block.value for name, block in self.blocks.items()}
        index, asked, reviewed = self.field_index, self.asked, self.reviewed
        to_confirm, from_confirm = self.to_confirm, self.from_confirm
        was_one_at_a_time = self.split_one_by_one
        self.show(run)
        for name, value in typed.items():
            if value and name in self.blocks:
                self.blocks[name].set_value(value)
        if self.one_at_a_time and was_one_at_a_time:
            # A language switched: the same screens as before, whatever is answered now.
            # (Elder mode just switched on: the questions as `show` split them.)
            self.asked, self.reviewed, self.to_confirm = asked, reviewed, to_confirm
            self.from_confirm = from_confirm
            self.go_to_field(index, say=False)  # the router says the step again

    def on_button(self, event: str) -> None:
        """Submit checks the fields first; other buttons go to the session directly."""
        self._stop_moving_on()  # a button tapped while an answer moves on: the button wins
        if event == "submit":
            self.submit()
        elif event in _MOVES:
            self.step_page(forward=event != FIELD_PREVIOUS)
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
            if self.one_at_a_time:
                # Back to the first question to answer again, its error under it.
                self.go_to_field(list(self.blocks.values()).index(first))
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
            self._stop_moving_on()  # a digit deleted while it moved on: it stays
            return
        self._answered(block)

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
                self._answered(block)  # the day (the last day of a range) is the answer

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
        self._stop_moving_on()
        self.change_buttons = {}
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
