"""What every step screen shares: the header band, the button row and forgetting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.progress import step_counter
from flows.texts import button_label
from kiosk.speech import SilentSpeech
from kiosk.ui.session import UISession
from kiosk.ui.strings import LANGUAGE_NAMES, ui_text
from kiosk.ui.voice import ScreenVoice
from kiosk.ui.widgets import KioskScreen, fill_button_row

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
        self.ids.header.ids.language.bind(on_release=self._switch_language)
        self.ids.header.ids.help.bind(on_release=lambda _b: self.session.ask_help())
        self.ids.header.ids.voice.bind(on_release=self._toggle_voice)
        self.ids.header.ids.elder.bind(on_release=lambda _b: self.session.toggle_elder())

    def show(self, run: FlowRun) -> None:
        """Fill the screen from the run's current step."""
        lang = run.lang
        step = run.step
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
        """Forget the step shown."""
        header = self.ids.header.ids
        for label in (header.flow_title, header.step_label):
            label.text = ""
        self.ids.title.text = ""
        self.ids.prompt.text = ""
        self.ids.buttons.clear_widgets()
