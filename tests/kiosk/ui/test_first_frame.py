"""The menu's first frame comes before the step screens are made (cold start, issue 8)."""

from __future__ import annotations

from typing import Any

from tests.kiosk.ui.helpers import tap

STEP_SCREENS = {"identify", "action", "form", "confirm", "notice", "list", "detail"}


def _made(ui: Any) -> set[str]:
    return {screen.name for screen in ui.root.screens} & STEP_SCREENS


def test_step_screens_are_made_one_a_frame_after_the_menu_is_drawn(ui: Any) -> None:
    assert len(_made(ui)) <= 1  # two frames drawn: the menu, and at most one step screen
    ui.frames(len(STEP_SCREENS) + 1)
    assert _made(ui) == STEP_SCREENS


def test_a_step_screen_asked_for_first_is_made_at_once(ui: Any) -> None:
    form = ui.root.steps["form"]
    assert form.name == "form"
    assert "form" in _made(ui)
    assert ui.root.steps["form"] is form  # made once


def test_a_tap_on_a_tile_before_the_screens_are_made_shows_the_first_step(ui: Any) -> None:
    tile = ui.root.welcome.tiles[0]
    switches = ui.root.switches
    tap(ui, tile)
    ui.until(lambda: ui.root.switches != switches)
    assert ui.root.current in STEP_SCREENS
    assert ui.session.run is not None
