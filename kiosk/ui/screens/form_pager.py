"""Elder mode's form, one question a screen: which screens there are and which is on show.

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

The form screen (kiosk/ui/screens/form.py) holds one `OneQuestionPager` and asks it which
blocks to show, what the line over them says and which buttons the row has; the pager asks
the form to lay itself out again when the screen on show changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout

from flows import FlowRun, StepKind
from flows.fields import matches
from kiosk.ui import theme
from kiosk.ui.fields import FieldBlock
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import BigButton, TextLabel

if TYPE_CHECKING:
    from kiosk.ui.screens.form import FormScreen

# The buttons that move between the questions of a form asked one at a time (elder mode).
FIELD_PREVIOUS = "field_previous"
FIELD_NEXT = "field_next"
FIELD_REVIEW = "field_review"  # an answer of the check screen changed: back to that screen
MOVES = (FIELD_PREVIOUS, FIELD_NEXT, FIELD_REVIEW)
REVIEW = -1  # `field_index` of the screen of answers to check
# A single choice tapped in elder mode: the time it shows taken before the next question
# comes (long enough to see it, short of a second tap's wait).
ACK_SECONDS = 0.8
CHANGE_WIDTH = 200


def answer_line(block: FieldBlock, lang: str) -> str:
    """A question and its answer on one line, as the check screen shows and says them."""
    colon = ": " if lang == "en" else "："
    return f"{block.spec.label.get(lang)}{colon}{block.answer_text()}"


@dataclass(frozen=True)
class PagerState:
    """The screens of a form as they were, kept while the form is built again."""

    field_index: int
    asked: list[int]
    reviewed: list[int]
    to_confirm: bool
    from_confirm: bool
    split_one_by_one: bool


class OneQuestionPager:
    """Asks a form's questions one a screen in elder mode, then its answers to check."""

    def __init__(self, form: FormScreen) -> None:
        self.form = form
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

    @property
    def one_at_a_time(self) -> bool:
        """Elder mode asks the questions of a form one a screen."""
        return bool(theme.style.elder) and len(self.form.blocks) > 1

    def start(self, change: str | None) -> None:
        """Split the form just built into its screens; `change`: the answer a 修改 of the
        confirm step came back for, shown alone."""
        names = list(self.form.blocks)
        self.field_index = 0
        self.from_confirm = change in names and self.one_at_a_time and self._confirm_follows()
        self._split_questions()
        if self.from_confirm and change is not None:
            # 修改 on the confirm step: that answer alone, then back to the confirm step.
            self.field_index = names.index(change)

    def _confirm_follows(self) -> bool:
        """The form's submit, with the answers on screen now, leads to a confirm step (which
        lists every answer); a route decided by anything but answers keeps the check screen."""
        run = self.form.run
        if run is None or "submit" not in run.step.on:
            return False
        values = {k: v for k, v in run.session.values.items() if isinstance(v, str)}
        values.update({name: block.value for name, block in self.form.blocks.items()})
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
        blocks = list(self.form.blocks.values())
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
    def opening(self) -> bool:
        """The screen on show is the form's first."""
        pages = self.pages
        return bool(pages) and self.field_index == pages[0]

    def place(self, lang: str) -> list[FieldBlock]:
        """The blocks to show now: every one, or the question on show alone; on the check
        screen none, its answers put in the form's fields instead."""
        blocks = list(self.form.blocks.values())
        self.change_buttons = {}
        if not self.one_at_a_time:
            return blocks
        if self.split_one_by_one:
            self._update_to_confirm()  # an earlier answer may have changed the route
        if self.field_index == REVIEW:
            self._place_review(lang)
            return []
        return [blocks[self.field_index]]

    def heading(self, run: FlowRun) -> str:
        """The line over the screen on show: where it is among the form's screens."""
        if self.field_index == REVIEW:
            where = ui_text("review_title", run.lang)
        elif self.changing:
            where = list(self.form.blocks.values())[self.field_index].spec.label.get(run.lang)
        else:
            pages = self.pages
            n, total = pages.index(self.field_index) + 1, len(pages)
            where = ui_text("field_of", run.lang, n=n, total=total)
        # The step's title with the first screen; after it the count alone (the two
        # on two lines left a date range's boxes below the room).
        title = run.step.title.get(run.lang)
        return f"{title} · {where}" if self.opening else where

    def _place_review(self, lang: str) -> None:
        """The answers already given, each with its 修改, under one heading."""
        fields = self.form.ids.fields
        for index in self.reviewed:
            block = list(self.form.blocks.values())[index]
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

    def row_events(self, events: list[str]) -> list[str]:
        """The step's buttons `events`; asked one at a time, 上一项 / 下一项 and submit at
        the last."""
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
        self.stop_moving_on()
        if index != REVIEW or not self.reviewed:
            index = max(0, min(index, len(self.form.blocks) - 1))
        self.field_index = index
        self.form.session.touch()
        self.form.place_fields()
        if say:
            self._say_page()

    def _say_page(self) -> None:
        """The voice says the question now on show, or the answers to check."""
        run = self.form.run
        if run is None or not self.one_at_a_time:
            return
        lang = run.lang
        if self.field_index == REVIEW:
            blocks = list(self.form.blocks.values())
            answers = [blocks[i] for i in self.reviewed]
            words = [ui_text("review_title", lang)]
            words += [answer_line(b, lang) for b in answers]
        else:
            block = list(self.form.blocks.values())[self.field_index]
            words = [block.spec.label.get(lang)]
            if block.spec.hint is not None:
                words.append(block.spec.hint.get(lang))
        self.form.voice.question(words, lang)

    def step_page(self, forward: bool) -> None:
        """The next (or previous) screen of the form; from a changed answer, its check screen."""
        pages = self.pages
        if self.field_index not in pages:
            self.go_to_field(REVIEW)
            return
        where = pages.index(self.field_index) + (1 if forward else -1)
        self.go_to_field(pages[max(0, min(where, len(pages) - 1))])

    def answered(self, block: FieldBlock) -> None:
        """A choice tapped, a name taken from the list, a day from the calendar: asked one
        a screen, that tap is the answer and the way on to the next question."""
        if not self.one_at_a_time or self.field_index == REVIEW:
            return
        if list(self.form.blocks.values())[self.field_index] is not block:
            return
        self._update_to_confirm()
        run = self.form.run
        submits = run is not None and "submit" in self.form.row_events(run)
        if run is None or (submits and not self.to_confirm):
            return  # the last question before a check screen: submitting is the citizen's
        self.form.session.touch()
        self.stop_moving_on()
        shown = self.field_index

        def move_on(_dt: float) -> None:
            self._moving_on = None
            if self.field_index != shown or not block.value:
                return
            self._update_to_confirm()
            if submits and self.to_confirm:
                self.form.submit()  # on to the confirm step, where every answer is checked
            else:
                self.step_page(forward=True)

        # The choice shows taken first: nothing moves before the citizen can see it.
        self._moving_on = Clock.schedule_once(move_on, ACK_SECONDS)

    @property
    def moving_on(self) -> bool:
        """An answer was just taken: the next question comes by itself in a moment."""
        return self._moving_on is not None

    def stop_moving_on(self) -> None:
        """A pending move to the next question is dropped (a button or a key came first)."""
        if self._moving_on is not None:
            self._moving_on.cancel()
            self._moving_on = None

    def wipe(self) -> None:
        """The form's fields are dropped: no move pending, no check screen's buttons."""
        self.stop_moving_on()
        self.change_buttons = {}

    def kept(self) -> PagerState:
        """The screens as they are now, to come back to once the form is built again."""
        return PagerState(
            self.field_index,
            self.asked,
            self.reviewed,
            self.to_confirm,
            self.from_confirm,
            self.split_one_by_one,
        )

    def resume(self, state: PagerState) -> None:
        """A language switched: the same screens as before, whatever is answered now.
        (Elder mode just switched on: the questions as `start` split them.)"""
        if self.one_at_a_time and state.split_one_by_one:
            self.asked, self.reviewed = state.asked, state.reviewed
            self.to_confirm, self.from_confirm = state.to_confirm, state.from_confirm
            self.go_to_field(state.field_index, say=False)  # the router says the step again
