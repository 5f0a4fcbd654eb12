"""A signed release is staged, switched between visits and reported healthy, to a kiosk that
says it understands updates; reports wait for the controller.
"""

from __future__ import annotations

from kiosk.enrollment import EnrollmentStore
from kiosk.updater import HealthSignal, Step
from tests.controller.controller_testkit import rows
from tests.kiosk.sync_testkit import RecordingClient
from tests.kiosk.updater_testkit import (
    NEW,
    OLD,
    Station,
    controller_app,
    reported,
)
from tests.support.servers import serve
from wire import CAPABILITY_UPDATES, Heartbeat, KioskStatus


def test_a_signed_release_is_staged_switched_between_visits_and_reported_healthy(
    station: Station,
) -> None:
    clock, layout, settings = station.clock, station.layout, station.settings
    with station.served():
        kiosk = station.offered()
        assert kiosk.updater.staged == NEW
        assert layout.has(NEW)
        assert layout.running() == OLD
        assert reported(settings) == [(NEW, "staged", "")]
        # A citizen is at the screen: nothing switches under them.
        assert kiosk.updater.tick(between_visits=False) is Step.NOTHING
        assert layout.running() == OLD
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
        assert layout.running() == NEW
        assert reported(settings) == [(NEW, "installed", "")]
        # The new version starts, has a heartbeat answered and shows its menu.
        after = station.restart()
        assert after.updater.on_trial == NEW
        after.sync.beat()
        assert after.updater.check() is Step.NOTHING  # no menu yet
        after.updater.saw(HealthSignal.MENU)
        clock.advance(30)
        assert after.updater.check() is Step.HEALTHY
        assert after.updater.on_trial is None
    assert reported(settings) == [(NEW, "healthy", "")]
    assert rows(settings, "SELECT software_version FROM kiosks") == [(NEW,)]
    assert sorted(p.name for p in layout.releases.iterdir()) == [OLD, NEW]


def test_a_kiosk_that_does_not_say_it_understands_updates_gets_no_offer(
    station: Station, client: RecordingClient
) -> None:
    with station.served():
        kiosk = station.start()
        kiosk.sync.beat()
        station.publish()
        token = EnrollmentStore(station.tmp_path / "kiosk" / "enrollment.json").load()
        assert token is not None
        old = Heartbeat(sent_at=station.clock.wall(), status=KioskStatus.IDLE, software_version=OLD)
        ack = client.heartbeat(old, token.device_token)
        # An older kiosk would refuse an answer with a field it does not know.
        assert "release" not in ack.model_dump(exclude_defaults=True)
        newer = old.model_copy(update={"capabilities": frozenset({CAPABILITY_UPDATES})})
        assert client.heartbeat(newer, token.device_token).release is not None


def test_reports_that_could_not_be_sent_are_sent_after_the_next_heartbeat(
    station: Station,
) -> None:
    clock, settings = station.clock, station.settings
    with station.served():
        kiosk = station.offered()
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
    # The controller is away while the new version proves itself.
    after = station.restart()
    after.updater.saw(HealthSignal.MENU)
    after.updater.saw(HealthSignal.HEARTBEAT)
    after.updater.saw(HealthSignal.ENROLLED)
    assert after.updater.check() is Step.HEALTHY
    assert reported(settings) == [(NEW, "installed", "")]
    clock.advance(300)
    with serve(controller_app(settings, clock), station.port):
        after.sync.beat()
    assert reported(settings) == [(NEW, "healthy", "")]
    assert station.layout.running() == NEW
