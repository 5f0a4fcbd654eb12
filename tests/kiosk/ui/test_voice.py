"""The touchscreen's voice: each screen says its title and instruction, errors, what to take.

The real App on the headless window with a recording `Speech`; what a screen "says" is what
was queued since the last interrupt (a new screen interrupts the last one's words).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flows import RunRecord
from kiosk.speech.voice import catalog_words
from kiosk.ui.end_notice import EndNotice, take_away
from kiosk.ui.voice import Said, ScreenVoice, end_words
from tests.kiosk.ui.conftest import FakePort
from tests.kiosk.ui.helpers import fill_form, step_buttons, tap
from tests.support.clock import FakeClock


class RecordingSpeech:
    """A `Speech` that notes what it was asked to say, and when it was interrupted."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.default_enabled = enabled
        self._enabled = enabled
        self.said: list[Said] = []
        self.interrupts = 0
        self.resets = 0
        self._since = 0  # where the words of the visible screen begin

    @property
    def enabled(self) -> bool:
        return self._enabled

    def say(self, words: str, lang: str, *, prompt_id: str | None = None) -> None:
        if self._enabled:
            self.said.append(Said(words, lang, prompt_id))

    def say_id(self, message_id: str, lang: str, **params: object) -> None:
        self.say(catalog_words(message_id, lang, **params), lang, prompt_id=message_id)

    def interrupt(self) -> None:
        self.interrupts += 1
        self._since = len(self.said)

    def set_enabled(self, on: bool) -> None:
        self._enabled = on
        if not on:
            self.interrupt()

    def reset(self) -> None:
        self.resets += 1
        self.interrupt()
        self._enabled = self.default_enabled

    def close(self) -> None:
        pass

    def screen(self) -> list[str]:
        """The words said since the last interrupt."""
        return [s.words for s in self.said[self._since :]]


@pytest.fixture
def speech() -> RecordingSpeech:
    return RecordingSpeech()


@pytest.fixture
def spoken(port: FakePort, clock: FakeClock, speech: RecordingSpeech) -> Iterator[Any]:
    from devkit.headless import HeadlessUI

    headless = HeadlessUI(port, clock=clock, idle_return_seconds=10, speech=speech)
    headless.start()
    try:
        yield headless
    finally:
        headless.stop()


def to_form(ui: Any) -> Any:
    tap(ui, ui.root.welcome.tiles[0])
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current == "form")
    return ui.root.steps["form"]


@pytest.mark.kivy
def test_showing_a_step_says_its_title_and_instruction(
    spoken: Any, speech: RecordingSpeech
) -> None:
    assert speech.said == []  # the menu at start-up says nothing: nobody is there yet
    tap(spoken, spoken.root.welcome.tiles[0])
    run = spoken.session.run
    step = run.step
    assert spoken.root.current == "action"
    assert speech.screen() == [step.title.get("zh-CN"), step.prompt.get("zh-CN")]
    assert [s.prompt_id for s in speech.said] == [
        f"{run.flow.id}.{step.name}.title",
        f"{run.flow.id}.{step.name}.prompt",
    ]


@pytest.mark.kivy
def test_the_next_screen_interrupts_the_last_ones_words(
    spoken: Any, speech: RecordingSpeech
) -> None:
    tap(spoken, spoken.root.welcome.tiles[0])
    before = speech.interrupts
    to_form(spoken)
    assert speech.interrupts > before
    assert speech.screen()[0] == spoken.session.run.step.title.get("zh-CN")


@pytest.mark.kivy
def test_a_forms_errors_are_said_as_they_are_shown(spoken: Any, speech: RecordingSpeech) -> None:
    form = to_form(spoken)
    tap(spoken, step_buttons(form)["submit"])
    shown = [b.error.text for b in form.blocks.values() if b.error.text]
    assert shown
    assert speech.screen() == shown


@pytest.mark.kivy
def test_a_language_switch_says_the_step_again_in_the_other_language(
    spoken: Any, speech: RecordingSpeech
) -> None:
    form = to_form(spoken)
    tap(spoken, form.ids.header.ids.language)
    assert speech.screen()[0] == spoken.session.run.step.title.get("en")
    assert speech.said[-1].lang == "en"


@pytest.mark.kivy
def test_the_speaker_in_the_header_switches_the_voice_for_the_visit(
    spoken: Any, speech: RecordingSpeech
) -> None:
    form = to_form(spoken)
    button = form.ids.header.ids.voice
    assert button.text == "语音 开"
    tap(spoken, button)
    assert not speech.enabled
    assert button.text == "语音 关"
    tap(spoken, form.ids.header.ids.language)
    assert speech.screen() == []  # switched off: the relabelled step says nothing
    tap(spoken, button)
    assert speech.enabled
    # switched on, it says the screen it is on
    assert speech.screen()[0] == spoken.session.run.step.title.get("en")


