"""Shared fixtures: a simulated reader on a real pty and a driver connected to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.idcard.reader import IdCardReader
from drivers.idcard.simulator import IdCardSimulator


@pytest.fixture
def sim() -> Iterator[IdCardSimulator]:
    """A started simulator holding the three synthetic cards, none in the field."""
    with IdCardSimulator() as simulator:
        yield simulator
    assert simulator.error is None, "the simulator's serving thread crashed"


@pytest.fixture
def reader(sim: IdCardSimulator) -> Iterator[IdCardReader]:
    """The real driver on the simulator's pty, with short timeouts to keep tests fast."""
    with IdCardReader(sim.url, timeout=0.3, poll_interval=0.02) as device:
        yield device
