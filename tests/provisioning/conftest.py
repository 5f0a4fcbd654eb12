"""Fixtures of the enrollment end-to-end tests (helpers: enrollment_kit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devkit.tappers import DemoRig, SelfTestHand
from kiosk.composition import Kiosk
from tests.support.servers import ControllerProcess, SharedController, free_port


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControllerProcess]:
    """One controller for the module: each test's kiosk has a serial of its own
    (`serial_of`), so its row on the controller is its own."""
    proc = SharedController(tmp_path_factory.mktemp("controller"), port=free_port())
    proc.wait_ready()
    yield proc
    proc.stop()


@pytest.fixture
def hand_for() -> Iterator[Any]:
    """Starts a SelfTestHand on a kiosk's simulators; stopped after the test."""
    started: list[tuple[SelfTestHand, DemoRig]] = []

    def start(kiosk: Kiosk) -> SelfTestHand:
        assert kiosk.provisioning is not None
        side = kiosk.provisioning
        rig = DemoRig(kiosk.simulators)
        hand = SelfTestHand(rig, lambda: side.provisioning.selftest_run).start()
        started.append((hand, rig))
        return hand

    yield start
    for hand, rig in started:
        hand.stop()
        rig.close()
