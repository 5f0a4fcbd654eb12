"""The worker that speaks: `Speech` (kiosk/speech/voice.py) over a backend.

Nothing here ever blocks its caller: `say` puts the words on a queue and returns, and one
worker thread hands them to the backend in order. `interrupt` drops what is queued and stops
what is being said (the espeak-ng process is killed), which is what a new screen does so it
never talks over the last one. The voice is a per-visit setting: `set_enabled` switches it
(the header's speaker, elder mode), `reset` puts back the kiosk's default at a visit's end.
"""

from __future__ import annotations

import logging
import queue
import threading

from kiosk.speech.backends import Backend, Utterance
from kiosk.speech.voice import catalog_words

log = logging.getLogger(__name__)


# What the queue carries: an utterance and the cancel flag of the moment it was queued.
_Item = tuple[Utterance, threading.Event] | None


class SpeechWorker:
    """`Speech` over a backend, spoken by one worker thread started on the first word."""

    def __init__(self, backend: Backend, *, enabled: bool = False) -> None:
        self.backend = backend
        self.default_enabled = enabled
        self._enabled = enabled
        self._queue: queue.Queue[_Item] = queue.Queue()
        # Every utterance carries the flag current when it was queued; `interrupt` sets it
        # and makes a new one, so nothing queued before (or being said) goes on.
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def enabled(self) -> bool:
        """True while words are spoken."""
        return self._enabled

    def say(self, words: str, lang: str, *, prompt_id: str | None = None) -> None:
        """Queue the words; dropped while the voice is off."""
        if not self._enabled or self._closed or not words.strip():
            return
        with self._lock:
            self._ensure_thread()
            self._queue.put((Utterance(words, lang, prompt_id), self._cancel))

    def say_id(self, message_id: str, lang: str, **params: object) -> None:
        """Queue a catalog message; its recorded clip may say it when it has no values."""
        words = catalog_words(message_id, lang, **params)
        # A clip cannot say a number that changes, so a filled-in message is synthesised.
        self.say(words, lang, prompt_id=None if params else message_id)

    def interrupt(self) -> None:
        """Stop the sound now and forget the queue."""
        with self._lock:
            self._cancel.set()
            self._cancel = threading.Event()
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break

    def set_enabled(self, on: bool) -> None:
        """Switch the voice for the visit; off is silent at once."""
        self._enabled = on
        if not on:
            self.interrupt()

    def reset(self) -> None:
        """Silence, and the kiosk's default switch for the next visit."""
        self.interrupt()
        self._enabled = self.default_enabled

    def close(self) -> None:
        """Stop speaking and end the worker thread."""
        self._closed = True
        self.interrupt()
        thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=2.0)

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            utterance, cancel = item
            if cancel.is_set():
                continue
            try:
                self.backend.speak(utterance, cancel)
            except Exception:  # the top of a worker thread: a voice fault never stops the kiosk
                log.exception("speech_failed lang=%s", utterance.lang)
