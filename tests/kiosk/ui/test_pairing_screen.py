"""An unprovisioned kiosk shows its technician a pairing screen (kiosk/ui/screens/pairing.py):
the code large, a QR code of what the printed one carries, the controller, the time left,
renewed with each new code; nothing a citizen could press, nothing personal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.ports import PairingView
from tests.support.qr import read_qr

pytestmark = pytest.mark.kivy

FIRST = PairingView(
    code_shown="K7Q-M4Z",
    qr_payload="K7QM4Z",
    seconds_left=545.2,
    controller_url="https://estation.example.gov.cn",
    station_name="五云街道24小时就业服务e站",
    serial="SN-0001",
)
NEXT = PairingView(
    code_shown="P2X-9HT",
    qr_payload="P2X9HT",
    seconds_left=600.0,
    controller_url=FIRST.controller_url,
    serial="SN-0001",
)


@pytest.mark.parametrize(("lang", "elder"), [("zh-CN", False), ("en", False), ("en", True)])
def test_the_pairing_screen_shows_the_code_its_qr_and_follows_a_new_code(
    make_port: Any, clock: Any, tmp_path: Path, lang: str, elder: bool
) -> None:
    from devkit.headless import HeadlessUI
    from kiosk.ui.layout_check import layout_problems

    port = make_port()
    offered = [FIRST]
    port.pairing = lambda: offered[-1]
    with HeadlessUI(port, clock=clock, lang=lang) as ui:
        ui.session.set_elder(elder)  # left on from a citizen's visit: the same screen
        ui.until(lambda: ui.root.current == "pairing")
        screen = ui.root.pairing
        ids = screen.ids
        ui.frames(3)
        assert ids.code.text == "K7Q-M4Z"
        assert ids.code.font_size >= 100  # read from a step away
        assert ids.station.text == FIRST.station_name
        assert FIRST.controller_url in ids.controller.text
        assert "SN-0001" in ids.serial.text
        assert ids.expires.text == ("9分06秒后换新码" if lang == "zh-CN" else "New code in 9:06")
        assert read_qr(ui.screenshot(tmp_path / "first.png")) == "K7QM4Z"
        assert layout_problems(screen) == []
        assert not any(hasattr(w, "on_release") for w in screen.walk())  # nothing to press

        offered.append(NEXT)  # redeemed or expired: the kiosk offers the next code
        # The session's once-a-second tick, called as the App's real-time interval would:
        # 300 quick headless frames may all fall inside one second.
        ui.session.tick()
        ui.until(lambda: ids.code.text == "P2X-9HT")
        ui.frames(2)
        assert ids.station.text == ""  # no name known yet
        assert read_qr(ui.screenshot(tmp_path / "next.png")) == "P2X9HT"
        assert layout_problems(screen) == []

        port.pairing = lambda: None  # enrolled: back to serving citizens
        ui.session.tick()
        ui.until(lambda: ui.root.current != "pairing")
        assert ids.code.text == ""
        assert ids.qr.payload == ""


def test_the_time_left_is_rounded_up_to_the_second() -> None:
    from kiosk.ui.screens.pairing import time_left

    assert time_left(59.01, "en") == "New code in 1:00"
    assert time_left(0.0, "zh-CN") == "0分00秒后换新码"
    assert time_left(-3.0, "en") == "New code in 0:00"
