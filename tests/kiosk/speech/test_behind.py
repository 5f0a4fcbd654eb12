"""The voice found behind the menu: silent until found, found once, the switch kept."""

from __future__ import annotations

from kiosk.speech.behind import SpeechBehind
from tests.kiosk.speech.recording_voice import RecordingVoice


def test_the_voice_is_found_behind_the_menu_and_takes_over_the_speakers_switch() -> None:
    found: list[RecordingVoice] = []

    def find() -> RecordingVoice:
        found.append(RecordingVoice(enabled=True))
        return found[-1]

    speech = SpeechBehind(find, enabled=True)
    speech.say("早上好", "zh-CN")  # before the voice is found: silent, nothing queued
    speech.set_enabled(False)  # a citizen switched the speaker off meanwhile
    assert found == []
    speech.find()
    speech.find()  # once
    assert len(found) == 1
    assert speech.voice is found[0]
    assert speech.enabled is False
    assert found[0].enabled is False
    speech.set_enabled(True)
    speech.say("您好", "zh-CN")
    assert found[0].said == ["您好"]
    speech.close()
    assert found[0].closed


def test_a_kiosk_closed_before_its_voice_was_found_never_looks_for_it() -> None:
    def find() -> RecordingVoice:
        raise AssertionError("looked for after close")

    speech = SpeechBehind(find, enabled=False)
    speech.close()
    speech.find()
    assert speech.enabled is False
