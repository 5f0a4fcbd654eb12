"""Colours and sizes for elderly and first-time users: large, high contrast, one accent.

Numbers are pixels on the 1280x800 kiosk panel (one pixel is one dp there). Floors: touch
targets 88 px high, body text 28 px, titles 44 px.

The upper-case constants are the normal mode. The sizes the screens draw with are read from
`style`, an observable that the .kv rules bind to (`font_size: theme.style.body`): elder
mode (长辈模式, `style.elder = True`) sets text 1.5x larger and targets taller, and every
rule bound to `style` follows at once; what a screen laid out in Python (the menu's tiles, a
form's blocks) is laid out again by the session (`UISession.set_elder`). The colours are the
same in both modes: each text colour already reaches 7:1 on its ground.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its classes are Any to mypy.)

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty

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
# Segments of a half circle in an outline's rounded corners (a Line's `rounded_rectangle`;
# Kivy's default is 45). At our radii (14-30 px) 16 stray from the arc by under 0.15 px,
# the same pixels by eye; each segment is triangles and a round joint that software GL
# draws on every frame: the outlines of a screen cost half as much (docs/touchscreen.md).
ARC_SEGMENTS = 16
MAX_PER_ROW = 4

# Elder mode: the text people read 1.5x (GB/T 37668 and the MIIT 适老化 rules ask for large
# type; 1.5x of a 30 px body is 45 px), display numbers that are large already a little less.
ELDER_TEXT = 1.5
# Elder mode's main text, `style.body` in that mode: the menu's names and the answers the
# confirm step lists are read at this size, never under it.
ELDER_BODY = round(BODY * ELDER_TEXT)
ELDER_TOUCH_MIN = 100
ELDER_BUTTON_HEIGHT = 120
ELDER_TIMEOUT = 2.0  # every step's idle timeout and the end screen's wait, doubled
# The floors a test holds each mode to (dp): WCAG 2.5.5 asks 44, the brief 48 and 60.
TARGET_FLOOR = {False: 48, True: 60}


class Style(EventDispatcher):
    """The sizes in use now; the .kv rules bind to these, so a mode change redraws."""

    elder = BooleanProperty(False)
    scale = NumericProperty(1.0)  # for a rule's own literal size: `34 * theme.style.scale`
    body = NumericProperty(BODY)
    small = NumericProperty(SMALL)
    title = NumericProperty(TITLE)
    headline = NumericProperty(HEADLINE)
    clock = NumericProperty(CLOCK)
    transaction = NumericProperty(TRANSACTION)
    touch_min = NumericProperty(TOUCH_MIN)
    button_height = NumericProperty(BUTTON_HEIGHT)
    timeout_factor = NumericProperty(1.0)

    def on_elder(self, _style: Style, elder: bool) -> None:
        """Set every size for the mode.

        In this order: a class rule (TextLabel: `body`) and a rule of one widget of that
        class (`small`, `headline`, `34 * scale`) both follow the style, and the value set
        last wins; so the general sizes first, `scale` last.
        """
        text = ELDER_TEXT if elder else 1.0
        self.timeout_factor = ELDER_TIMEOUT if elder else 1.0
        self.touch_min = ELDER_TOUCH_MIN if elder else TOUCH_MIN
        self.button_height = ELDER_BUTTON_HEIGHT if elder else BUTTON_HEIGHT
        self.body = round(BODY * text)
        self.title = round(TITLE * text)
        self.small = round(SMALL * text)
        self.headline = round(HEADLINE * (1.3 if elder else 1.0))
        self.clock = CLOCK
        self.transaction = round(TRANSACTION * (1.2 if elder else 1.0))
        self.scale = text


style = Style()
"""The one style of the running kiosk (one screen, one visitor at a time)."""
