from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

import pytest

from kiosk.outbox import Outbox, State
from pii import Sealer
from tests.support.clock import FakeClock
from wire import Citizen, RatingIn, TransactionIn

NOW = dt.datetime(2026, 11, 26, 3, 15, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(100.0)


@pytest.fixture
def outbox(tmp_path: Path, clock: FakeClock) -> Outbox:
    box = Outbox(tmp_path / "outbox.db", Sealer(b"k" * 32), clock=clock)
    yield box
    box.close()


def txn(number: str) -> TransactionIn:
    return TransactionIn(
        key=uuid.uuid4().hex,
        number=number,
        service="employment_registration",
        created_at=NOW,
        identity_method="id_card",
        citizen=Citizen(id_number="11010519491231002X", name="测试甲"),
        fields={"phone": "13812345678"},
    )


def test_numbers_count_up_per_day(outbox: Outbox) -> None:
    assert outbox.next_number("KA01", NOW) == "KA01-2611260001"
    assert outbox.next_number("KA01", NOW) == "KA01-2611260002"
    assert outbox.next_number("KA01", NOW + dt.timedelta(days=1)) == "KA01-2611270001"


def test_added_transaction_is_claimed_once_then_acked(outbox: Outbox) -> None:
    t = txn("KA01-2611260001")
    outbox.add(t)
    assert outbox.claim_due() == [t]
    assert outbox.claim_due() == []
    outbox.mark_acked(t.key, NOW)
    assert outbox.counts()[State.ACKED] == 1


def test_adding_the_same_key_twice_keeps_one_row(outbox: Outbox) -> None:
    t = txn("KA01-2611260001")
    outbox.add(t)
    outbox.add(t)
    assert len(outbox.claim_due()) == 1


def test_personal_data_is_sealed_on_disk_and_erased_after_ack(
    tmp_path: Path, outbox: Outbox
) -> None:
    t = txn("KA01-2611260001")
    outbox.add(t)
    raw = (tmp_path / "outbox.db").read_bytes() + _wal(tmp_path)
    for secret in ("11010519491231002X", "13812345678", "测试甲"):
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw
    outbox.claim_due()
    outbox.mark_acked(t.key, NOW)
    row = sqlite3.connect(tmp_path / "outbox.db").execute("SELECT sealed FROM outbox").fetchone()
    assert row == (None,)


def _wal(tmp_path: Path) -> bytes:
    wal = tmp_path / "outbox.db-wal"
    return wal.read_bytes() if wal.exists() else b""


def test_in_flight_rows_return_to_pending_after_a_crash(tmp_path: Path, clock: FakeClock) -> None:
    box = Outbox(tmp_path / "o.db", Sealer(b"k" * 32), clock=clock)
    t = txn("KA01-2611260001")
    box.add(t)
    box.claim_due()
    box.close()  # the kiosk dies between send and ack
    again = Outbox(tmp_path / "o.db", Sealer(b"k" * 32), clock=clock)
    assert again.claim_due() == [t]
    again.close()


def test_a_retry_waits_for_its_backoff(outbox: Outbox, clock: FakeClock) -> None:
    t = txn("KA01-2611260001")
    outbox.add(t)
    outbox.claim_due()
    outbox.mark_retry(t.key, "connection refused", 8)
    assert outbox.claim_due() == []
    assert outbox.next_due_in() == 8
    clock.advance(8)
    assert outbox.claim_due() == [t]
    entry = outbox.entry(t.key)
    assert entry is not None
    assert entry.attempts == 2


def test_a_refused_transaction_is_kept_as_failed(outbox: Outbox) -> None:
    t = txn("KA01-2611260001")
    outbox.add(t)
    outbox.claim_due()
    outbox.mark_failed(t.key, "409: key reused with different content")
    entry = outbox.entry(t.key)
    assert entry is not None
    assert entry.state is State.FAILED
    assert "409" in (entry.last_error or "")


def rating() -> RatingIn:
    return RatingIn(
        key="a" * 32,
        transaction_number="KA01-2611260001",
        service="employment_registration",
        stars=2,
        reasons=["slow"],
    )


def test_ratings_queue_beside_transactions_without_mixing(outbox: Outbox) -> None:
    t = txn("KA01-2611260001")
    r = rating()
    outbox.add(t)
    outbox.add_rating(r)
    outbox.add_rating(r)  # a double tap on "submit rating"
    assert outbox.claim_due_ratings() == [r]
    assert outbox.claim_due() == [t]
    assert outbox.claim_due_ratings() == []


def test_an_outbox_from_before_ratings_gains_its_kind_column(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = sqlite3.connect(tmp_path / "old.db")
    db.execute(
        "CREATE TABLE outbox (key TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, service TEXT"
        " NOT NULL, created_at TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL"
        " DEFAULT 0, next_attempt_at REAL NOT NULL DEFAULT 0, last_error TEXT, sealed BLOB,"
        " acked_at TEXT)"
    )
    db.commit()
    db.close()
    box = Outbox(tmp_path / "old.db", Sealer(b"k" * 32), clock=clock)
    t = txn("KA01-2611260001")
    box.add(t)
    assert box.claim_due() == [t]
    box.close()


def test_the_oldest_row_waiting_is_found_across_time_zones(outbox: Outbox) -> None:
    assert outbox.oldest_pending() is None
    first, second = txn("KA01-2611260001"), txn("KA01-2611260002")
    # Made an hour later in station time (+08:00), which sorts first as text.
    second = second.model_copy(
        update={
            "created_at": (NOW + dt.timedelta(hours=1)).astimezone(
                dt.timezone(dt.timedelta(hours=8))
            )
        }
    )
    outbox.add(second)
    outbox.add(first)
    assert outbox.oldest_pending() == NOW
    outbox.claim_due()  # in flight still waits for its acknowledgement
    assert outbox.oldest_pending() == NOW
    outbox.mark_acked(first.key, NOW)
    assert outbox.oldest_pending() == NOW + dt.timedelta(hours=1)
