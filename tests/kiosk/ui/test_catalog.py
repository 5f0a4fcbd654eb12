"""The county's whole catalog on the real App: the menu pages, every service opens.

Fourteen services do not fit one screen of big tiles: the menu shows eight a page with big
page buttons. Each service's first screen (a chooser, a notice, a form ...) is opened and
checked against the size floors, then the visit is closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows import load_builtin_catalog
from kiosk.ui import theme
from kiosk.ui.linebreak import units
from kiosk.ui.navigator import screen_for
from tests.kiosk.ui.helpers import check_elderly_sizes, snap, tap

pytestmark = pytest.mark.kivy


def units_of(broken: str) -> set[str]:
    """Every run of whole words of a name (so a line that is one is not cut mid-word)."""
    parts = units(broken.replace("\n", ""))
    return {"".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}


def test_the_whole_catalog_is_paged_and_every_service_opens(
    make_port: Any, clock: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    flows = [service.flow for service in load_builtin_catalog().services]
    assert len(flows) > 8
    port = make_port(flow=flows[0], more=flows[1:], demo=False)
    with HeadlessUI(port, clock=clock) as ui:
        welcome = ui.root.welcome
        pager = welcome.ids.pager
        ui.frames(2)
        assert [t.flow_id for t in welcome.tiles] == [f.id for f in flows[:8]]
        assert pager.ids.position.text == "第1页\n共2页"
        for tile in welcome.tiles:  # all on the screen, beside the page buttons
            assert tile.x >= 0
            assert tile.right <= pager.x
            assert tile.y >= welcome.ids.hint.top
            assert tile.height >= theme.TOUCH_MIN
        # Broken between words only (it was 就业困难人 / 员认定申请: a word cut in two).
        assert "就业困难\n人员\n认定申请" in [t.text for t in welcome.tiles]
        for tile in welcome.tiles:
            assert all(line in units_of(tile.text) for line in tile.text.split("\n")[:-1])
        # One size a page (36 before, when 就业困难人 / 员认定申请 fitted in two lines of 5;
        # 36 again since the tiles are as tall as their box, 163 px, not 176 below it).
        assert {t.font_size for t in welcome.tiles} == {36}
        assert all(t.texture_size[1] <= t.height for t in welcome.tiles)  # names fit
        assert check_elderly_sizes(welcome) == []
        snap(ui, shots, "welcome-catalog.png")
        tap(ui, pager.ids.down)
        assert [t.flow_id for t in welcome.tiles] == [f.id for f in flows[8:]]
        snap(ui, shots, "welcome-catalog-page-2.png")

        opened = {}
        for flow in flows:
            ui.session.start(flow.id)
            ui.frames(1)
            run = ui.session.run
            assert run is not None
            # A first step that is an action runs on a waiting worker thread, which moves
            # the run on before the UI shows where: wait for the screen of the step it is at.
            ui.until(lambda run=run: ui.root.current == screen_for(run))
            opened[flow.id] = ui.root.current
            assert ui.root.current == screen_for(run), flow.id
            assert check_elderly_sizes(ui.root.current_screen) == [], flow.id
            ui.session.close()  # ends the visit, wiped
            ui.session.finish()
            assert ui.root.current == "welcome"
            assert welcome.page == 0  # the next person starts on the first page
        assert set(opened.values()) <= {"identify", "notice", "form", "action", "list"}

        # Long English names need wider tiles: three a row, every name whole.
        tap(ui, next(b for b in welcome.language_buttons if b.lang == "en"))
        # (Three a row while 就业困难人员认定申请 was "Apply to be recognised as having
        # employment difficulty"; "Employment difficulty recognition" fits four a row.)
        assert welcome.layout.cols == 4
        for _page in range(welcome.pages):
            ui.frames(1)
            for tile in welcome.tiles:
                assert tile.texture_size[0] <= tile.width
                assert tile.texture_size[1] <= tile.height
                assert tile.right <= pager.x
            assert check_elderly_sizes(welcome) == []
            tap(ui, pager.ids.down)
        snap(ui, shots, "welcome-catalog-en-last-page.png")
