"""A day without the controller: citizens are served, and when it comes back nothing is lost.

The controller is the real app on a real socket, run on the same fake clock as the kiosk
(its "not from the future" check and the kiosk's retry times see one time). It is up while
the kiosk enrolls and keeps its copy of the public content, then stopped for a simulated
day: every hour a citizen registers through the scripted walk (devkit/scripted.py), and
every few hours another searches jobs, looks up a policy and tries to book an appointment.
Then the controller comes back on the same port and the kiosk's own sync loop, with the
time it asks to wait, drains the backlog at its paced rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from controller.app import create_app
from controller.settings import Settings
from devkit.demo import demo_scripts, write_kiosk_config
from devkit.scripted import registration_script, walk_kiosk
from flows import ActionFailed, Session
from flows.actions import ActionName
from kiosk.actions.content import ContentFetching
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.messages import text
from kiosk.outbox import State
from tests.controller.controller_testkit import preauthorise, rows
from tests.kiosk.test_catalog_end_to_end import POLICY_BROWSE
from tests.support.clock import FakeClock
from tests.support.servers import free_port, serve

pytestmark = pytest.mark.e2e

HOURS_DOWN = 24
BEIJING = dt.timezone(dt.timedelta(hours=8))
HARDWARE_ID = "demo-kiosk-0001"  # devkit/demo.py write_kiosk_config's


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "controller", seed_demo=True)


@pytest.fixture
def port() -> int:
    return free_port()


def controller_up(
    settings: Settings, clock: FakeClock, port: int, stack: ExitStack, *, first: bool = False
) -> str:
    """The controller (again) on `port`, on the test's clock; stopped when `stack` closes.

    `first`: the demo kiosk's hardware id is pre-authorised (as the CLI does) to enroll.
    """
    app = create_app(settings, clock=clock.wall)
    if first:
        preauthorise(app, HARDWARE_ID)
    return stack.enter_context(serve(app, port))


@pytest.fixture
def kiosk(tmp_path: Path, settings: Settings, clock: FakeClock, port: int) -> Iterator[Kiosk]:
    """An enrolled kiosk holding a fresh copy of the content; the controller then stopped."""
    with ExitStack() as up:
        url = controller_up(settings, clock, port, up, first=True)
        config = load_config(
            write_kiosk_config(tmp_path / "kiosk.toml", url, social_card_reader="none")
        )
        kiosk = build_kiosk(
            config, clock=lambda: clock.wall().timestamp(), monotonic=clock, wall=clock.wall
        )
        kiosk.start(sync=False)
        kiosk.sync.cycle()  # enrolled, catalog reported, first heartbeat answered
        assert kiosk.sync.online
        assert kiosk.content is not None
        assert all(kiosk.content.refresh().values())
    try:
        yield kiosk
    finally:
        kiosk.close()


def test_a_day_without_the_controller_serves_citizens_and_loses_nothing(
    kiosk: Kiosk, settings: Settings, clock: FakeClock, port: int
) -> None:
    numbers: list[str] = []
    for hour in range(1, HOURS_DOWN + 1):
        clock.advance(3600)
        today = clock.wall().astimezone(BEIJING).date()
        result = walk_kiosk(kiosk, "employment_registration", registration_script(today, None))
        assert result.outcome == "completed", (hour, result.steps)
        assert result.transaction_number is not None
        numbers.append(result.transaction_number)
        if hour % 6 == 0:
            scripts = demo_scripts(today)
            for (flow_id, script), shown in ((scripts["job_search"], {"jobs", "job"}),
                                             (POLICY_BROWSE, {"policies", "policy"})):  # fmt: skip
                served = walk_kiosk(kiosk, flow_id, script)
                assert served.outcome == "completed", (flow_id, served.steps)
                assert shown <= set(served.steps), served.steps
                assert "fetch_failed" not in served.steps
            # The form's date bounds are read on the station's date, as the booking's is.
            flow_id, script = scripts["appointment"]
            booking = walk_kiosk(kiosk, flow_id, [*script[:3], {"press": "cancel"}])
            assert "hold_failed" in booking.steps, booking.steps  # the slots were listed
            assert booking.transaction_number is None
            hold = ContentFetching(kiosk.client, lambda: "token", kiosk.content_store).bound()
            with pytest.raises(ActionFailed) as refused:
                hold[ActionName.HOLD_PLACE](Session(selected={"slots": "any"}))
            assert refused.value.message == text("kiosk.booking_offline")
        kiosk.sync.cycle()  # the sync loop keeps trying: the controller is away
        assert not kiosk.sync.online
    assert kiosk.outbox.counts()[State.PENDING] == HOURS_DOWN
    oldest = kiosk.outbox.oldest_pending()
    assert oldest is not None
    assert clock.wall() - oldest >= dt.timedelta(hours=HOURS_DOWN - 1)
    assert rows(settings, "SELECT number FROM transactions") == []

    with ExitStack() as up:
        controller_up(settings, clock, port, up)
        for _ in range(2000):  # bounded: the loop's own waits, on the fake clock
            if kiosk.sync.pending() == 0:
                break
            clock.advance(max(kiosk.sync.cycle(), 0.05))
        assert kiosk.sync.online
        stored = rows(settings, "SELECT number, key FROM transactions")

    counts = kiosk.outbox.counts()
    assert counts[State.ACKED] == HOURS_DOWN
    assert counts[State.FAILED] == counts[State.QUARANTINED] == counts[State.PENDING] == 0
    assert sorted(number for number, _ in stored) == sorted(numbers)  # 0 lost
    assert len({number for number, _ in stored}) == len(stored) == HOURS_DOWN  # 0 duplicated
    assert len({key for _, key in stored}) == HOURS_DOWN
