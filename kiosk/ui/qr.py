"""A QR code on screen, crisp and large enough for a phone held at arm's length.

The modules come from `drivers.camera.scenes.qr_modules`, which encodes with the `qrcode`
library (kiosk/ may not import it itself: tests/architecture/checker.py), quiet zone included.
They become a texture of one pixel per module drawn with nearest-neighbour scaling at a
whole number of screen pixels per module, so every module has the same size and sharp
edges; blurred or uneven modules are what makes phone cameras hesitate.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from typing import Any

from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

_DARK = b"\x00\x00\x00\xff"
_LIGHT = b"\xff\xff\xff\xff"


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR code of `payload` (UTF-8, byte mode, level M) as rows of modules, True = dark."""
    from drivers.camera.scenes import qr_modules  # cv2 and numpy: loaded on first use only

    rows: list[list[bool]] = qr_modules(payload).tolist()
    return rows


def qr_texture(matrix: list[list[bool]]) -> Texture:
    """One texture pixel per module; scaled up without smoothing."""
    size = len(matrix)
    # Kivy textures start with the bottom row; the matrix starts with the top one.
    pixels = b"".join(
        b"".join(_DARK if dark else _LIGHT for dark in row) for row in reversed(matrix)
    )
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    return texture


class QrCode(Widget):
    """Draws `payload` as a QR code centred in the widget, as large as whole pixels allow."""

    payload = StringProperty("")
    texture = ObjectProperty(None, allownone=True)
    modules = NumericProperty(0)  # across, quiet zone included
    module_px = NumericProperty(0)  # screen pixels per module
    side = NumericProperty(0)  # pixels across the whole code

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(size=self._fit, modules=self._fit)

    def on_payload(self, _widget: QrCode, payload: str) -> None:
        """Encode the new payload, or draw nothing for an empty one."""
        if not payload:
            self.texture = None
            self.modules = 0
            return
        matrix = qr_matrix(payload)
        self.texture = qr_texture(matrix)
        self.modules = len(matrix)

    def _fit(self, *_args: object) -> None:
        n = int(self.modules)
        self.module_px = int(min(self.width, self.height)) // n if n else 0
        self.side = self.module_px * n
