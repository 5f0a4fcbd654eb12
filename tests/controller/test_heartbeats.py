"""Heartbeat ingest: unchanging heartbeats are written in batches, state changes at once,
device tokens come from a cache that revocation and revalidation keep honest; on SQLite and
PostgreSQL, with one app or two on one database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.services.audit import Actor
from controller.services.heartbeats import HeartbeatIngest
from controller.settings import Settings
from tests.controller.controller_testkit import (
    FAST_AUTH,
    heartbeat,
    post_json,
    register,
    rows,
)
from tests.support.clock import FakeClock

FAULTED = {
    "id_card_reader": {"state": "ok"},
    "receipt_printer": {"state": "faulted", "reason": "cover open"},
}


def ingest_of(client: TestClient) -> HeartbeatIngest:
    """The app's heartbeat ingest: its public flush and revalidate hooks."""
    ingest: HeartbeatIngest = client.app.state.runtime.heartbeats  # type: ignore[attr-defined]
    return ingest


def beat(client: TestClient, token: str, clock: FakeClock, **overrides: object) -> None:
    """A heartbeat sent at the clock's time (an old sent_at would be a clock-skew change)."""
    body = heartbeat(sent_at=clock.wall().isoformat(), **overrides)
    answer = post_json(client, "/heartbeat", body, token)
    assert answer.status_code == 200, answer.text


def stored(settings: Settings, kiosk_id: str) -> tuple[object, ...]:
    """(outbox_pending, last_seen_at) as the database holds them now."""
    found = rows(
        settings, "SELECT outbox_pending, last_seen_at FROM kiosks WHERE kiosk_id = ?", kiosk_id
    )
    return found[0]


def health(settings: Settings, kiosk_id: str) -> str:
    found = rows(
        settings,
        "SELECT h.health FROM kiosk_health h JOIN kiosks k ON k.id = h.kiosk_pk"
        " WHERE k.kiosk_id = ?",
        kiosk_id,
    )
    return str(found[0][0])


