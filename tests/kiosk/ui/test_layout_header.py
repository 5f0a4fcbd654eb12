"""The layout defects a citizen saw (issue 8) in the header and the welcome band: a title under
it, a long service name, the voice button, a long station name; each found by the geometry
checks of kiosk/ui/layout_check.py on the screen where it was seen.
"""

from __future__ import annotations

from typing import Any

import pytest

from drivers.idcard.fixtures import FIXTURES
from kiosk.ui import theme
from tests.kiosk.ui.modes import MODES, set_mode

pytestmark = pytest.mark.kivy


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
        set_mode(ui, lang, elder)
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


def test_elder_modes_header_keeps_a_long_english_service_name_in_whole_words(
    make_port: Any, clock: Any
) -> None:
    # With the step counter at elder mode's 42 px beside it, "Unemployment registration"
    # had a strip so narrow that the name was cut "Unemploymen / t".
    from devkit.headless import HeadlessUI
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import _lines

    flow = next(
        s.flow for s in load_builtin_catalog().services if s.flow.id == "unemployment_registration"
    )
    with HeadlessUI(make_port(flow=flow), clock=clock) as ui:
        set_mode(ui, "en", True)
        ui.session.start(flow.id)
        ui.frames(4)
        header = ui.root.current_screen.ids.header.ids
        assert header.step_label.text.startswith("Step 1 of")
        words = [word for line in _lines(header.flow_title) for word in line.split()]
        assert words == flow.title.get("en").split()
        ui.session.close()
        ui.session.finish()


@pytest.mark.parametrize(("lang", "elder"), MODES)
def test_the_headers_voice_button_speaks_as_large_as_its_neighbours(
    make_port: Any, clock: Any, lang: str, elder: bool
) -> None:
    # In elder mode "Voice on" stayed at a fixed 30 px beside the 45 px of the language
    # and help buttons.
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems

    with HeadlessUI(make_port(), clock=clock) as ui:
        set_mode(ui, lang, elder)
        ui.session.start("employment_registration")
        ui.frames(3)
        screen = ui.root.current_screen
        header = screen.ids.header.ids
        assert header.voice.font_size == header.language.font_size == theme.style.body
        assert header.voice.texture_size[0] <= header.voice.width
        assert layout_problems(screen.ids.header) == []
        ui.session.close()
        ui.session.finish()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_welcome_band_holds_a_long_station_name(
    make_port: Any, clock: Any, lang: str, monkeypatch: Any
) -> None:
    # The demo station's name, three lines at its 28 px floor beside elder mode's wide
    # buttons, was 108 px high in the band's 100.
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import FakePort

    monkeypatch.setattr(FakePort, "station_name", "示范街道24小时就业服务e站")
    with HeadlessUI(make_port(), clock=clock) as ui:
        set_mode(ui, lang, True)
        ui.frames(3)
        station = ui.root.welcome.ids.station
        assert station.text == "示范街道24小时就业服务e站"
        assert layout_problems(ui.root.welcome) == []
