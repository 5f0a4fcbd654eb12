"""The hidden way into maintenance mode: a long press on a corner, then three corner taps.

On the service menu, with no visit in progress, hold a finger on the **top-left corner**
for `HOLD_SECONDS`, then within `SEQUENCE_SECONDS` tap the **top-right**, **bottom-right**
and **bottom-left** corners in that order (clockwise). Corners are the squares of
`CORNER_SHARE` of the screen's shorter side. Pure logic on a clock: the UI feeds it touches.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class Corner(enum.Enum):
    """A corner of the screen."""

    TOP_LEFT = "top_left"
    TOP_RIGHT = "top_right"
    BOTTOM_RIGHT = "bottom_right"
    BOTTOM_LEFT = "bottom_left"


HOLD_SECONDS = 3.0
SEQUENCE_SECONDS = 10.0
CORNER_SHARE = 0.12
TAP_SEQUENCE = (Corner.TOP_RIGHT, Corner.BOTTOM_RIGHT, Corner.BOTTOM_LEFT)


def corner_at(x: float, y: float, width: float, height: float) -> Corner | None:
    """The corner (x, y) falls in, Kivy-style (y grows upwards), or None."""
    size = CORNER_SHARE * min(width, height)
    left, right = x <= size, x >= width - size
    bottom, top = y <= size, y >= height - size
    if top and left:
        return Corner.TOP_LEFT
    if top and right:
        return Corner.TOP_RIGHT
    if bottom and right:
        return Corner.BOTTOM_RIGHT
    if bottom and left:
        return Corner.BOTTOM_LEFT
    return None


class CornerGesture:
    """The hidden way in: a long press on the top-left corner, then three corner taps."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._pressed_at: float | None = None
        self._armed_at: float | None = None
        self._taps: list[Corner] = []

    def down(self, corner: Corner | None) -> None:
        """A finger touched the screen (in `corner`, or elsewhere: None)."""
        self._pressed_at = self._clock() if corner is Corner.TOP_LEFT else None

    def up(self, corner: Corner | None) -> bool:
        """The finger left the screen; True when this completed the gesture."""
        now = self._clock()
        pressed, self._pressed_at = self._pressed_at, None
        if pressed is not None and corner is Corner.TOP_LEFT and now - pressed >= HOLD_SECONDS:
            self._armed_at, self._taps = now, []
            return False
        if self._armed_at is None:
            return False
        if now - self._armed_at > SEQUENCE_SECONDS or corner is None:
            self.reset()
            return False
        self._taps.append(corner)
        if tuple(self._taps) != TAP_SEQUENCE[: len(self._taps)]:
            self.reset()
            return False
        if len(self._taps) == len(TAP_SEQUENCE):
            self.reset()
            return True
        return False

    def reset(self) -> None:
        """Forget any part of the gesture seen so far."""
        self._pressed_at = self._armed_at = None
        self._taps = []
