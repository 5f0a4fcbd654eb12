"""A release that fails its health check, never starts or is badly signed is rolled back or
refused, reported, and the rollout halted.
"""

from __future__ import annotations

import pytest

from devkit.release import (
    SecretKey,
)
from kiosk.updater import STATE_FILE, Step, UpdateState, guard
from tests.controller.controller_testkit import rows
from tests.kiosk.updater_testkit import (
    NEW,
    OLD,
    Station,
    reported,
    tamper,
)


def test_a_failing_health_check_rolls_back_and_is_reported(station: Station) -> None:
    clock, layout, settings = station.clock, station.layout, station.settings
    with station.served():
        kiosk = station.offered()
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
        after = station.restart()
        after.sync.beat()  # it runs and talks, but never reaches the menu
        clock.advance(599)
        assert after.updater.check() is Step.NOTHING
        clock.advance(2)
        assert after.updater.check() is Step.RESTART
        assert layout.running() == OLD
        # Back on OLD: the offer is not taken again.
        again = station.restart()
        again.sync.beat()
        assert again.updater.staged is None
        assert layout.running() == OLD
    assert reported(settings) == [(NEW, "rolled_back", "health check: no menu")]
    # The only kiosk failed: past the 20 % threshold, the rollout halted.
    assert rows(settings, "SELECT state FROM rollouts") == [("halted",)]


def test_a_version_that_never_starts_is_switched_back_by_the_guard(station: Station) -> None:
    layout = station.layout
    state = station.tmp_path / "kiosk" / STATE_FILE
    with station.served():
        kiosk = station.offered()
        kiosk.updater.tick(between_visits=True)
        # It crashes before the updater runs, again and again; systemd keeps starting it.
        assert [guard(layout, state) for _ in range(4)] == [False, False, False, True]
        assert layout.running() == OLD
        station.start().sync.beat()  # the old version sends what the guard kept
    assert reported(station.settings) == [(NEW, "rolled_back", "did not start 3 times")]


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        pytest.param("corrupted", "bad_signature", id="corrupted"),
        pytest.param("unsigned", "unsigned", id="unsigned"),
        pytest.param("other_key", "wrong_key", id="signed-by-another-key"),
    ],
)
def test_a_bad_bundle_is_refused_reported_and_never_installed(
    station: Station, damage: str, code: str
) -> None:
    app, layout, settings = station.app, station.layout, station.settings
    with station.served():
        kiosk = station.start()
        kiosk.sync.beat()
        station.publish(SecretKey.generate() if damage == "other_key" else None)
        if damage == "corrupted":
            bundle = bytearray(rows(settings, "SELECT bundle FROM releases")[0][0])
            bundle[len(bundle) // 2] ^= 0x01
            tamper(app, bundle=bytes(bundle))
        elif damage == "unsigned":
            tamper(app, signature="")
        kiosk.sync.beat()
        assert kiosk.updater.staged is None
        assert kiosk.updater.tick(between_visits=True) is Step.NOTHING
        kiosk.sync.beat()  # offered again: not fetched again
    assert not layout.has(NEW)
    assert layout.running() == OLD
    assert reported(settings) == [(NEW, "refused", code)]
    assert UpdateState.load(layout.root.parent / "kiosk" / STATE_FILE).refused == [NEW]
    assert rows(settings, "SELECT state FROM rollouts") == [("halted",)]
