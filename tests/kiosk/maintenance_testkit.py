"""What the maintenance tests share: the PIN and a wall clock a test moves (their fixtures,
`wall` and `pin_file`, are in tests/kiosk/conftest.py)."""

from __future__ import annotations

PIN = "482915"


class WallClock:
    """Wall-clock seconds that a test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now
