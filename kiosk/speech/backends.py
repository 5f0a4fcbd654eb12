"""What turns an utterance into sound: espeak-ng, a county's recorded clips, or nothing.

A backend's `speak` blocks until the words are said or `cancel` is set, and is only ever
called from the speech worker thread (kiosk/speech/worker.py). espeak-ng plays through the
sound system itself (no aplay in the synthesiser's path); a clip needs a player
(`aplay`, from alsa-utils), and without one the synthesiser speaks instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.speech.text import ENGLISH_VOICE, PINYIN_VOICE, to_segments

log = logging.getLogger(__name__)

# How often a running sound program is checked for a cancel: well under a reaction time.
_POLL_SECONDS = 0.05


class SpeechUnavailable(RuntimeError):
    """The voice cannot work on this machine; the message says why and what to install."""


@dataclass(frozen=True)
class Utterance:
    """Words to say in one language, and the prompt id whose recorded clip may say them."""

    text: str
    lang: str
    prompt_id: str | None = None


class Backend(Protocol):
    """Says one utterance, blocking, until done or until `cancel` is set."""

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        """Say it; return early (the sound stopped) once `cancel` is set."""
        ...


Launcher = Callable[[Sequence[str]], "subprocess.Popen[bytes]"]


def _launch(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - a fixed program, the words go in on stdin
        list(argv), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def play(
    argv: Sequence[str], cancel: threading.Event, *, words: str = "", launch: Launcher = _launch
) -> None:
    """Run a sound program until it ends, or kill it as soon as `cancel` is set."""
    if cancel.is_set():
        return
    process = launch(argv)
    if process.stdin is not None:
        try:
            process.stdin.write(words.encode("utf-8"))
            process.stdin.close()
        except BrokenPipeError:
            pass  # it ended before reading: nothing to say, nothing to kill
    while process.poll() is None:
        if cancel.wait(_POLL_SECONDS):
            process.kill()
            process.wait()
            return


class SilentBackend:
    """Says nothing: tests, and a kiosk without a sound device."""

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        """Nothing to do."""


class EspeakBackend:
    """espeak-ng, offline: Mandarin as tone-numbered pinyin (`cmn-latn-pinyin`), English (`en`)."""

    def __init__(
        self,
        *,
        volume: int = 100,
        rate: int = 150,
        program: str = "espeak-ng",
        launch: Launcher = _launch,
    ) -> None:
        self.volume = volume
        self.rate = rate
        self.program = program
        self._launch = launch

    def argv(self, voice: str) -> list[str]:
        """The command line that says one segment (its words go in on stdin)."""
        return [self.program, "-v", voice, "-a", str(self.volume), "-s", str(self.rate)]

    def check(self, *, which: Callable[[str], str | None] = shutil.which) -> None:
        """SpeechUnavailable unless espeak-ng and both its voices are installed."""
        path = which(self.program)
        if path is None:
            raise SpeechUnavailable(
                f"{self.program} is not installed (Debian: apt-get install espeak-ng)"
            )
        try:
            listed = subprocess.run(  # noqa: S603 - the program found above, fixed arguments
                [path, "--voices"], capture_output=True, text=True, timeout=10, check=True
            ).stdout
        except (OSError, subprocess.SubprocessError) as err:
            raise SpeechUnavailable(f"{self.program} does not run: {err}") from err
        # A voice by its name or language, or as another language's alias: "(en 2)".
        names = {field.strip("()") for line in listed.splitlines() for field in line.split()}
        missing = [voice for voice in (PINYIN_VOICE, ENGLISH_VOICE) if voice not in names]
        if missing:
            raise SpeechUnavailable(
                f"{self.program} has no voice {', '.join(missing)} (Debian: espeak-ng-data)"
            )

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        """Say the words segment by segment, each in its voice, until done or cancelled."""
        for segment in to_segments(utterance.text, utterance.lang):
            play(self.argv(segment.voice), cancel, words=segment.text, launch=self._launch)
            if cancel.is_set():
                return


class ClipBackend:
    """A county's recorded prompts, `<folder>/<lang>/<prompt id>.wav`; the synthesiser otherwise."""

    def __init__(
        self,
        folder: Path,
        fallback: Backend,
        *,
        player: Sequence[str] | None,
        launch: Launcher = _launch,
    ) -> None:
        self.folder = folder
        self.fallback = fallback
        self.player = list(player) if player is not None else None
        self._launch = launch

    def clip_for(self, utterance: Utterance) -> Path | None:
        """The recorded clip for the utterance's prompt id and language, if there is one."""
        if utterance.prompt_id is None or self.player is None:
            return None
        path = self.folder / utterance.lang / f"{utterance.prompt_id}.wav"
        return path if path.is_file() else None

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        """Play the clip when there is one, else let the synthesiser say the words."""
        clip = self.clip_for(utterance)
        if clip is None or self.player is None:
            self.fallback.speak(utterance, cancel)
            return
        play([*self.player, str(clip)], cancel, launch=self._launch)


def find_player(which: Callable[[str], str | None] = shutil.which) -> list[str] | None:
    """The command that plays a WAV file (aplay, quiet), or None when none is installed."""
    aplay = which("aplay")
    return [aplay, "-q"] if aplay is not None else None


def audio_present(snd: Path = Path("/dev/snd"), env: Mapping[str, str] | None = None) -> bool:
    """True when something can make sound: an ALSA playback device or a sound server."""
    env = os.environ if env is None else env
    if env.get("PULSE_SERVER"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and any(Path(runtime, name).exists() for name in ("pulse/native", "pipewire-0")):
        return True
    # ALSA names playback devices pcmC<card>D<device>p.
    return snd.is_dir() and any(snd.glob("pcmC*D*p"))
