"""espeak-ng for real, clips before the synthesiser, and a voice that cannot speak."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from kiosk.config_model import VoiceConfig
from kiosk.speech import (
    ClipBackend,
    EspeakBackend,
    SilentSpeech,
    SpeechUnavailable,
    SpeechWorker,
    Utterance,
    build_speech,
    to_segments,
)
from kiosk.speech.backends import audio_present, play


def phonemes(text: str, lang: str) -> list[str]:
    """What espeak-ng would say for `text`, as phoneme mnemonics (`-q -x`: no sound)."""
    said = []
    for segment in to_segments(text, lang):
        out = subprocess.run(
            ["espeak-ng", "-q", "-x", "-v", segment.voice, segment.text],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        said.append(" ".join(out.split()))
    return said


@pytest.mark.parametrize(
    ("han", "expected"),
    [
        # yin2 hang2: the 行 of a bank, not of walking (xing2)
        ("银行", "j'i35n_| X'a35N_|"),
        ("行人", "S;'i35N_| z.'@35n_|"),
        # zhang3 da4 (to grow up), not chang2 (long)
        ("长大", "ts.'a21N_| t'A51_|"),
        # chong2 xin1 (again), not zhong4 (heavy)
        ("重新", "ts.h'ong35_| S;'i55n_|"),
    ],
)
def test_espeak_ng_says_polyphones_with_the_tones_of_their_phrase(han: str, expected: str) -> None:
    assert phonemes(han, "zh-CN") == [expected]


def test_the_plain_mandarin_voice_would_have_read_pinyin_as_english() -> None:
    # Why the pinyin voice: `cmn` reads Latin text with English phonemes, no tones.
    plain = subprocess.run(
        ["espeak-ng", "-q", "-x", "-v", "cmn", "yin2 hang2"], capture_output=True, text=True
    ).stdout
    assert "35" not in plain
    assert phonemes("银行", "zh-CN") != [" ".join(plain.split())]


class Launches:
    """Records the command lines and words a backend starts, each a process that ends at once."""

    def __init__(self) -> None:
        self.argv: list[list[str]] = []
        self.words: list[str] = []

    def __call__(self, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        self.argv.append(list(argv))
        process = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        original = process.stdin
        assert original is not None

        class Tee:
            def write(inner, data: bytes) -> int:  # noqa: N805 - a small stand-in
                self.words.append(data.decode("utf-8"))
                return original.write(data)

            def close(inner) -> None:  # noqa: N805
                original.close()

        process.stdin = Tee()  # type: ignore[assignment]
        return process


def test_espeak_says_each_segment_in_its_voice_at_the_configured_volume_and_rate() -> None:
    launches = Launches()
    backend = EspeakBackend(volume=140, rate=120, launch=launches)
    backend.speak(Utterance("请扫描QR码", "zh-CN"), threading.Event())
    assert [argv[2] for argv in launches.argv] == ["cmn-latn-pinyin", "en", "cmn-latn-pinyin"]
    assert all(argv[3:] == ["-a", "140", "-s", "120"] for argv in launches.argv)
    assert launches.words == ["qing3 sao3 miao2", "QR", "ma3"]


def test_a_cancel_kills_the_sound_program_at_once() -> None:
    started: list[subprocess.Popen[bytes]] = []

    def launch(_argv: Sequence[str]) -> subprocess.Popen[bytes]:
        started.append(subprocess.Popen(["sleep", "30"], stdin=subprocess.PIPE))
        return started[-1]

    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    began = time.monotonic()
    play(["espeak-ng"], cancel, words="yin2 hang2", launch=launch)
    assert time.monotonic() - began < 5
    assert started[0].returncode is not None
    assert started[0].returncode < 0


class Recording:
    """A backend that notes what it was asked to say."""

    def __init__(self) -> None:
        self.said: list[Utterance] = []

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        self.said.append(utterance)


def test_a_countys_recorded_clip_is_played_instead_of_the_synthesiser(tmp_path: Path) -> None:
    clip = tmp_path / "zh-CN" / "ui.take_receipt.wav"
    clip.parent.mkdir()
    clip.write_bytes(b"RIFF")
    launches, synth = Launches(), Recording()
    backend = ClipBackend(tmp_path, synth, player=["aplay", "-q"], launch=launches)

    backend.speak(Utterance("请取走您的回执", "zh-CN", "ui.take_receipt"), threading.Event())
    assert launches.argv == [["aplay", "-q", str(clip)]]
    assert synth.said == []

    # no clip in English, none for this prompt, no prompt id: the synthesiser says them
    for utterance in (
        Utterance("Please take your receipt", "en", "ui.take_receipt"),
        Utterance("请取走您的身份证", "zh-CN", "ui.take_id_card"),
        Utterance("请取走您的回执", "zh-CN"),
    ):
        backend.speak(utterance, threading.Event())
    assert len(synth.said) == 3
    assert len(launches.argv) == 1


def test_without_a_player_clips_are_left_to_the_synthesiser(tmp_path: Path) -> None:
    (tmp_path / "zh-CN").mkdir()
    (tmp_path / "zh-CN" / "ui.take_receipt.wav").write_bytes(b"RIFF")
    synth = Recording()
    backend = ClipBackend(tmp_path, synth, player=None)
    backend.speak(Utterance("请取走您的回执", "zh-CN", "ui.take_receipt"), threading.Event())
    assert len(synth.said) == 1


def test_a_missing_espeak_ng_is_a_clear_error() -> None:
    with pytest.raises(
        SpeechUnavailable, match=r"espeak-ng is not installed .*apt-get install espeak-ng"
    ):
        EspeakBackend().check(which=lambda _name: None)


def test_a_missing_voice_is_a_clear_error() -> None:
    with pytest.raises(SpeechUnavailable, match="has no voice"):
        # a program that runs and lists no voice at all
        EspeakBackend(program="true").check()


def test_the_installed_espeak_ng_passes_the_check() -> None:
    EspeakBackend().check()


def test_a_kiosk_without_espeak_ng_starts_silent_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.speech"):
        speech = build_speech(VoiceConfig(enabled=True), which=lambda _name: None)
    assert isinstance(speech, SilentSpeech)
    assert speech.enabled  # the switch still works, the header shows it
    assert [r.getMessage() for r in caplog.records] == [
        "voice_silent reason=espeak-ng is not installed (Debian: apt-get install espeak-ng)"
    ]


def test_a_kiosk_without_a_sound_device_starts_silent_with_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="kiosk.speech"):
        speech = build_speech(VoiceConfig(), sound=lambda: False)
    assert isinstance(speech, SilentSpeech)
    assert len(caplog.records) == 1
    assert "no sound device" in caplog.records[0].getMessage()


def test_a_kiosk_with_espeak_ng_and_sound_speaks_through_the_worker(tmp_path: Path) -> None:
    speech = build_speech(VoiceConfig(volume=120, rate=140), sound=lambda: True)
    assert isinstance(speech, SpeechWorker)
    assert isinstance(speech.backend, EspeakBackend)
    assert (speech.backend.volume, speech.backend.rate) == (120, 140)
    with_clips = build_speech(
        VoiceConfig(), tmp_path, sound=lambda: True, which=lambda n: f"/usr/bin/{n}"
    )
    assert isinstance(with_clips, SpeechWorker)
    assert isinstance(with_clips.backend, ClipBackend)


def test_silent_in_the_file_is_silent() -> None:
    assert isinstance(build_speech(VoiceConfig(backend="silent"), sound=lambda: True), SilentSpeech)


def test_sound_is_found_from_alsa_playback_devices_or_a_sound_server(tmp_path: Path) -> None:
    snd = tmp_path / "snd"
    assert not audio_present(snd, env={})
    snd.mkdir()
    (snd / "pcmC0D0c").touch()  # a microphone only
    assert not audio_present(snd, env={})
    (snd / "pcmC0D0p").touch()
    assert audio_present(snd, env={})
    runtime = tmp_path / "run"
    (runtime / "pulse").mkdir(parents=True)
    (runtime / "pulse" / "native").touch()
    assert audio_present(tmp_path / "none", env={"XDG_RUNTIME_DIR": str(runtime)})
    assert audio_present(tmp_path / "none", env={"PULSE_SERVER": "tcp:10.0.0.2"})
