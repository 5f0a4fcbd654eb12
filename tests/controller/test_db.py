"""controller/db.py: durable SQLite, counts that fit every database, jobs run by one replica."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from controller.db import Database
from controller.settings import Settings
from tests.controller.controller_testkit import heartbeat, post_json, rows
from tests.support.postgres import PostgresCluster
from wire import (
    CatalogIn,
    ContentQuery,
    Heartbeat,
    HoldRequest,
    MyApplicationsRequest,
    RatingIn,
    RegisterRequest,
    TransactionIn,
)
from wire.v1 import MAX_COUNT

INT4_MAX = 2**31 - 1


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()


# -- durability ------------------------------------------------------------------------------


def test_sqlite_syncs_every_commit_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'controller.db'}")
    try:
        with db.engine.connect() as conn:
            # 2 is FULL: an acknowledged transaction survives a power cut (NORMAL is 1).
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    finally:
        db.dispose()


def test_a_file_database_keeps_a_connection_per_server_thread_and_memory_still_opens(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'controller.db'}")
    memory = Database("sqlite://")
    try:
        # 24 kept open: a burst of requests reuses them instead of reconnecting each time.
        assert db.engine.pool.size() == 24  # type: ignore[attr-defined]
        assert memory.ping()
    finally:
        db.dispose()
        memory.dispose()


# -- integers a kiosk sends ----------------------------------------------------------------


@pytest.mark.parametrize("pending", [2**63, 2**31, -1])
def test_an_outbox_count_no_column_holds_is_422_not_500(
    client: TestClient, device: tuple[str, str], pending: int
) -> None:
    _, token = device
    answer = post_json(client, "/heartbeat", heartbeat(outbox_pending=pending), token)
    assert answer.status_code == 422, answer.text
    assert "outbox_pending" in answer.json()["error"]


def test_the_largest_outbox_count_is_stored(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    answer = post_json(client, "/heartbeat", heartbeat(outbox_pending=MAX_COUNT), token)
    assert answer.status_code == 200, answer.text
    assert rows(settings, "SELECT outbox_pending FROM kiosks") == [(MAX_COUNT,)]


KIOSK_SENT: list[type[BaseModel]] = [
    RegisterRequest,
    Heartbeat,
    TransactionIn,
    ContentQuery,
    HoldRequest,
    RatingIn,
    MyApplicationsRequest,
    CatalogIn,
]


def unbounded_integers(model: type[BaseModel]) -> list[str]:
    """Paths of the integers in `model`'s JSON schema that an int4 column may not hold."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                low, high = node.get("minimum"), node.get("maximum")
                if low is None or high is None or low < -INT4_MAX - 1 or high > INT4_MAX:
                    found.append(path)
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for n, value in enumerate(node):
                walk(value, f"{path}[{n}]")

    walk(model.model_json_schema(), model.__name__)
    return found


@pytest.mark.parametrize("model", KIOSK_SENT, ids=lambda m: m.__name__)
def test_every_integer_a_kiosk_sends_fits_a_four_byte_column(model: type[BaseModel]) -> None:
    assert unbounded_integers(model) == []


def test_an_unbounded_integer_is_caught() -> None:
    class Loose(BaseModel):
        count: int
        bounded: int = Field(default=0, ge=0, le=10)

    assert unbounded_integers(Loose) == ["Loose.properties.count"]


# -- jobs safe with replicas ---------------------------------------------------------------


def test_a_job_runs_in_its_transaction_and_returns_its_result(database: Database) -> None:
    def job(session: Session) -> int:
        return int(session.execute(text("SELECT 41 + 1")).scalar_one())

    assert database.run_exclusive("sweep", job) == 42


def _second_caller_while_first_runs(database: Database, other: Database) -> tuple[Any, Any]:
    inside, release = threading.Event(), threading.Event()

    def slow(_: Session) -> str:
        inside.set()
        assert release.wait(timeout=10)
        return "first"

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(database.run_exclusive, "sweep", slow)
        assert inside.wait(timeout=10)
        try:
            second = other.run_exclusive("sweep", lambda _: "second")
        finally:
            release.set()
        return first.result(timeout=10), second


def test_on_postgresql_a_job_running_in_one_replica_is_skipped_by_another(
    postgres: PostgresCluster,
) -> None:
    with postgres.database() as url:
        # Two engines, as two controller processes would have.
        replica_a, replica_b = Database(url), Database(url)
        try:
            assert _second_caller_while_first_runs(replica_a, replica_b) == ("first", None)
            # The lock went with the first transaction: the next run is not skipped.
            assert replica_b.run_exclusive("sweep", lambda _: "again") == "again"
            # Another job's name is another lock.
            inside, release = threading.Event(), threading.Event()

            def hold(_: Session) -> None:
                inside.set()
                release.wait(timeout=10)

            with ThreadPoolExecutor(max_workers=1) as pool:
                held = pool.submit(replica_a.run_exclusive, "sweep", hold)
                assert inside.wait(timeout=10)
                assert replica_b.run_exclusive("reminders", lambda _: "ran") == "ran"
                release.set()
                held.result(timeout=10)
        finally:
            replica_a.dispose()
            replica_b.dispose()


def test_on_postgresql_concurrent_callers_never_run_a_job_together(
    postgres: PostgresCluster,
) -> None:
    with postgres.database() as url:
        replicas = [Database(url) for _ in range(4)]
        running, most, ran = 0, 0, 0
        count = threading.Lock()
        start = threading.Barrier(8)

        def job(_: Session) -> None:
            nonlocal running, most, ran
            with count:
                running += 1
                ran += 1
                most = max(most, running)
            threading.Event().wait(0.05)  # long enough for the others to try meanwhile
            with count:
                running -= 1

        def call(n: int) -> None:
            start.wait(timeout=10)
            for _ in range(5):
                replicas[n % len(replicas)].run_exclusive("sweep", job)

        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(call, range(8)))
        finally:
            for replica in replicas:
                replica.dispose()
        assert most == 1
        assert 1 <= ran < 40  # some calls were skipped, none ran beside another
