"""Things a citizen ticks: several choices, a declaration, the stars of a rating.

A `CheckToggle` is a whole line (or tile) with a drawn box at its left: tapping anywhere on
it ticks or unticks the box, so a long declaration is one large target, not a small box
beside a sentence. A `StarTile` is one level of the 好差评 rating: a drawn star over the
level's words; the tiles of one rating light their stars up to the level chosen
(styles: toggles.kv). Stars and ticks are drawn, not glyphs: CJK fonts differ in which
symbols they have.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kivy.graphics import Color, Line, Mesh
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui import theme
from kiosk.ui.widgets import WordWrap

KV_FILE = Path(__file__).with_suffix(".kv")


def star_points(cx: float, cy: float, outer: float, inner: float) -> list[float]:
    """The ten corners of a five-pointed star, point up, as x, y, x, y ..."""
    points: list[float] = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        points += [cx + radius * math.cos(angle), cy + radius * math.sin(angle)]
    return points


class CheckToggle(WordWrap, ToggleButtonBehavior, Label):
    """A line of text with a box at its left; a tap anywhere on it ticks or unticks the box.

    `wide`: a declaration across the form, as tall as its sentence; otherwise a tile of a
    multiple choice, as high as a button.
    """

    value = StringProperty("")
    wide = BooleanProperty(False)


class StarShape(Widget):
    """A five-pointed star, outlined, or filled when `lit`."""

    lit = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, lit=self._draw)

    def _draw(self, *_args: object) -> None:
        outer = min(self.width, self.height) / 2 - 3
        if outer <= 0:
            return
        points = star_points(self.center_x, self.center_y, outer, outer * 0.45)
        self.canvas.clear()
        with self.canvas:
            if self.lit:
                Color(*theme.STAR)
                # A fan from the centre covers the star: every corner is seen from there.
                fan = [self.center_x, self.center_y, *points, points[0], points[1]]
                vertices = [v for i in range(0, len(fan), 2) for v in (fan[i], fan[i + 1], 0, 0)]
                Mesh(vertices=vertices, indices=list(range(len(fan) // 2)), mode="triangle_fan")
            Color(*(theme.STAR if self.lit else theme.MUTED))
            Line(points=points, close=True, width=2.5, joint="round")


class StarTile(ToggleButtonBehavior, BoxLayout):
    """One level of a rating: its star and its words; one tile of the five is chosen."""

    value = StringProperty("")
    words = StringProperty("")
    lit = BooleanProperty(False)  # its star is filled: this level or a lower one is chosen

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Like a choice: a second tap (elderly people double-tap) does not un-choose it.
        self.allow_no_selection = False


__all__ = ["CheckToggle", "StarShape", "StarTile", "star_points"]
