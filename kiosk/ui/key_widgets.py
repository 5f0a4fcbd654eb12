"""The widgets the kiosk's keyboard (kiosk/ui/keyboard.py) is made of: keys, candidates, the
layers they sit on and the handwriting pad (their styles: keyboard.kv, which places them by
name: importing this module registers them with Kivy's Factory)."""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.graphics import Color, Line
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.ui import theme
from kiosk.ui.widgets import BigButton


class KeyLayer(BoxLayout):
    """The keys or the pad: two layers in one place; only the active one is seen or touched."""

    active = BooleanProperty(True)

    def on_touch_down(self, touch: Any) -> bool:
        """Touches pass through an inactive layer (a disabled widget would swallow them)."""
        return bool(self.active and super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        """As on_touch_down."""
        return bool(self.active and super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        """As on_touch_down."""
        return bool(self.active and super().on_touch_up(touch))


class KeyButton(BigButton):
    """One key: at least TOUCH_MIN square."""


class CandidateButton(BigButton):
    """A candidate on the bar."""

    kind = StringProperty("")


class HandwritingPad(Widget):
    """A square where a finger writes one character; `on_stroke` after each stroke."""

    hint = StringProperty("")
    inked = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        self.strokes: list[list[tuple[float, float]]] = []  # pad points, y downwards
        super().__init__(**kwargs)
        self.on_stroke: Callable[[], None] | None = None
        self._lines: list[Line] = []

    def on_touch_down(self, touch: Any) -> bool:
        """Start a stroke inside the pad."""
        if not self.collide_point(*touch.pos) or self.disabled:
            return False
        touch.grab(self)
        self.strokes.append([self._point(touch)])
        self.inked = True
        with self.canvas.after:
            Color(*theme.TEXT)
            self._lines.append(Line(points=list(touch.pos), width=4, cap="round", joint="round"))
        return True

    def on_touch_move(self, touch: Any) -> bool:
        """Extend the stroke."""
        if touch.grab_current is not self:
            return False
        self.strokes[-1].append(self._point(touch))
        self._lines[-1].points = [*self._lines[-1].points, *touch.pos]
        return True

    def on_touch_up(self, touch: Any) -> bool:
        """End the stroke and ask for candidates."""
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        if self.on_stroke is not None:
            self.on_stroke()
        return True

    def _point(self, touch: Any) -> tuple[float, float]:
        # zinnia's models were trained with y growing downwards; Kivy's grows upwards.
        return (touch.x - self.x, self.top - touch.y)

    @property
    def side(self) -> float:
        """The pad's size for the recogniser (its larger side)."""
        return float(max(self.width, self.height, 1))

    def clear(self) -> None:
        """Wipe the ink."""
        self.strokes = []
        self._lines = []
        self.inked = False
        self.canvas.after.clear()
