"""The hidden way in: a long press top-left, then three corners clockwise, and nothing else."""

from __future__ import annotations

import pytest

from kiosk.maintenance_gesture import (
    HOLD_SECONDS,
    SEQUENCE_SECONDS,
    Corner,
    CornerGesture,
    corner_at,
)
from tests.kiosk.maintenance_testkit import WallClock


def press(gesture: CornerGesture, clock: WallClock, corner: Corner | None, hold: float) -> bool:
    gesture.down(corner)
    clock.now += hold
    return gesture.up(corner)


def test_a_long_press_top_left_then_three_corners_clockwise_opens(wall: WallClock) -> None:
    gesture = CornerGesture(clock=wall)
    assert not press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS)
    assert not press(gesture, wall, Corner.TOP_RIGHT, 0.1)
    assert not press(gesture, wall, Corner.BOTTOM_RIGHT, 0.1)
    assert press(gesture, wall, Corner.BOTTOM_LEFT, 0.1)
    # Done: the corners again without the long press do nothing.
    assert not any(press(gesture, wall, c, 0.1) for c in [*Corner, *Corner])


@pytest.mark.parametrize(
    "taps",
    [
        [Corner.TOP_RIGHT, Corner.BOTTOM_LEFT, Corner.BOTTOM_RIGHT],  # wrong order
        [Corner.TOP_RIGHT, None, Corner.BOTTOM_RIGHT, Corner.BOTTOM_LEFT],  # a tap mid-screen
    ],
    ids=["wrong-order", "tap-between"],
)
def test_a_wrong_sequence_does_not_open(wall: WallClock, taps: list[Corner | None]) -> None:
    gesture = CornerGesture(clock=wall)
    press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS)
    assert not any(press(gesture, wall, corner, 0.1) for corner in taps)


def test_a_short_press_or_a_slow_sequence_does_not_open(wall: WallClock) -> None:
    gesture = CornerGesture(clock=wall)
    press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS - 0.5)  # a citizen's ordinary tap
    assert not any(press(gesture, wall, c, 0.1) for c in TAPS)
    press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS)
    wall.now += SEQUENCE_SECONDS
    assert not any(press(gesture, wall, c, 0.1) for c in TAPS)


TAPS = (Corner.TOP_RIGHT, Corner.BOTTOM_RIGHT, Corner.BOTTOM_LEFT)


def test_corners_are_small_squares_of_the_screen() -> None:
    assert corner_at(5, 795, 1280, 800) is Corner.TOP_LEFT
    assert corner_at(1275, 5, 1280, 800) is Corner.BOTTOM_RIGHT
    assert corner_at(5, 400, 1280, 800) is None
    assert corner_at(200, 795, 1280, 800) is None