@pytest.mark.kivy
def test_the_end_says_its_title_then_to_take_the_card(
    spoken: Any, speech: RecordingSpeech, citizen: Any
) -> None:
    form = to_form(spoken)
    fill_form(spoken, citizen.form)
    tap(spoken, step_buttons(form)["submit"])
    tap(spoken, step_buttons(spoken.root.steps["confirm"])["confirm"])
    spoken.until(lambda: spoken.root.current == "end")
    assert speech.screen()[-1] == "请取走您的身份证"
    assert spoken.root.end.ids.title.text in speech.screen()


@pytest.mark.kivy
def test_a_cancelled_visit_also_reminds_of_the_card_and_the_menu_ends_the_voices_visit(
    spoken: Any, speech: RecordingSpeech
) -> None:
    form = to_form(spoken)
    tap(spoken, step_buttons(form)["cancel"])
    assert spoken.root.current == "end"
    assert speech.screen()[-1] == "请取走您的身份证"
    speech.set_enabled(False)  # as the speaker would; the next visit starts as configured
    resets = speech.resets
    spoken.session.finish()
    spoken.frames(1)
    assert spoken.root.current == "welcome"
    assert speech.resets == resets + 1
    assert speech.enabled
    assert speech.screen() == []


@pytest.mark.kivy
def test_a_language_switch_on_the_menu_says_the_menus_title(
    spoken: Any, speech: RecordingSpeech
) -> None:
    spoken.session.set_lang("en")
    assert speech.screen() == ["Please choose a service"]


def test_what_to_take_away_is_the_card_asked_for_and_the_paper_printed(
    identity_port: FakePort,
) -> None:
    run = identity_port.new_run("identity_registration", "zh-CN")
    assert take_away(run) == ()
    run.fire("social_card")  # the card step is shown: a card goes into the slot
    assert run.step.action == "read_social_card"
    assert take_away(run) == ("ui.take_social_card",)
    run.session.record = RunRecord(receipt_printed=True)
    assert take_away(run) == ("ui.take_social_card", "ui.take_receipt")
    typed = identity_port.new_run("identity_registration", "zh-CN")
    typed.session.record = RunRecord(slips_printed={"job-1"})
    assert take_away(typed) == ("ui.take_receipt",)


def test_the_end_says_its_title_prompt_then_what_to_take_in_its_language() -> None:
    notice = EndNotice(
        "Done", "Thank you", "KA01", "completed", "en", take_away=("ui.take_id_card",)
    )
    assert end_words(notice) == [
        Said("Done", "en"),
        Said("Thank you", "en"),
        Said("Please take your ID card", "en", "ui.take_id_card"),
    ]


def test_the_menu_after_a_visit_resets_the_voice_and_says_nothing() -> None:
    speech = RecordingSpeech(enabled=False)
    voice = ScreenVoice(speech)
    speech.set_enabled(True)
    voice.welcome("zh-CN", someone_there=False)
    assert speech.resets == 1
    assert not speech.enabled
    assert speech.said == []


@pytest.mark.kivy
def test_elder_mode_switches_the_voice_on_and_says_the_screen(
    port: FakePort, clock: FakeClock
) -> None:
    from devkit.headless import HeadlessUI

    speech = RecordingSpeech(enabled=False)  # a station whose voice is off by default
    headless = HeadlessUI(port, clock=clock, idle_return_seconds=10, speech=speech)
    headless.start()
    try:
        form = to_form(headless)
        assert speech.said == []
        tap(headless, form.ids.header.ids.elder)
        assert headless.session.elder
        assert speech.enabled
        assert speech.screen()[0] == headless.session.run.step.title.get("zh-CN")
    finally:
        headless.stop()


@pytest.mark.kivy
def test_in_elder_mode_the_idle_countdown_is_spoken_and_not_otherwise(
    spoken: Any, speech: RecordingSpeech, clock: FakeClock
) -> None:
    to_form(spoken)
    run = spoken.session.run
    clock.advance(run.seconds_left() - 10)
    spoken.session.tick()
    assert spoken.root.idle.shown
    assert not any(s.prompt_id == "ui.idle_countdown" for s in speech.said)  # normal mode
    spoken.session.keep_going()
    spoken.session.set_elder(True)
    clock.advance(spoken.session.run.seconds_left() - 10)
    spoken.session.tick()
    assert speech.screen() == [catalog_words("ui.idle_countdown", "zh-CN", seconds=10)]
    for _ in range(5):
        clock.advance(1)
        spoken.session.tick()
    assert speech.screen() == ["5"]