@contextmanager
def app_client(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    """Another controller app (a replica) on the same database."""
    app = create_app(settings, clock=clock.wall, auth=FAST_AUTH)
    with TestClient(app, client=("127.0.0.1", 50001)) as replica:
        yield replica


def test_a_heartbeat_that_changes_nothing_is_on_the_dashboard_after_a_flush(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = register(client)
    beat(client, token, clock)
    first_seen = stored(settings, kiosk_id)[1]
    clock.advance(30)
    beat(client, token, clock, outbox_pending=5)
    ingest = ingest_of(client)
    assert ingest.pending == 1
    assert stored(settings, kiosk_id) == (0, first_seen)
    assert ingest.flush() == 1
    outbox, last_seen = stored(settings, kiosk_id)
    assert outbox == 5
    assert str(last_seen) > str(first_seen)
    assert ingest.pending == 0


def test_a_state_change_is_written_before_the_answer(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = register(client)
    beat(client, token, clock)
    assert health(settings, kiosk_id) == "yellow"  # the printer's paper is low
    beat(client, token, clock, devices=FAULTED)
    assert ingest_of(client).pending == 0
    assert health(settings, kiosk_id) == "red"
    alerts = rows(settings, "SELECT kind, state FROM alerts")
    assert alerts == [("device_faulted", "open")]
    beat(client, token, clock, status="in_session", devices=FAULTED)  # a status change, same colour
    assert ingest_of(client).pending == 0
    assert rows(settings, "SELECT status FROM kiosks WHERE kiosk_id = ?", kiosk_id) == [
        ("in_session",)
    ]


def test_the_sweep_writes_buffered_heartbeats_before_looking_for_offline_kiosks(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    window = runtime.sweeper.offline_after.total_seconds()  # 3 heartbeat intervals
    kiosk_id, token = register(client)
    beat(client, token, clock)
    clock.advance(window - 10)
    beat(client, token, clock)  # within the offline window: buffered
    assert ingest_of(client).pending == 1
    clock.advance(30)  # the written heartbeat is now older than the window, the buffered not
    assert runtime.sweeper.run_once().changed == []
    assert health(settings, kiosk_id) == "yellow"
    clock.advance(window)  # silent for longer than the window: offline for real
    assert runtime.sweeper.run_once().changed == [kiosk_id]
    assert health(settings, kiosk_id) == "grey"


def test_a_kiosk_back_from_offline_is_written_at_once(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    kiosk_id, token = register(client)
    beat(client, token, clock)
    clock.advance(runtime.sweeper.offline_after.total_seconds() + 1)
    runtime.sweeper.run_once()
    assert health(settings, kiosk_id) == "grey"
    beat(client, token, clock)
    assert ingest_of(client).pending == 0
    assert health(settings, kiosk_id) == "yellow"


def test_shutting_down_writes_the_buffered_heartbeats(settings: Settings, clock: FakeClock) -> None:
    with app_client(settings, clock) as one:
        kiosk_id, token = register(one)
        beat(one, token, clock)
        clock.advance(30)
        beat(one, token, clock, outbox_pending=7)
        assert ingest_of(one).pending == 1
    assert stored(settings, kiosk_id)[0] == 7


def test_two_apps_on_one_database_only_move_last_seen_forward(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = register(client)
    beat(client, token, clock)
    with app_client(settings, clock) as other:
        clock.advance(10)
        beat(client, token, clock, outbox_pending=1)  # buffered here
        clock.advance(10)
        beat(other, token, clock, outbox_pending=2)  # buffered in the other replica, newer
        assert ingest_of(client).pending == 1
        assert ingest_of(other).pending == 1
        ingest_of(other).flush()
        newest = stored(settings, kiosk_id)
        ingest_of(client).flush()  # older: changes nothing
        assert stored(settings, kiosk_id) == newest
        assert newest[0] == 2


def test_a_replica_sees_a_state_another_wrote_once_it_revalidates(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = register(client)
    beat(client, token, clock)
    with app_client(settings, clock) as other:
        beat(other, token, clock)  # the other replica caches the kiosk as yellow
        beat(client, token, clock, devices=FAULTED)  # this one writes red
        assert health(settings, kiosk_id) == "red"
        assert ingest_of(other).revalidate() == 1  # its cached yellow is stale: dropped
        beat(other, token, clock)  # the printer is back: yellow again, written at once
        assert ingest_of(other).pending == 0
        assert health(settings, kiosk_id) == "yellow"


def test_a_re_registered_kiosks_old_token_is_refused_at_once_and_by_replicas(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    _kiosk_id, old = register(client)
    beat(client, old, clock)
    with app_client(settings, clock) as other:
        beat(other, old, clock)  # cached by the other replica too
        _same, new = register(client)  # re-registration: a new token
        assert post_json(client, "/heartbeat", heartbeat(), old).status_code == 401
        # The other replica drops it at its next revalidation (every 2 s in its thread).
        assert ingest_of(other).revalidate() == 1
        assert post_json(other, "/heartbeat", heartbeat(), old).status_code == 401
        beat(other, new, clock)


def test_a_cached_token_is_checked_again_after_its_time_to_live(
    client: TestClient, clock: FakeClock
) -> None:
    _kiosk_id, token = register(client)
    beat(client, token, clock)
    ingest = ingest_of(client)
    assert ingest.cached(token) is not None
    ingest.ttl_seconds = -1.0  # as if revalidation had stopped long ago: entries expire
    assert ingest.cached(token) is None


@pytest.mark.parametrize(
    ("decision", "code"),
    [("revoke", "credential_revoked"), ("decommission", "credential_decommissioned")],
)
def test_a_cached_token_of_a_kiosk_ops_withdrew_is_refused_at_once_and_by_replicas(
    client: TestClient, settings: Settings, clock: FakeClock, decision: str, code: str
) -> None:
    kiosk_id, token = register(client)
    beat(client, token, clock)
    with app_client(settings, clock) as other:
        beat(other, token, clock)
        assert ingest_of(client).cached(token) is not None
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with runtime.db.session() as session:
            getattr(runtime.enrollment, decision)(session, Actor.command_line(), kiosk_id)
            session.commit()  # the commit drops the cached token on this replica
        assert ingest_of(client).cached(token) is None
        refused = post_json(client, "/heartbeat", heartbeat(), token)
        assert (refused.status_code, refused.json()["code"]) == (401, code)
        # Another replica: its state column moved, so its next revalidation drops it.
        assert ingest_of(other).revalidate() == 1
        refused = post_json(other, "/heartbeat", heartbeat(), token)
        assert (refused.status_code, refused.json()["code"]) == (401, code)
