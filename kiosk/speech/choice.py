"""`build_speech`: the voice `[voice]` in kiosk.toml asks for, or silence when it cannot speak."""

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
    SpeechUnavailable,
    audio_present,
    find_player,
)
from kiosk.speech.voice import SilentSpeech, Speech
from kiosk.speech.worker import SpeechWorker

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
