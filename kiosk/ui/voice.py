"""What the touchscreen says aloud, screen by screen. No Kivy here.

The router calls `ScreenVoice` wherever a screen is shown (kiosk/ui/root.py): a step says
its title, its instruction and the error it shows; the end of a visit says its title and
prompt, then what to take away (the card, the receipt); the form says its field errors.
Each new screen interrupts the last one's words. The menu speaks only when someone is
evidently there (they switched its language); a return to the menu after a visit ends the
voice's visit (`Speech.reset`: silence, and the kiosk's default on or off again).

A flow text's recorded clip is named `<flow id>.<step>.title` or `.prompt`; a catalog
message's clip by its code (`ui.take_receipt`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.speech import Speech
from kiosk.speech.voice import catalog_words

if TYPE_CHECKING:
    # The flow engine loads with the first visit, not for the menu (docs/touchscreen.md).
    from flows import FlowRun
    from kiosk.ui.end_notice import EndNotice


@dataclass(frozen=True)
class Said:
    """One thing said: its words, their language, the clip that may say them."""

    words: str
    lang: str
    prompt_id: str | None = None


def step_words(run: FlowRun) -> list[Said]:
    """A step's title, instruction and error, in the run's language."""
    lang = run.lang
    step = run.step
    prefix = f"{run.flow.id}.{step.name}"
    said = [Said(step.title.get(lang), lang, f"{prefix}.title")]
    if step.prompt:
        said.append(Said(step.prompt.get(lang), lang, f"{prefix}.prompt"))
    if run.error_message:
        said.append(Said(run.error_message, lang))
    return said


def end_words(notice: EndNotice) -> list[Said]:
    """The end of a visit: its title and prompt, then what to take away."""
    lang = notice.lang
    said = [Said(notice.title, lang), Said(notice.prompt, lang)]
    said += [Said(catalog_words(code, lang), lang, code) for code in notice.take_away]
    return said


class ScreenVoice:
    """Speaks each screen as it is shown; the header's speaker switch goes through it."""

    def __init__(self, speech: Speech) -> None:
        self.speech = speech
        self._shown: list[Said] = []  # the visible screen's words, said again when switched on
        self._counting: int | None = None  # the idle countdown's last second said

    @property
    def enabled(self) -> bool:
        """True while the voice is on for this visit."""
        return self.speech.enabled

    def step(self, run: FlowRun) -> None:
        """A step screen was shown (or shown again in another language)."""
        self._screen(step_words(run))

    def end(self, notice: EndNotice) -> None:
        """The end screen was shown."""
        self._screen(end_words(notice))

    def welcome(self, lang: str, *, someone_there: bool) -> None:
        """The menu was shown: after a visit, the voice's visit ends too."""
        if not someone_there:
            self._shown = []
            self.speech.reset()
            return
        self._screen([Said(catalog_words("ui.choose_service", lang), lang, "ui.choose_service")])

    def question(self, words: Sequence[str], lang: str) -> None:
        """Elder mode's next question of a form (or its answers to check) came on screen."""
        self._screen([Said(w, lang) for w in words])

    def errors(self, messages: Sequence[str], lang: str) -> None:
        """Errors shown on the visible screen (a form's fields), said instead of its words."""
        self.speech.interrupt()
        for message in messages:
            self.speech.say(message, lang)

    def elder(self, on: bool) -> None:
        """Elder mode switched: on, the voice comes on too (and says the screen) unless the
        citizen had it on already; off, the voice stays as it is."""
        if on and not self.speech.enabled:
            self.toggle()

    def countdown(self, seconds: int, lang: str) -> None:
        """The touch-to-continue countdown: the whole sentence when it appears, then the
        last seconds as numbers."""
        first = self._counting is None or seconds > self._counting
        self._counting = seconds
        if first:
            self.speech.interrupt()
            self.speech.say_id("ui.idle_countdown", lang, seconds=seconds)
        elif seconds <= 5:
            self.speech.interrupt()
            self.speech.say(str(seconds), lang)

    def toggle(self) -> bool:
        """The speaker in the header: switch the voice; switched on, it says the screen again."""
        on = not self.speech.enabled
        self.speech.set_enabled(on)
        if on:
            self._say(self._shown)
        return on

    def _screen(self, said: list[Said]) -> None:
        self._shown = said
        self._counting = None
        self.speech.interrupt()
        self._say(said)

    def _say(self, said: Sequence[Said]) -> None:
        for item in said:
            if item.words.strip():
                self.speech.say(item.words, item.lang, prompt_id=item.prompt_id)
