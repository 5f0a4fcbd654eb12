"""Elder mode's form in few decisions: one question a screen, only the open ones asked.

A choice tapped is the answer and the way on (shown taken first); what a default gave, and
what is optional, is shown together to check, each with its change button. Normal mode is
as before: every field on one screen, nothing moves by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kiosk.ui.layout_check import layout_problems
from kiosk.ui.screens.form_pager import FIELD_NEXT, FIELD_PREVIOUS, FIELD_REVIEW, REVIEW
from tests.kiosk.ui.conftest import load_ui_flow
from tests.kiosk.ui.helpers import check_elderly_sizes, open_form, step_buttons, tap, wait

pytestmark = pytest.mark.kivy


@pytest.fixture
def elder_ui(make_port: Any, clock: Any) -> Iterator[Any]:
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow("elder_form"))
    with HeadlessUI(port, clock=clock) as ui:
        yield ui


def choice(form: Any, name: str, value: str) -> Any:
    return next(b for b in form.blocks[name].choices if b.value == value)


def test_a_tap_on_a_choice_moves_on_in_elder_mode_once_it_shows_taken(
    elder_ui: Any, citizen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.ui.screens import form_pager

    # The pause the choice shows taken, longer than a tap's frames on a loaded machine
    # (0.8 s ran out inside the tap there): what is checked is that it waits at all.
    monkeypatch.setattr(form_pager, "ACK_SECONDS", 3.0)
    ui = elder_ui
    form = open_form(ui, citizen, "elder_form", elder=True)
    assert form.pager.asked == [0, 1]  # education and phone: no answer yet
    assert form.pager.field_index == 0
    assert FIELD_NEXT in step_buttons(form)
    tap(ui, choice(form, "education", "senior"))
    # Nothing moves before the citizen can see the choice taken.
    assert choice(form, "education", "senior").state == "down"
    assert form.pager.field_index == 0
    assert form.pager.moving_on
    wait(ui, lambda: form.pager.field_index == 1)
    assert list(form.blocks)[form.pager.field_index] == "phone"
    assert form.ids.fields.children == [form.blocks["phone"]]
    assert not form.pager.moving_on


def test_a_tap_on_a_choice_does_not_move_on_in_normal_mode(elder_ui: Any, citizen: Any) -> None:
    ui = elder_ui
    form = open_form(ui, citizen, "elder_form", elder=False)
    tap(ui, choice(form, "education", "senior"))
    assert not form.pager.moving_on
    ui.frames(5)
    assert set(form.ids.fields.children) == set(form.blocks.values())  # all on one screen
    assert ui.session.run.step.name == "details"


def test_back_returns_to_the_choice_with_the_answer_kept(elder_ui: Any, citizen: Any) -> None:
    ui = elder_ui
    form = open_form(ui, citizen, "elder_form", elder=True)
    tap(ui, choice(form, "education", "senior"))
    wait(ui, lambda: form.pager.field_index == 1)
    tap(ui, step_buttons(form)[FIELD_PREVIOUS])
    assert form.pager.field_index == 0
    assert form.blocks["education"].value == "senior"
    assert choice(form, "education", "senior").state == "down"
    # A second look is not a second answer: without a new tap it stays (下一项 to go on).
    ui.frames(5)
    assert form.pager.field_index == 0
    assert not form.pager.moving_on
    tap(ui, step_buttons(form)[FIELD_NEXT])
    assert form.pager.field_index == 1


def test_the_check_screen_shows_each_prefilled_answer_and_changing_one_works(
    elder_ui: Any, citizen: Any
) -> None:
    ui = elder_ui
    form = open_form(ui, citizen, "elder_form", elder=True)
    assert form.pager.reviewed == [2, 3]  # the default's working hours, the optional note
    tap(ui, choice(form, "education", "junior"))
    wait(ui, lambda: form.pager.field_index == 1)
    form.blocks["phone"].input.text = citizen.phone
    tap(ui, step_buttons(form)[FIELD_NEXT])
    assert form.pager.field_index == REVIEW
    said = [w.text for w in form.ids.fields.walk() if getattr(w, "text", "")]
    assert "我们已为您填好，请核对" in form.ids.context.text
    assert "工作时间：全职" in said
    assert "其他说明：未填写（选填）" in said
    assert set(form.pager.change_buttons) == {"hours", "note"}
    assert check_elderly_sizes(form) == []
    assert layout_problems(form) == []
    # Change one: its question alone, then back to the check screen with the new answer.
    tap(ui, form.pager.change_buttons["hours"])
    assert list(form.blocks)[form.pager.field_index] == "hours"
    assert form.pager.changing
    assert set(step_buttons(form)) == {FIELD_REVIEW, "cancel"}  # no submit from here
    tap(ui, choice(form, "hours", "part"))
    wait(ui, lambda: form.pager.field_index == REVIEW)
    said = [w.text for w in form.ids.fields.walk() if getattr(w, "text", "")]
    assert "工作时间：兼职" in said
    sent: list[dict[str, str]] = []
    submit = ui.session.submit
    ui.session.submit = lambda values: sent.append(values) or submit(values)
    tap(ui, step_buttons(form)["submit"])  # the check screen's submit confirms them all
    assert sent == [{"education": "junior", "phone": citizen.phone, "hours": "part", "note": ""}]
    assert ui.root.current != "form"  # taken: the visit went on


def test_each_question_and_the_check_screen_are_said_aloud(
    make_port: Any, clock: Any, citizen: Any
) -> None:
    from devkit.headless import HeadlessUI
    from tests.kiosk.ui.test_voice import RecordingSpeech

    speech = RecordingSpeech()
    port = make_port(flow=load_ui_flow("elder_form"))
    with HeadlessUI(port, clock=clock, speech=speech) as ui:
        form = open_form(ui, citizen, "elder_form", elder=True)
        tap(ui, choice(form, "education", "junior"))
        wait(ui, lambda: form.pager.field_index == 1)
        assert speech.screen() == ["手机号码"]
        form.blocks["phone"].input.text = citizen.phone
        tap(ui, step_buttons(form)[FIELD_NEXT])
        assert speech.screen() == [
            "我们已为您填好，请核对",
            "工作时间：全职",
            "其他说明：未填写（选填）",
        ]


def test_the_answers_are_kept_and_the_screen_stays_when_the_language_switches(
    elder_ui: Any, citizen: Any
) -> None:
    ui = elder_ui
    form = open_form(ui, citizen, "elder_form", elder=True)
    tap(ui, choice(form, "education", "junior"))
    wait(ui, lambda: form.pager.field_index == 1)
    form.blocks["phone"].input.text = citizen.phone
    tap(ui, step_buttons(form)[FIELD_NEXT])
    ui.session.set_lang("en")
    ui.frames(3)
    assert form.pager.field_index == REVIEW
    assert "We filled these in for you" in form.ids.context.text
    assert form.blocks["education"].value == "junior"
    assert form.blocks["phone"].value == citizen.phone
    assert form.pager.reviewed == [2, 3]
    said = [w.text for w in form.ids.fields.walk() if getattr(w, "text", "")]
    assert "Working hours: Full time" in said
    assert layout_problems(form) == []
    assert check_elderly_sizes(form) == []


def test_elder_mode_switched_on_mid_form_asks_only_the_open_questions(
    elder_ui: Any, citizen: Any
) -> None:
    ui = elder_ui
    form = open_form(ui, citizen, "elder_form", elder=False)
    form.blocks["phone"].input.text = citizen.phone  # typed, not yet submitted
    ui.session.set_elder(True)
    ui.frames(3)
    assert form.pager.one_at_a_time
    assert form.pager.asked == [0, 1]
    assert form.pager.reviewed == [2, 3]
    assert form.pager.field_index == 0
    assert form.blocks["phone"].value == citizen.phone  # the typing kept
