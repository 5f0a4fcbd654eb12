"""A start that holds the garbage collector gets it back with the menu's first frame (cold
start, issue 8): estation-kiosk's main() disables collection before its imports, and the App
freezes what the start made and gives both back on the tick after its first frame."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def held() -> Iterator[None]:
    """Collection disabled as main() does; enabled again whatever the test did."""
    frozen_before = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        if gc.get_freeze_count() > frozen_before:
            gc.unfreeze()


def test_a_held_start_collects_again_from_the_tick_after_the_menus_first_frame(
    held: None, port: Any, clock: Any
) -> None:
    from devkit.headless import HeadlessUI

    headless = HeadlessUI(port, clock=clock)
    app = headless.start()  # two frames: the menu's, then the tick after it
    try:
        assert app.router is not None
        assert app.router.current == "welcome"
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0  # given back; Router.settle freezes again later
    finally:
        headless.stop()


def test_the_app_of_a_held_start_freezes_what_the_start_made(held: None, port: Any) -> None:
    from kiosk.ui.app import EStationApp

    app = EStationApp(port, attract_at_start=False)
    assert gc.get_freeze_count() > 0  # Kivy's window, collecting as it is made, skips them
    assert not gc.isenabled()
    app.dispatch("on_stop")  # a start stopped before its first frame gives them back too
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_an_app_made_while_the_collector_runs_leaves_it_alone(port: Any) -> None:
    from kiosk.ui.app import EStationApp

    frozen = gc.get_freeze_count()
    app = EStationApp(port, attract_at_start=False)
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    app.dispatch("on_stop")
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
