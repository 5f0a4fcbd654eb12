"""What every step screen shares: the header band, the button row and forgetting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.progress import step_counter
from flows.texts import button_label
from kiosk.speech import SilentSpeech
from kiosk.ui import theme
from kiosk.ui.session import UISession
from kiosk.ui.strings import LANGUAGE_NAMES, ui_text
from kiosk.ui.voice import ScreenVoice
from kiosk.ui.widgets import KeptTexts, KioskScreen, fill_button_row, texture_bytes

if TYPE_CHECKING:
    # The flow engine loads with the first visit, not for the menu (docs/touchscreen.md).
    from flows import FlowRun


def _other_language(lang: str) -> str:
    return next(other for other in LANGUAGE_NAMES if other != lang)


class StepScreen(KioskScreen):
    """A screen that shows the current step of a run."""

    def __init__(self, session: UISession, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.voice = ScreenVoice(SilentSpeech())  # the router gives every screen the kiosk's
        # Where the opening step's texts are kept between visits (the router gives every
        # step screen the kiosk's one; None: a screen forgets them all, as alone in a test).
        self.keeper: KeptTexts | None = None
        self._opening = False  # the step shown is the first of its run
        self._shown: tuple[object, ...] = ()  # what the texts on the screen are of
        self.ids.header.ids.language.bind(on_release=self._switch_language)
        self.ids.header.ids.help.bind(on_release=lambda _b: self.session.ask_help())
        self.ids.header.ids.voice.bind(on_release=self._toggle_voice)
        self.ids.header.ids.elder.bind(on_release=lambda _b: self.session.toggle_elder())

    def show(self, run: FlowRun) -> None:
        """Fill the screen from the run's current step."""
        lang = run.lang
        step = run.step
        # The step a tap on a menu tile opens: its texts may stay after the visit (`clear`).
        self._opening = len(run.history) == 1
        shown = (run.flow.id, step.name, lang, theme.style.elder)
        if self.keeper is not None and self.keeper.holds(self):
            self.keeper.drop(self)
            if shown != self._shown:  # another step, language or mode: blanked as unkept
                self._forget_texts()
        self._shown = shown
        header = self.ids.header.ids
        header.flow_title.text = run.flow.title.get(lang)
        position = step_counter(run)
        header.step_label.text = (
            ui_text("step", lang, n=position[0], total=position[1]) if position else ""
        )
        header.help.text = ui_text("help", lang)
        # The other language, by its own name: one tap on every step screen.
        header.language.text = LANGUAGE_NAMES[_other_language(lang)]
        self._label_voice(lang)
        header.elder.text = ui_text("elder_on", lang)
        self.ids.title.text = step.title.get(lang)
        self.ids.prompt.text = step.prompt.get(lang) if step.prompt else ""
        fill_button_row(
            self.ids.buttons, self.row_events(run), lambda e: button_label(e, lang), self.on_button
        )

    def relabel(self, run: FlowRun) -> None:
        """Show the step again in the run's language (screens with input keep it)."""
        self.show(run)

    def _switch_language(self, _button: object) -> None:
        run = self.session.run
        if run is not None:
            self.session.set_lang(_other_language(run.lang))

    def _toggle_voice(self, _button: object) -> None:
        self.session.touch()
        self.voice.toggle()
        self._label_voice(self.session.run.lang if self.session.run else self.session.lang)

    def _label_voice(self, lang: str) -> None:
        key = "voice_on" if self.voice.enabled else "voice_off"
        self.ids.header.ids.voice.text = ui_text(key, lang)

    def row_events(self, run: FlowRun) -> list[str]:
        """The events shown in the button row along the bottom: all the step offers."""
        return run.buttons()

    def on_button(self, event: str) -> None:
        """A step button was pressed."""
        self.session.fire(event)

    def refresh(self, run: FlowRun) -> None:
        """Once a second (the idle countdown is the session's modal, kiosk/ui/overlays.py)."""

    def clear(self) -> None:
        """Forget the step shown; the opening step's header, title, prompt and buttons may stay.

        They are the catalog's, the same for every visitor: kept (`keeper`, within its memory
        budget), the next visit's tap on the same tile sets the same texts and Kivy renders
        and uploads none of them again (most of the UI thread's work on that tap,
        docs/touchscreen.md "Tap to the next screen"). What a visit typed, read from a card
        or was told is each screen's own: its `clear` removes it whatever is kept here."""
        keeper = self.keeper
        if keeper is not None and self._opening:
            if keeper.holds(self) or keeper.keep(
                self, texture_bytes(self._kept_labels()), self._forget_texts
            ):
                return
        self._forget_texts()

    def _kept_labels(self) -> list[object]:
        header = self.ids.header.ids
        return [
            header.flow_title,
            header.step_label,
            self.ids.title,
            self.ids.prompt,
            *self.ids.buttons.children,
        ]

    def _forget_texts(self) -> None:
        self._opening = False
        header = self.ids.header.ids
        for label in (header.flow_title, header.step_label):
            label.text = ""
        self.ids.title.text = ""
        self.ids.prompt.text = ""
        self.ids.buttons.clear_widgets()
