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


def test_what_the_menu_does_not_need_is_started_once_after_its_first_frame(
    port: Any, clock: Any, monkeypatch: Any
) -> None:
    from devkit.headless import HeadlessUI
    from kiosk.ui.app import EStationApp

    calls: list[bool] = []  # the menu on screen when the kiosk is told (estation-kiosk)
    made: list[Any] = []
    plain_init = EStationApp.__init__

    def with_hook(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["on_first_frame"] = lambda: calls.append(self.root.current == "welcome")
        plain_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(EStationApp, "__init__", with_hook)
    headless = HeadlessUI(port, clock=clock)
    headless.start()
    try:
        assert made
        headless.frames(3)
        assert calls == [True]
    finally:
        headless.stop()
