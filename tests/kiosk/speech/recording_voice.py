"""A voice that records what it was asked to say, for tests of what drives the voice."""

from __future__ import annotations


class RecordingVoice:
    """A voice that records what it was asked to say."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.said: list[str] = []
        self.closed = False

    def say(self, words: str, lang: str, *, prompt_id: str | None = None) -> None:
        self.said.append(words)

    def say_id(self, message_id: str, lang: str, **params: object) -> None:
        self.said.append(message_id)

    def interrupt(self) -> None:
        pass

    def set_enabled(self, on: bool) -> None:
        self.enabled = on

    def reset(self) -> None:
        self.enabled = True

    def close(self) -> None:
        self.closed = True
