"""The kiosk's voice: screen titles, instructions and errors read aloud, offline.

- `text.py`: words into espeak-ng segments (Mandarin as tone-numbered pinyin by pypinyin,
  English as it is, numbers and codes read sensibly, punctuation as pauses);
- `backends.py`: espeak-ng, a county's recorded clips, silence;
- `worker.py`: `Speech`, what the touchscreen calls, spoken by a worker thread;
- `behind.py`: the kiosk's voice, silent until it is found behind the menu's first frame.

`build_speech` chooses from `[voice]` in kiosk.toml. A kiosk that cannot speak (no
espeak-ng, no sound device) says why in one log line and stays silent; it never fails to
start for want of a voice.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from kiosk.config_model import VoiceConfig
from kiosk.speech.backends import (
    Backend,
    ClipBackend,
    EspeakBackend,
    SilentBackend,
    SpeechUnavailable,
    Utterance,
    audio_present,
    find_player,
)
from kiosk.speech.text import Segment, to_pinyin, to_segments
from kiosk.speech.worker import SilentSpeech, Speech, SpeechWorker

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

log = logging.getLogger(__name__)


def build_speech(
    config: VoiceConfig,
    clips: Path | None = None,
    *,
    which: Callable[[str], str | None] = shutil.which,
    sound: Callable[[], bool] = audio_present,
) -> Speech:
    """The voice `[voice]` asks for, or a silent one (and one log line) when it cannot speak."""
    if config.backend == "silent":
        return SilentSpeech(enabled=config.enabled)
    synth = EspeakBackend(volume=config.volume, rate=config.rate)
    try:
        synth.check(which=which)
        if not sound():
            raise SpeechUnavailable("no sound device (no ALSA playback device, no sound server)")
    except SpeechUnavailable as err:
        log.warning("voice_silent reason=%s", err)
        return SilentSpeech(enabled=config.enabled)
    backend: Backend = synth
    if clips is not None:
        player = find_player(which)
        if player is None:
            log.warning("voice_clips_unused reason=no aplay (Debian: alsa-utils) folder=%s", clips)
        else:
            backend = ClipBackend(clips, synth, player=player)
    return SpeechWorker(backend, enabled=config.enabled)
