"""The tap walker's hand: it lays the ID card only once the kiosk's card watch has looked
at the readers since the last visit ended (a card laid before that is left to its tile)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from devkit import taps
from devkit.tap_record import CARD, ServiceWalk
from devkit.taps import TapWalker, TapWalkError


class _Tray:
    """A card tray that records when the card went down."""

    def __init__(self, looked: list[bool]) -> None:
        self.looked = looked
        self.laid_when_looked: list[bool] = []

    def card_names(self) -> list[str]:
        return ["张三"]

    def present(self, name: str) -> None:
        self.laid_when_looked.append(self.looked[0])


class _UI:
    """Frames that let the card watch look on the `looks_at`th frame (a loaded machine)."""

    def __init__(self, looked: list[bool], looks_at: int | None) -> None:
        self.session = SimpleNamespace(run=None)
        self.looked = looked
        self.looks_at = looks_at
        self.drawn = 0

    def frames(self, count: int) -> None:
        self.drawn += count
        if self.looks_at is not None and self.drawn >= self.looks_at:
            self.looked[0] = True


def _walker(looks_at: int | None) -> tuple[TapWalker, _UI, _Tray]:
    looked = [False]
    ui = _UI(looked, looks_at)
    ui_any: Any = ui
    walker = TapWalker(ui_any, readers_looked=lambda: looked[0])
    walker._walk = ServiceWalk("difficulty_identification", "困难人员认定")
    return walker, ui, _Tray(looked)


def test_the_card_is_laid_only_after_the_watch_looked_since_the_last_visit() -> None:
    walker, ui, tray = _walker(looks_at=5)
    walker.lay_card(tray)
    assert tray.laid_when_looked == [True]
    assert ui.drawn >= 5  # it waited, drawing frames meanwhile
    assert walker._walk is not None
    assert [t.kind for t in walker._walk.taps] == [CARD]


def test_a_watch_that_never_looks_is_a_walk_error_not_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(taps, "READERS_LOOK_WAIT", 0.05)
    walker, _ui, tray = _walker(looks_at=None)
    with pytest.raises(TapWalkError, match="did not look at the readers"):
        walker.lay_card(tray)
    assert tray.laid_when_looked == []
