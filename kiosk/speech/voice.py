"""What the touchscreen asks of the kiosk's voice (`Speech`), and the voice that says nothing.

The touchscreen and the kiosk's start need only these: the synthesiser, its text rules and
the worker that speaks (backends.py, text.py, worker.py) load when a voice is found, behind
the menu's first frame (behind.py).
"""

from __future__ import annotations

from typing import Protocol

from kiosk.messages import text


class Speech(Protocol):
    """What the touchscreen asks of the voice; every call returns at once."""

    @property
    def enabled(self) -> bool:
        """True while words are spoken (otherwise `say` drops them)."""
        ...

    def say(self, words: str, lang: str, *, prompt_id: str | None = None) -> None:
        """Say `words` (in `lang`) after what is queued; `prompt_id` names a recorded clip."""
        ...

    def say_id(self, message_id: str, lang: str, **params: object) -> None:
        """Say a catalog message (kiosk/messages.yaml), filled in with `params`."""
        ...

    def interrupt(self) -> None:
        """Stop what is being said and drop what is queued."""
        ...

    def set_enabled(self, on: bool) -> None:
        """Switch the voice on or off for the visit (off also stops it at once)."""
        ...

    def reset(self) -> None:
        """The visit is over: silence, and the kiosk's default on or off again."""
        ...

    def close(self) -> None:
        """Stop for good (the kiosk is stopping)."""
        ...


def catalog_words(message_id: str, lang: str, **params: object) -> str:
    """The words of a catalog message in `lang`, filled in."""
    return text(message_id).get(lang).format(**params)


class SilentSpeech:
    """A voice that says nothing but keeps its switch: tests, and kiosks without sound."""

    def __init__(self, *, enabled: bool = False) -> None:
        self.default_enabled = enabled
        self._enabled = enabled

    @property
    def enabled(self) -> bool:
        """The switch, as the header's speaker shows it."""
        return self._enabled

    def say(self, words: str, lang: str, *, prompt_id: str | None = None) -> None:
        """Nothing is said."""

    def say_id(self, message_id: str, lang: str, **params: object) -> None:
        """Nothing is said."""

    def interrupt(self) -> None:
        """Nothing to stop."""

    def set_enabled(self, on: bool) -> None:
        """Remember the switch."""
        self._enabled = on

    def reset(self) -> None:
        """Back to the default."""
        self._enabled = self.default_enabled

    def close(self) -> None:
        """Nothing to stop."""
