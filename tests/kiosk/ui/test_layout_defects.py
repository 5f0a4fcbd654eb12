"""The layout defects a citizen saw (issue 8), each found by the geometry checks of
kiosk/ui/layout_check.py on the screen where it was seen, in both languages and modes."""

from __future__ import annotations

from typing import Any

import pytest

from drivers.idcard.fixtures import FIXTURES
from kiosk.ui import theme

pytestmark = pytest.mark.kivy

MODES = [("zh-CN", False), ("en", False), ("zh-CN", True), ("en", True)]


def _mode(ui: Any, lang: str, elder: bool) -> None:
    ui.session.set_lang(lang)
    ui.session.set_elder(elder)
    ui.frames(1)


@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_the_id_card_title_stays_under_the_header_beside_the_demo_card_panel(
    make_port: Any, clock: Any, lang: str, elder: bool
) -> None:
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems

    port = make_port()
    assert port.tapper is not None
    port.tapper.names = [card.name for card in FIXTURES]  # the demo rig's seven cards
    with HeadlessUI(port, clock=clock) as ui:
        _mode(ui, lang, elder)
        ui.session.start("employment_registration")
        ui.frames(3)
        screen = ui.root.steps["action"]
        assert ui.root.current == "action"
        assert screen.ids.demo.opacity == 1
        assert len(screen.card_buttons) == len(FIXTURES)
        # The title's top (it was 18 px up into the header in English) and every other text.
        assert screen.ids.title.top <= screen.ids.header.y
        assert layout_problems(screen) == []
        # Every simulated card can still be reached and tapped.
        for button in screen.card_buttons:
            assert button.height >= theme.style.touch_min
        ui.session.close()
        ui.session.finish()
