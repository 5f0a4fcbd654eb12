"""Two controller processes on one PostgreSQL serve one fleet, as replicas behind a proxy.

Each replica has a data folder of its own (nothing shared on disk but the sealing key, a
file both are given as a secret would be); all state is in the database. Kiosks send to
either replica, alternating, as a round-robin proxy would send them. What must hold:

- a transaction stored through A and retried through B is a duplicate, not a conflict;
- what a kiosk sent to A shows on B's pages, and each replica lists the whole fleet;
- a staff session opened on A works on B (sessions live in the database);
- both replicas sweep (a 1 s heartbeat interval here, so offline after 3 s), yet each
  silent kiosk turns grey once and has one offline alert raised once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from sqlalchemy import make_url

from tests.controller.process_testkit import (
    ADMIN,
    ADMIN_PASSWORD,
    HttpKiosk,
    create_admin,
    running_controller,
)
from tests.support.postgres import PostgresCluster
from tests.support.servers import ControllerProcess
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

HEARTBEAT_SECONDS = 1
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Replicas:
    """Two controller URLs on one database."""

    a: str
    b: str
    database_url: str
    # Replica A's process: its CLI issues the pairing codes kiosks enroll with, on either.
    issuer: ControllerProcess

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """Read the shared database directly (psycopg placeholders)."""
        conninfo = make_url(self.database_url).set(drivername="postgresql")
        with psycopg.connect(conninfo.render_as_string(hide_password=False)) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def replicas(
    postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    """Replicas A and B on one fresh database, one sealing key, the admin made by the CLI."""
    folder = tmp_path_factory.mktemp("replicas")
    key = folder / "sealing.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    env = {
        "ESTATION_SEALING_KEY_FILE": str(key),
        "ESTATION_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
    }
    with postgres.database() as url:
        create_admin(folder / "a", database_url=url)
        with (
            running_controller(folder / "a", database_url=url, env=env) as a,
            running_controller(folder / "b", database_url=url, env=env) as b,
        ):
            yield Replicas(a.wait_ready(), b.wait_ready(), url, a)


def sign_in(url: str) -> httpx.Client:
    """A client signed in as the admin at `url` (login form, its CSRF token, the password)."""
    client = httpx.Client(base_url=url, timeout=10)
    form = client.get("/login")
    token = _CSRF.search(form.text)
    assert token, form.text
    answer = client.post(
        "/login", data={"username": ADMIN, "password": ADMIN_PASSWORD, "csrf_token": token[1]}
    )
    assert answer.status_code == 303, answer.text
    return client


def test_a_kiosk_served_by_either_replica_sees_one_fleet(replicas: Replicas) -> None:
    urls = [replicas.a, replicas.b]
    kiosks = [
        HttpKiosk.enroll(replicas.issuer, urls[n % 2], f"hw-replica-{n}", f"副本测试{n}号机")
        for n in range(4)
    ]
    # Round robin: every kiosk's messages alternate between the replicas.
    for n, kiosk in enumerate(kiosks):
        for turn in range(2):
            kiosk.beat(urls[(n + turn) % 2])
            stored = kiosk.send(urls[(n + turn + 1) % 2], kiosk.next_transaction())
            assert stored.status_code == 201, stored.text

    # Sent to A, its answer lost, sent again: B knows it already.
    first = kiosks[0]
    body = first.next_transaction()
    on_a = first.send(replicas.a, body)
    assert on_a.status_code == 201, on_a.text
    on_b = first.send(replicas.b, body)
    assert on_b.status_code == 200, on_b.text
    assert on_b.json() == {**on_a.json(), "duplicate": True}
    # The same number under another key is another transaction: refused on either replica.
    reused = first.send(replicas.b, {**first.next_transaction(), "number": body["number"]})
    assert reused.status_code == 409, reused.text

    # A session opened on A is good on B: the cookie names a row in the shared database.
    on_a_client = sign_in(replicas.a)
    cookie = dict(on_a_client.cookies)
    on_b_client = httpx.Client(base_url=replicas.b, cookies=cookie, timeout=10)
    with closing(on_a_client), closing(on_b_client):
        page = on_b_client.get(f"/kiosks/{first.kiosk_id}")
        assert page.status_code == 200, page.text
        assert body["number"] in page.text  # sent to A, shown by B
        assert ADMIN in page.text
        for client in (on_a_client, on_b_client):
            fleet = client.get("/")
            assert fleet.status_code == 200
            for kiosk in kiosks:
                assert f'href="/kiosks/{kiosk.kiosk_id}"' in fleet.text

        # Signing out on B ends the session on A too.
        token = _CSRF.search(on_b_client.get("/").text)
        assert token
        assert on_b_client.post("/logout", data={"csrf_token": token[1]}).status_code == 303
        assert on_a_client.get("/").status_code == 303

    stored = replicas.query(
        "SELECT count(*) FROM transactions t JOIN kiosks k ON k.id = t.kiosk_pk"
        " WHERE k.hardware_id LIKE 'hw-replica-%%'"
    )
    assert stored == [(4 * 2 + 1,)]


def test_both_replicas_sweep_and_a_silent_kiosk_is_flagged_offline_once(
    replicas: Replicas,
) -> None:
    urls = [replicas.a, replicas.b]
    silent = [
        HttpKiosk.enroll(replicas.issuer, urls[n % 2], f"hw-silent-{n}", f"静默{n}号机")
        for n in range(3)
    ]
    for n, kiosk in enumerate(silent):
        kiosk.beat(urls[n % 2])
    ids = tuple(kiosk.kiosk_id for kiosk in silent)

    def offline_alerts() -> list[tuple[object, ...]]:
        return replicas.query(
            "SELECT k.kiosk_id, count(*), sum(a.occurrences) FROM alerts a"
            " JOIN kiosks k ON k.id = a.kiosk_pk"
            " WHERE a.kind = 'offline' AND k.kiosk_id = ANY(%s) GROUP BY k.kiosk_id",
            list(ids),
        )

    # Offline 3 s after the beat; each replica sweeps every second.
    assert wait_until(lambda: len(offline_alerts()) == len(ids), timeout=20, step=0.2), (
        offline_alerts()
    )
    # Let both replicas sweep a few more times over kiosks already grey.
    wait_until(lambda: False, timeout=3 * HEARTBEAT_SECONDS)

    assert sorted(offline_alerts()) == [(kiosk_id, 1, 1) for kiosk_id in sorted(ids)]
    changes = replicas.query(
        "SELECT k.kiosk_id, c.health FROM kiosk_health_changes c"
        " JOIN kiosks k ON k.id = c.kiosk_pk WHERE k.kiosk_id = ANY(%s) ORDER BY c.at, c.id",
        list(ids),
    )
    for kiosk_id in ids:
        history = [health for owner, health in changes if owner == kiosk_id]
        # A change recorded twice (two replicas writing one transition) would repeat a
        # colour; the silent kiosk ends grey, reached once.
        assert history[-1] == "grey", history
        assert all(a != b for a, b in zip(history, history[1:], strict=False)), history
