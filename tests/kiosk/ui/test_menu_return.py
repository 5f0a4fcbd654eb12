"""Back on the menu, its tiles are made again only when what they show changed (issue 8).

Making a tile makes its name's CJK texture: most of a tap back to the menu when done on
every return. What may have changed while a visit ran (a device down, the language, elder
mode) still shows on the menu at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from flows import Texts

FLOW = "employment_registration"


def visit_and_return(ui: Any, during: Any = None) -> None:
    """A visit started and cancelled, `during()` called inside it, then back on the menu."""
    ui.session.start(FLOW)
    ui.frames(1)
    assert ui.root.current != "welcome"
    if during is not None:
        during()
    ui.session.fire("cancel")
    ui.session.finish()
    ui.frames(3)  # a room changed by the mode lays the tiles out on the next frames
    assert ui.root.current == "welcome"


def test_back_on_an_unchanged_menu_the_tiles_are_the_ones_made_before(ui: Any) -> None:
    before = list(ui.root.welcome.tiles)
    visit_and_return(ui)
    assert ui.root.welcome.tiles == before
    assert all(a is b for a, b in zip(ui.root.welcome.tiles, before, strict=True))


def test_a_service_gone_down_during_a_visit_is_greyed_on_return(ui: Any, port: Any) -> None:
    before = list(ui.root.welcome.tiles)

    def printer_down() -> None:
        port.down[FLOW] = Texts("打印机故障", "Printer out of order")

    visit_and_return(ui, printer_down)
    tile = next(t for t in ui.root.welcome.tiles if t.flow_id == FLOW)
    assert tile not in before
    assert not tile.available
    assert tile.reason == "打印机故障"


def shown(ui: Any) -> list[tuple[object, ...]]:
    """What the menu's tiles show, and how large."""
    return [
        (t.flow_id, t.text, t.font_size, t.width, t.height, t.available, t.reason)
        for t in ui.root.welcome.tiles
    ]


def as_made_afresh(ui: Any) -> list[tuple[object, ...]]:
    """What the tiles show when made again from nothing, as the first menu of a process."""
    welcome = ui.root.welcome
    welcome._laid_for = None
    welcome.show(ui.session.lang)
    ui.frames(3)
    return shown(ui)


SWITCHES = {
    "english": lambda ui: ui.session.set_lang("en"),
    "elder": lambda ui: ui.session.set_elder(True),
}


@pytest.mark.parametrize("where", ["menu", "visit"])
@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_a_mode_switched_shows_on_the_menu_after_a_visit(ui: Any, switch: str, where: str) -> None:
    # Switched on the menu, it lasts the visit; switched inside a visit, the visit's end
    # may put it back for the next citizen: either way the tiles are as if made afresh.
    first = shown(ui)
    if where == "menu":
        SWITCHES[switch](ui)
        ui.frames(1)
        assert shown(ui) != first
        visit_and_return(ui)
    else:
        visit_and_return(ui, lambda: SWITCHES[switch](ui))
    assert shown(ui) == as_made_afresh(ui)
