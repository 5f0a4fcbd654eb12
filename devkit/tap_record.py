"""What a tap walk (devkit/taps.py) records: each touch by kind, and a service's touches
counted (decisions, keystrokes, cards, swipes)."""

from __future__ import annotations

from dataclasses import dataclass, field

DECISION, KEYSTROKE, CARD, SWIPE = "decision", "keystroke", "card", "swipe"


@dataclass(frozen=True)
class Tap:
    """One touch of the walk: what kind, on which step, on what."""

    kind: str  # DECISION, KEYSTROKE, CARD or SWIPE
    step: str
    what: str


@dataclass
class ServiceWalk:
    """The touches one service took along its common path."""

    flow_id: str
    title: str
    taps: list[Tap] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0
    end: str = ""
    error: str = ""  # set: the walk could not be finished, and why

    def count(self, kind: str) -> int:
        """Touches of one kind."""
        return sum(tap.kind == kind for tap in self.taps)

    @property
    def decisions(self) -> int:
        """Touches that are not keystrokes inside a value (nor a card on a reader)."""
        return self.count(DECISION)

    @property
    def typed_fields(self) -> set[str]:
        """The fields a key was pressed in."""
        return {t.what.split(":")[0] for t in self.taps if t.kind == KEYSTROKE}

    @property
    def keystrokes(self) -> int:
        """Keys pressed inside a value."""
        return self.count(KEYSTROKE)
