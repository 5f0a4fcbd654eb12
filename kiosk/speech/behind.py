"""The kiosk's voice until and after it is found behind the menu's first frame."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kiosk.speech.voice import SilentSpeech, Speech


class SpeechBehind:
    """The kiosk's voice, found (`find`) behind the menu's first frame: checking for
    espeak-ng and its voices runs a program, 8-10 ms of every cold start. Until then it
    is silent and keeps the speaker's switch, which the voice found takes over."""

    def __init__(self, find: Callable[[], Speech], *, enabled: bool) -> None:
        self._find: Callable[[], Speech] | None = find
        self._voice: Speech = SilentSpeech(enabled=enabled)
        self._lock = threading.Lock()

    def find(self) -> None:
        """Find the voice `[voice]` asks for (once; from start_rest, on its thread)."""
        with self._lock:
            find, self._find = self._find, None
        if find is None:
            return
        voice = find()
        with self._lock:
            if voice.enabled != self._voice.enabled:
                voice.set_enabled(self._voice.enabled)
            self._voice = voice

    @property
    def voice(self) -> Speech:
        """The voice speaking now (silent until `find`)."""
        return self._voice

    @property
    def enabled(self) -> bool:
        """True while words are spoken (otherwise `say` drops them)."""
        return self._voice.enabled

    def say(self, words: str, lang: str, *, prompt_id: str | None = None) -> None:
        """Say `words` (in `lang`) after what is queued."""
        self._voice.say(words, lang, prompt_id=prompt_id)

    def say_id(self, message_id: str, lang: str, **params: object) -> None:
        """Say a catalog message, filled in with `params`."""
        self._voice.say_id(message_id, lang, **params)

    def interrupt(self) -> None:
        """Stop what is being said and drop what is queued."""
        self._voice.interrupt()

    def set_enabled(self, on: bool) -> None:
        """Switch the voice on or off for the visit."""
        with self._lock:
            self._voice.set_enabled(on)

    def reset(self) -> None:
        """The visit is over: silence, and the kiosk's default on or off again."""
        with self._lock:
            self._voice.reset()

    def close(self) -> None:
        """Stop for good; a voice not found yet never is."""
        with self._lock:
            self._find = None
            self._voice.close()
