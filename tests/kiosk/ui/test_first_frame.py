"""The menu's first frame comes before the step screens, the end screen, the modals and the
screens between visits are made (cold start, issue 8)."""

from __future__ import annotations

from typing import Any

from tests.kiosk.ui.helpers import tap

STEP_SCREENS = {"identify", "action", "form", "confirm", "notice", "list", "detail"}
LATER_SCREENS = {"end", "attract", "out_of_service", "pairing"}


def _made(ui: Any) -> set[str]:
    return {screen.name for screen in ui.root.screens} & STEP_SCREENS


def test_step_screens_are_made_one_a_frame_after_the_menu_is_drawn(ui: Any) -> None:
    assert len(_made(ui)) <= 1  # two frames drawn: the menu, and at most one step screen
    ui.frames(len(STEP_SCREENS) + 1)
    assert _made(ui) == STEP_SCREENS


def _later_made(ui: Any) -> set[str]:
    screens = {screen.name for screen in ui.root.screens} & LATER_SCREENS
    modals = {name for name in ("idle", "help") if getattr(ui.root, f"_{name}").made is not None}
    return screens | modals


def test_the_first_frame_makes_only_the_menu_and_the_rest_comes_one_a_frame(ui: Any) -> None:
    made = _later_made(ui)  # two frames drawn: the menu, and at most one part more
    assert len(_made(ui)) + len(made) <= 1
    assert not made
    settled: list[bool] = []
    ui.root.settle = lambda: settled.append(True)  # the freeze comes once all is made
    ui.frames(len(STEP_SCREENS) + 1)
    assert _made(ui) == STEP_SCREENS
    assert not settled
    ui.frames(len(LATER_SCREENS) + 3)
    assert _later_made(ui) == LATER_SCREENS | {"idle", "help"}
    assert settled == [True]
    assert ui.root.current == "welcome"


def test_a_part_asked_for_first_is_made_at_once_with_its_rules(ui: Any) -> None:
    end = ui.root.end
    assert end.name == "end"  # its kv rule gave it its name and children
    assert end.ids.finish is not None
    assert end in ui.root.screens
    assert ui.root.end is end  # made once
    assert not ui.root.idle.shown
    assert ui.root.idle.ids.title is not None
    assert ui.root.help.ids.close is not None


def test_the_attract_loop_is_made_for_a_kiosk_that_opens_on_it(port: Any, clock: Any) -> None:
    from devkit.headless import HeadlessUI
    from kiosk.ui.root import ATTRACT_SCREEN

    headless = HeadlessUI(port, clock=clock, attract_at_start=True)
    headless.start()
    try:
        router = headless.app.router
        assert router.current == ATTRACT_SCREEN == router.attract.name
        assert router.between_visits_shown()
        assert router._end.made is None  # what the attract loop does not show still waits
    finally:
        headless.stop()


def test_a_stop_before_the_modals_were_made_does_not_make_them(ui: Any) -> None:
    ui.app.on_stop()
    assert ui.root._idle.made is None
    assert ui.root._help.made is None


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
