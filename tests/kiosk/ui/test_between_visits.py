"""BetweenVisits without Kivy: the menu idling, the attract loop, out of service."""

from __future__ import annotations

from typing import Any

import pytest

from flows import Texts
from kiosk.ui.between_visits import ATTRACT_PAGE_SECONDS, BetweenVisits, Mode


class ScreensSeen:
    """Records what the screen between visits showed, as `kind:detail` strings."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.wipes = 0

    def wipe(self) -> None:
        self.wipes += 1

    def show_welcome(self, lang: str) -> None:
        self.shown.append(f"welcome:{lang}")

    def show_attract(self, cards: Any, page: int, lang: str) -> None:
        self.shown.append(f"attract:{page}:{lang}")

    def show_out_of_service(self, reason: Texts, contacts: Any, lang: str) -> None:
        self.shown.append(f"out_of_service:{reason.get(lang)}:{contacts.phone}")


@pytest.fixture
def screens() -> ScreensSeen:
    return ScreensSeen()


def _between(port: Any, screens: ScreensSeen, clock: Any, *, attract: bool) -> BetweenVisits:
    return BetweenVisits(port, lambda: screens, lang="zh-CN", clock=clock, attract_at_start=attract)


def test_out_of_service_takes_the_screen_in_the_stations_language_until_it_ends(
    make_port: Any, clock: Any, screens: ScreensSeen
) -> None:
    port = make_port(demo=False)
    between = _between(port, screens, clock, attract=False)
    port.closed = Texts("暂停服务", "Closed")
    assert between.tick("en") == "zh-CN"  # the last visitor's English does not stay
    assert screens.shown == ["out_of_service:暂停服务:0578-3123456"]
    assert screens.wipes == 1
    assert between.tick("zh-CN") == "zh-CN"
    assert screens.shown == ["out_of_service:暂停服务:0578-3123456"]  # drawn once per reason
    port.closed = None
    between.tick("zh-CN")
    assert between.mode == Mode.ATTRACT  # back in service: nobody waits at a closed kiosk
    assert screens.shown[-1] == "attract:0:zh-CN"


def test_the_attract_loop_turns_its_cards_and_wakes_for_a_card_laid_down(
    make_port: Any, clock: Any, screens: ScreensSeen
) -> None:
    port = make_port(demo=False)
    port.cards = port.cards * 2
    between = _between(port, screens, clock, attract=True)
    between.to_attract()
    clock.advance(ATTRACT_PAGE_SECONDS - 1)
    between.tick("zh-CN")
    assert screens.shown == ["attract:0:zh-CN"]
    clock.advance(1)
    between.tick("zh-CN")
    assert screens.shown[-1] == "attract:1:zh-CN"
    port.card_in = True
    between.tick("zh-CN")
    assert between.mode == Mode.WELCOME
    assert screens.shown[-1] == "welcome:zh-CN"


def test_an_untouched_menu_gives_way_to_the_attract_loop_unless_someone_reads_it(
    make_port: Any, clock: Any, screens: ScreensSeen
) -> None:
    port = make_port(demo=False)
    between = _between(port, screens, clock, attract=False)
    clock.advance(between.welcome_idle_seconds)
    port.absent_for = 0.0  # a face before the camera
    assert between.tick("en") == "en"
    assert between.mode == Mode.WELCOME
    assert between.untouched_for() == 0.0  # counted as a touch: the menu waits again
    port.absent_for = None
    clock.advance(between.welcome_idle_seconds - 1)
    between.tick("en")
    assert between.mode == Mode.WELCOME
    clock.advance(1)
    assert between.tick("en") == "zh-CN"
    assert between.mode == Mode.ATTRACT
    assert screens.shown == ["attract:0:zh-CN"]


def test_a_failing_port_question_leaves_the_screen_as_it_is(
    make_port: Any, clock: Any, screens: ScreensSeen
) -> None:
    port = make_port(demo=False)

    def broken() -> None:
        raise RuntimeError("provisioning side down")

    port.pairing = broken
    port.out_of_service = broken
    between = _between(port, screens, clock, attract=False)
    assert between.tick("zh-CN") == "zh-CN"
    assert between.mode == Mode.WELCOME
    assert screens.shown == []
