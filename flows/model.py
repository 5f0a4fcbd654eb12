"""The frozen shape of a flow once loaded and validated."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True)
class Texts:
    """One text in every supported language."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in `lang`, Chinese for anything unknown."""
        return self.en if lang == "en" else self.zh


class StepKind(enum.StrEnum):
    """What a step asks of the citizen, and so which screen shows it."""

    ACTION = "action"  # the kiosk does something (read a card, submit, print)
    FORM = "form"  # the citizen fills in fields
    CONFIRM = "confirm"  # the citizen checks a summary
    NOTICE = "notice"  # a message with buttons (an error, a choice)
    END = "end"  # the flow is over; the session is wiped on entry


class FieldKind(enum.StrEnum):
    """Field types with their own checks and messages (flows/fields.py)."""

    TEXT = "text"
    NAME = "name"
    MOBILE = "mobile"
    ID_NUMBER = "id_number"
    DATE = "date"
    CHOICE = "choice"


@dataclass(frozen=True)
class Choice:
    """One option of a choice field."""

    value: str
    label: Texts


@dataclass(frozen=True)
class FieldSpec:
    """A form field: what it is called, how it is checked, whether it is personal data."""

    name: str
    kind: FieldKind
    label: Texts
    required: bool = True
    personal: bool = False
    max_length: int = 60
    choices: tuple[Choice, ...] = ()
    min_days: int | None = None  # dates: earliest allowed, in days from today
    max_days: int | None = None  # dates: latest allowed, in days from today
    hint: Texts | None = None


@dataclass(frozen=True)
class Step:
    """One state of a flow with its outgoing transitions, keyed by event name."""

    name: str
    kind: StepKind
    title: Texts
    prompt: Texts | None = None
    action: str | None = None
    fields: tuple[FieldSpec, ...] = ()
    on: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    outcome: str | None = None  # END steps: completed, cancelled, failed, expired


@dataclass(frozen=True)
class Flow:
    """A validated flow definition."""

    id: str
    version: int
    title: Texts
    start: str
    steps: dict[str, Step]
    source: str

    def step(self, name: str) -> Step:
        """The step called `name`."""
        return self.steps[name]
