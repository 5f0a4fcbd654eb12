"""The kiosk's side of enrollment against the real controller on a real socket: it waits
pending without losing its outbox, stops when revoked, and rotates its token safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controller.app import create_app
from controller.services.audit import Actor
from controller.settings import Settings
from kiosk.controller_client import CredentialRevoked
from kiosk.enroller import Enroller
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox, State
from kiosk.sync import PENDING_POLL_SECONDS, SyncLoop
from tests.controller.controller_testkit import heartbeat, pairing_code, transaction
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import Heartbeat, KioskStatus, RegisterRequest, TransactionIn, validate

NUMBER = "KA01-2611260001"


@pytest.fixture
def app(tmp_path: Path, clock: FakeClock) -> Any:
    return create_app(Settings(data_dir=tmp_path / "controller"), clock=clock.wall)


def make_sync(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    code: str = "",
) -> SyncLoop:
    enroller = Enroller(
        EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
        client,
        RegisterRequest(hardware_id="hw-kiosk", name="一号机", pairing_code=code or None),
        f"http://127.0.0.1:{port}",
    )
    status = lambda: Heartbeat(sent_at=clock.wall(), status=KioskStatus.IDLE)  # noqa: E731
    return SyncLoop(outbox, client, enroller, status=status, now=clock.wall, clock=clock)


def queue(outbox: Outbox, clock: FakeClock) -> None:
    made = clock.wall().isoformat()
    outbox.add(validate(TransactionIn, transaction(number=NUMBER, created_at=made)))


def decide(app: Any, what: str, kiosk_id: str) -> None:
    runtime = app.state.runtime
    with runtime.db.session() as session:
        getattr(runtime.enrollment, what)(session, Actor.user("tech", "technician"), kiosk_id)
        session.commit()


def test_a_pending_kiosk_keeps_its_outbox_until_approved_then_sends_it(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock, app: Any
) -> None:
    sync = make_sync(tmp_path, outbox, client, port, clock)  # no pairing code
    queue(outbox, clock)
    with serve(app, port):
        assert sync.drain() == 0
        enrollment = sync._enroller.ensure()
        assert enrollment.pending
        sync.beat()  # no heartbeat while pending: its token would be refused
        assert sync.drain() == 0
        assert outbox.counts()[State.PENDING] == 1
        assert outbox.counts()[State.FAILED] == 0
        decide(app, "approve", enrollment.kiosk_id)
        assert sync.drain() == 0  # it asks again only after PENDING_POLL_SECONDS
        clock.advance(PENDING_POLL_SECONDS)
        assert sync.drain() == 1
    assert client.done == ["register", NUMBER]
    saved = EnrollmentStore(tmp_path / "kiosk" / "enrollment.json").load()
    assert saved is not None
    assert saved.state == "active"


def test_a_revoked_kiosk_stops_sending_and_does_not_enroll_again_by_itself(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock, app: Any
) -> None:
    sync = make_sync(tmp_path, outbox, client, port, clock, pairing_code(app))
    with serve(app, port):
        sync.drain()
        kiosk_id = sync._enroller.ensure().kiosk_id
        decide(app, "revoke", kiosk_id)
        queue(outbox, clock)
        assert sync.drain() == 0
        assert sync.drain() == 0
        with pytest.raises(CredentialRevoked):
            sync._enroller.renew()
    assert client.tried.count("register") == 1
    assert outbox.counts()[State.PENDING] == 1  # kept for when a technician brings it back
    assert outbox.counts()[State.FAILED] == 0
    blocked = sync._enroller.blocked
    assert blocked is not None
    assert blocked.code == "kiosk.credential_revoked"


def test_a_kiosk_rotates_its_token_when_asked_and_keeps_the_new_one_on_disk(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock, app: Any
) -> None:
    store = EnrollmentStore(tmp_path / "kiosk" / "enrollment.json")
    sync = make_sync(tmp_path, outbox, client, port, clock, pairing_code(app))
    with serve(app, port):
        sync.beat()
        old = store.load()
        assert old is not None
        clock.advance(30 * 24 * 3600)
        sync.beat()  # answered with rotate_credential: the kiosk rotates
        new = store.load()
        assert new is not None
        assert new.device_token != old.device_token
        assert new.kiosk_id == old.kiosk_id
        # A restarted kiosk reads the new token, and it works; the old one then does not.
        restarted = make_sync(tmp_path, outbox, client, port, clock, "")
        restarted.beat()
        queue(outbox, clock)
        assert restarted.drain() == 1
        refused = client._http.post(
            "/heartbeat",
            content=validate(
                Heartbeat, heartbeat(sent_at=clock.wall().isoformat())
            ).model_dump_json(),
            headers={
                "Authorization": f"Bearer {old.device_token}",
                "Content-Type": "application/json",
            },
        )
        assert refused.status_code == 401
    assert client.tried.count("register") == 1
