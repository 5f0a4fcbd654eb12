"""Elder mode's menu (`menu_layout`, kiosk/ui/screens/welcome.py): the catalog's names in
both languages, every page at elder mode's sizes: names at least 1.5x the normal body,
targets at least elder mode's touch minimum, in the room the title and the hint leave."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.ui import theme

pytestmark = pytest.mark.kivy

LANGS = ["zh-CN", "en"]


def _catalog_ui(make_port: Any, clock: Any) -> Any:
    from devkit.headless import HeadlessUI
    from flows import load_builtin_catalog

    flows = [service.flow for service in load_builtin_catalog().services]
    return HeadlessUI(make_port(flow=flows[0], more=flows[1:], demo=False), clock=clock)


def test_an_elder_name_is_never_set_under_one_and_a_half_times_the_body(
    make_port: Any, clock: Any
) -> None:
    # 1.5x the normal tile's floor (28 px) is 42 px, under elder mode's main text (1.5x the
    # 30 px body): a name that fitted only at 42 px was set there; it must take a wider tile.
    from kivy.core.text import Label as CoreLabel

    from kiosk.ui.screens.welcome import ELDER_NAME_MIN, TILE_INSET, fitting_font

    assert ELDER_NAME_MIN == 45
    with _catalog_ui(make_port, clock) as ui:
        ui.session.set_elder(True)
        ui.frames(1)

        def width_at(font: int) -> int:
            word = CoreLabel(text="Unemployment", font_size=font, bold=True)
            word.refresh()
            return int(word.texture.size[0]) + TILE_INSET

        # Room for the word at 42 px but not at 45 px (about 7 % wider).
        assert width_at(42) < width_at(45) - 4
        assert fitting_font("Unemployment", width_at(45) - 2, 200) is None
        assert fitting_font("Unemployment", width_at(45), 200) == ELDER_NAME_MIN
        ui.session.set_elder(False)
        ui.frames(1)
        # Normal mode as it was: its names go down to the 28 px floor.
        assert fitting_font("Unemployment", width_at(45) - 2, 200) is not None


@pytest.mark.parametrize("lang", LANGS)
def test_elder_modes_menu_sets_every_page_of_the_catalog_at_elder_sizes(
    make_port: Any, clock: Any, lang: str
) -> None:
    from kiosk.ui.layout_check import layout_problems
    from kiosk.ui.screens.welcome import ELDER_NAME_MIN, fitting_font, menu_layout

    with _catalog_ui(make_port, clock) as ui:
        ui.session.set_lang(lang)
        ui.session.set_elder(True)
        ui.frames(3)
        welcome = ui.root.welcome
        names = [flow.title.get(lang) for flow in welcome.catalog]
        room = int(welcome.ids.room.height)
        # The screen's tiles are the rule's, for the room the title and the hint leave.
        fits = lambda t, w, h: fitting_font(t, w, h) is not None  # noqa: E731
        assert welcome.layout == menu_layout(names, fits, room)
        layout = welcome.layout
        assert layout.rows * theme.ELDER_TOUCH_MIN + (layout.rows - 1) * theme.SPACING <= room
        shown = []
        for page in range(welcome.pages):
            welcome.turn(page - welcome.page)
            ui.frames(1)
            tiles = welcome.tiles
            assert len(tiles) == min(layout.per_page, len(names) - page * layout.per_page)
            for tile in tiles:
                assert tile.font_size >= ELDER_NAME_MIN, (page, tile.text)
                assert tile.height >= max(theme.style.touch_min, theme.TARGET_FLOOR[True])
                assert tile.texture_size[1] <= tile.height, (page, tile.text)
            assert layout_problems(welcome) == [], (page, layout_problems(welcome))
            shown += [tile.flow_id for tile in tiles]
        assert shown == [flow.id for flow in welcome.catalog]
