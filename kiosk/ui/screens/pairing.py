"""Pairing: an unprovisioned kiosk waits for its technician (kiosk/provisioning_rig.py).

The station name if one is known, the pairing code large (as the receipt printer prints
it), a QR code of the same payload as the printed one (the technician's tool scans either),
the controller's address, the serial number and the time left before the code is replaced.
Nothing a citizen can press, nothing personal: every word is the kiosk's own.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import math
from pathlib import Path

from kiosk.ports import PairingView
from kiosk.ui.qr import QrCode
from kiosk.ui.strings import ui_text
from kiosk.ui.widgets import KioskScreen

__all__ = ["PairingScreen", "QrCode", "time_left"]

KV_FILE = Path(__file__).with_suffix(".kv")


def time_left(seconds_left: float, lang: str) -> str:
    """The time before the code is replaced, in whole seconds rounded up: 9分05秒."""
    whole = max(0, math.ceil(seconds_left))
    return ui_text("pairing_expires", lang, minutes=whole // 60, seconds=whole % 60)


class PairingScreen(KioskScreen):
    """The pairing code, its QR code and where the kiosk will report, for the technician."""

    def show(self, view: PairingView, lang: str) -> None:
        """Fill from `view` in `lang`; called again each second and with each new code."""
        self.ids.station.text = view.station_name
        self.ids.title.text = ui_text("pairing_title", lang)
        self.ids.code_label.text = ui_text("pairing_code", lang)
        self.ids.code.text = view.code_shown
        self.ids.qr.payload = view.qr_payload
        self.ids.scan.text = ui_text("pairing_scan", lang)
        self.ids.expires.text = time_left(view.seconds_left, lang)
        self.ids.controller.text = (
            ui_text("pairing_controller", lang, url=view.controller_url)
            if view.controller_url
            else ""
        )
        self.ids.serial.text = (
            ui_text("pairing_serial", lang, serial=view.serial) if view.serial else ""
        )

    def clear(self) -> None:
        """Forget the code (it is the kiosk's, but it opens its installation API)."""
        for key in ("station", "code", "expires", "controller", "serial"):
            self.ids[key].text = ""
        self.ids.qr.payload = ""
