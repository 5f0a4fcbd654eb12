"""The kiosk's voice: screen titles, instructions and errors read aloud, offline.

- `text.py`: words into espeak-ng segments (Mandarin as tone-numbered pinyin by pypinyin,
  English as it is, numbers and codes read sensibly, punctuation as pauses);
- `backends.py`: espeak-ng, a county's recorded clips, silence;
- `voice.py`: `Speech`, what the touchscreen calls, and `SilentSpeech`;
- `worker.py`: `SpeechWorker`, a `Speech` spoken by a worker thread;
- `behind.py`: the kiosk's voice, silent until it is found behind the menu's first frame;
- `choice.py`: `build_speech` chooses from `[voice]` in kiosk.toml.

A kiosk that cannot speak (no espeak-ng, no sound device) says why in one log line and stays
silent; it never fails to start for want of a voice.

Each name below is imported from its module when first asked for (PEP 562 `__getattr__`,
pii/lazy.py): `from kiosk.speech import SilentSpeech`, as the touchscreen does, loads no
synthesiser, text rules or worker; they come with the voice found behind the first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pii.lazy import lazy_exports

if TYPE_CHECKING:
    from kiosk.speech.backends import (
        Backend,
        ClipBackend,
        EspeakBackend,
        SilentBackend,
        SpeechUnavailable,
        Utterance,
    )
    from kiosk.speech.choice import build_speech
    from kiosk.speech.text import Segment, to_pinyin, to_segments
    from kiosk.speech.voice import SilentSpeech, Speech
    from kiosk.speech.worker import SpeechWorker

_HOME = {
    "Backend": "kiosk.speech.backends",
    "ClipBackend": "kiosk.speech.backends",
    "EspeakBackend": "kiosk.speech.backends",
    "Segment": "kiosk.speech.text",
    "SilentBackend": "kiosk.speech.backends",
    "SilentSpeech": "kiosk.speech.voice",
    "Speech": "kiosk.speech.voice",
    "SpeechUnavailable": "kiosk.speech.backends",
    "SpeechWorker": "kiosk.speech.worker",
    "Utterance": "kiosk.speech.backends",
    "build_speech": "kiosk.speech.choice",
    "to_pinyin": "kiosk.speech.text",
    "to_segments": "kiosk.speech.text",
}

__all__ = [
    "Backend",
    "ClipBackend",
    "EspeakBackend",
    "Segment",
    "SilentBackend",
    "SilentSpeech",
    "Speech",
    "SpeechUnavailable",
    "SpeechWorker",
    "Utterance",
    "build_speech",
    "to_pinyin",
    "to_segments",
]

__getattr__ = lazy_exports(__name__, _HOME)
