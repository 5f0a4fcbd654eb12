"""Colours and sizes for elderly and first-time users: large, high contrast, one accent.

Numbers are pixels on the 1280x800 kiosk panel. Floors: touch targets 88 px high, body text
28 px, titles 44 px.
"""

from __future__ import annotations

RGBA = tuple[float, float, float, float]


def hex_rgba(value: str, alpha: float = 1.0) -> RGBA:
    """'#1E4E9A' as a Kivy colour."""
    value = value.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


BACKGROUND = hex_rgba("#F4F6F9")
SURFACE = hex_rgba("#FFFFFF")
TEXT = hex_rgba("#1A1A1A")
MUTED = hex_rgba("#4A4F57")  # still 8:1 on the background
ACCENT = hex_rgba("#1E4E9A")
ACCENT_DOWN = hex_rgba("#143668")
ACCENT_LIGHT = hex_rgba("#E3EBF7")
ON_ACCENT = hex_rgba("#FFFFFF")
BORDER = hex_rgba("#B8C2D0")
ERROR = hex_rgba("#B00020")
STAR = hex_rgba("#B07800")  # a lit star: gold, still 3.8:1 on white
GREYED = hex_rgba("#E6E9EE")  # what cannot be chosen (a full class): flat grey, no outline
DEMO = hex_rgba("#8A5A00")  # demo-only panel: amber, so nobody mistakes it for the service
DEMO_LIGHT = hex_rgba("#FFF4DC")

TOUCH_MIN = 88
BUTTON_HEIGHT = 100
BUTTON_MIN_WIDTH = 240
BODY = 30
SMALL = 28  # the floor: hints, step indicator
TITLE = 48
HEADLINE = 56
CLOCK = 96
TRANSACTION = 80
PADDING = 40
SPACING = 24
RADIUS = 14
MAX_PER_ROW = 4
