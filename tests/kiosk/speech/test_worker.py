"""The speech worker: the caller never waits, a new screen interrupts, the switch per visit."""

from __future__ import annotations

import threading

import pytest

from kiosk.speech import SilentSpeech, SpeechWorker, Utterance

WAIT = 5.0  # seconds a thread is given to do what it was asked; the tests never sleep


class Gate:
    """A backend as slow as a test wants: each utterance waits for `open` or its cancel."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.started: list[str] = []
        self.finished: list[str] = []
        self.cancelled: list[str] = []
        self.changed = threading.Condition()

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        with self.changed:
            self.started.append(utterance.text)
            self.changed.notify_all()
        while not self.opened.wait(0.01):
            if cancel.is_set():
                with self.changed:
                    self.cancelled.append(utterance.text)
                    self.changed.notify_all()
                return
        with self.changed:
            self.finished.append(utterance.text)
            self.changed.notify_all()

    def until(self, condition: object) -> None:
        with self.changed:
            assert self.changed.wait_for(condition, timeout=WAIT)  # type: ignore[arg-type]


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def speech(gate: Gate):  # type: ignore[no-untyped-def]
    worker = SpeechWorker(gate, enabled=True)
    yield worker
    gate.opened.set()
    worker.close()


def test_saying_never_waits_for_the_voice(gate: Gate, speech: SpeechWorker) -> None:
    # The backend is stuck on the first words; the UI thread goes on queueing.
    for words in ("第一句", "第二句", "第三句"):
        speech.say(words, "zh-CN")
    gate.until(lambda: gate.started == ["第一句"])
    assert gate.finished == []
    gate.opened.set()
    gate.until(lambda: gate.finished == ["第一句", "第二句", "第三句"])


def test_a_new_screen_stops_the_words_of_the_last_one(gate: Gate, speech: SpeechWorker) -> None:
    speech.say("上一屏标题", "zh-CN")
    speech.say("上一屏说明", "zh-CN")
    gate.until(lambda: gate.started == ["上一屏标题"])
    speech.interrupt()
    speech.say("下一屏标题", "zh-CN")
    gate.until(lambda: "下一屏标题" in gate.started)
    gate.opened.set()
    gate.until(lambda: gate.finished == ["下一屏标题"])
    assert gate.cancelled == ["上一屏标题"]
    assert "上一屏说明" not in gate.started


def test_a_voice_switched_off_says_nothing_and_stops_at_once(
    gate: Gate, speech: SpeechWorker
) -> None:
    speech.say("正在说", "zh-CN")
    gate.until(lambda: gate.started == ["正在说"])
    speech.set_enabled(False)
    gate.until(lambda: gate.cancelled == ["正在说"])
    speech.say("关着不说", "zh-CN")
    speech.set_enabled(True)
    speech.say("开了再说", "zh-CN")
    gate.opened.set()
    gate.until(lambda: gate.finished == ["开了再说"])
    assert "关着不说" not in gate.started


def test_the_end_of_a_visit_puts_back_the_kiosks_default(gate: Gate) -> None:
    off_by_default = SpeechWorker(gate)
    assert not off_by_default.enabled
    off_by_default.set_enabled(True)  # elder mode, or the speaker in the header
    off_by_default.reset()
    assert not off_by_default.enabled
    on_by_default = SpeechWorker(gate, enabled=True)
    on_by_default.set_enabled(False)
    on_by_default.reset()
    assert on_by_default.enabled


class Notes:
    """A backend that notes what it said and can fail once."""

    def __init__(self, *, fail_first: bool = False, expect: int = 1) -> None:
        self.said: list[Utterance] = []
        self.fail = fail_first
        self.expect = expect
        self.done = threading.Event()  # set once `expect` utterances are said

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        if self.fail:
            self.fail = False
            raise OSError("sound card gone")
        self.said.append(utterance)
        if len(self.said) >= self.expect:
            self.done.set()


def test_a_catalog_message_is_said_with_its_clip_id_unless_it_is_filled_in() -> None:
    notes = Notes(expect=2)
    speech = SpeechWorker(notes, enabled=True)
    speech.say_id("ui.take_id_card", "zh-CN")
    speech.say_id("ui.idle_countdown", "en", seconds=10)
    assert notes.done.wait(WAIT)
    speech.close()
    assert notes.said[0] == Utterance("请取走您的身份证", "zh-CN", "ui.take_id_card")
    assert notes.said[1].prompt_id is None  # a clip cannot say "10"
    assert "10" in notes.said[1].text


def test_a_failing_backend_is_logged_and_the_voice_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notes = Notes(fail_first=True)
    speech = SpeechWorker(notes, enabled=True)
    speech.say("第一句", "zh-CN")
    speech.say("第二句", "zh-CN")
    assert notes.done.wait(WAIT)
    speech.close()
    assert [u.text for u in notes.said] == ["第二句"]
    assert "speech_failed" in caplog.text


def test_closing_ends_the_worker_thread() -> None:
    notes = Notes()
    speech = SpeechWorker(notes, enabled=True)
    speech.say("一句", "zh-CN")
    thread = speech._thread
    speech.close()
    assert thread is not None
    assert not thread.is_alive()
    speech.say("关了以后", "zh-CN")
    assert speech._thread is thread


def test_the_silent_voice_keeps_its_switch_and_says_nothing() -> None:
    silent = SilentSpeech(enabled=False)
    silent.set_enabled(True)
    silent.say("什么也不说", "zh-CN")
    assert silent.enabled
    silent.reset()
    assert not silent.enabled
