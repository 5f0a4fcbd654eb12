from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from kiosk.composition import rotate_outbox_key
from kiosk.outbox import Limits, Outbox, OutboxFull, State
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


def test_every_row_gets_the_next_sequence_number_and_none_comes_round_again(
    tmp_path: Path, clock: FakeClock
) -> None:
    wall = [NOW]
    box = Outbox(tmp_path / "seq.db", Sealer(b"k" * 32), clock=clock, wall=lambda: wall[0])
    first, second = txn("KA01-2611260001"), txn("KA01-2611260002")
    box.add(first)
    box.add_rating(rating())
    box.add(second)
    assert [box.seq_of(first.key), box.seq_of("a" * 32), box.seq_of(second.key)] == [1, 2, 3]
    for t in box.claim_due():
        box.mark_acked(t.key, NOW)
    wall[0] = NOW + dt.timedelta(days=31)
    box.purge()  # the acknowledged rows' bookkeeping is gone ...
    third = txn("KA01-2611260003")
    box.add(third)
    assert box.seq_of(third.key) == 4  # ... and their numbers are not handed out again
    box.close()


def test_a_full_outbox_refuses_a_new_row_and_keeps_every_stored_one(
    tmp_path: Path, clock: FakeClock
) -> None:
    box = Outbox(tmp_path / "cap.db", Sealer(b"k" * 32), clock=clock, limits=Limits(capacity=3))
    stored = [txn(f"KA01-261126000{i}") for i in range(1, 4)]
    for t in stored:
        box.add(t)
    assert box.usage().full
    with pytest.raises(OutboxFull, match="capacity"):
        box.add(txn("KA01-2611260004"))
    box.add(stored[0])  # the same key again is still fine: nothing new to store
    assert box.claim_due() == stored
    box.mark_acked(stored[0].key, NOW)
    box.add(txn("KA01-2611260004"))  # an acknowledged row makes room
    box.close()


def test_the_usage_warns_at_eighty_percent(tmp_path: Path, clock: FakeClock) -> None:
    box = Outbox(tmp_path / "w.db", Sealer(b"k" * 32), clock=clock, limits=Limits(capacity=5))
    for i in range(1, 4):
        box.add(txn(f"KA01-261126000{i}"))
    assert not box.usage().warning
    box.add(txn("KA01-2611260004"))
    assert box.usage().warning
    assert box.usage().fraction == 0.8
    box.close()


def test_a_full_disk_is_outbox_full_and_the_outbox_works_again_after(
    tmp_path: Path, clock: FakeClock
) -> None:
    box = Outbox(tmp_path / "disk.db", Sealer(b"k" * 32), clock=clock)
    box.add(txn("KA01-2611260001"))
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    box._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full"
    big = txn("KA01-2611260002").model_copy(update={"fields": {"note": "x" * 20_000}})
    with pytest.raises(OutboxFull, match="disk is full"):
        box.add(big)
    box._db.execute("PRAGMA max_page_count = 1073741823")
    assert [t.number for t in box.claim_due()] == ["KA01-2611260001"]
    box.add(big)
    box.close()


def test_personal_data_of_rows_never_delivered_is_erased_after_the_retention_period(
    tmp_path: Path, clock: FakeClock
) -> None:
    wall = [NOW]
    box = Outbox(tmp_path / "r.db", Sealer(b"k" * 32), clock=clock, wall=lambda: wall[0])
    refused, waiting = txn("KA01-2611260001"), txn("KA01-2611260002")
    box.add(refused)
    box.claim_due()
    box.mark_failed(refused.key, "422: bad field")
    box.add(waiting)
    wall[0] = NOW + dt.timedelta(days=29)
    assert box.purge() == 0
    wall[0] = NOW + dt.timedelta(days=31)
    assert box.purge() == 1
    sealed = dict(sqlite3.connect(tmp_path / "r.db").execute("SELECT number, sealed FROM outbox"))
    assert sealed["KA01-2611260001"] is None  # the refused row: bookkeeping only
    assert sealed["KA01-2611260002"] is not None  # a waiting row is never touched
    entry = box.entry(refused.key)
    assert entry is not None
    assert entry.state is State.FAILED
    box.close()


def test_a_restart_makes_every_waiting_row_due(tmp_path: Path, clock: FakeClock) -> None:
    box = Outbox(tmp_path / "m.db", Sealer(b"k" * 32), clock=clock)
    t = txn("KA01-2611260001")
    box.add(t)
    box.claim_due()
    box.mark_retry(t.key, "connection refused", 300)
    box.close()
    # A new process: its monotonic clock starts again from a small number.
    again = Outbox(tmp_path / "m.db", Sealer(b"k" * 32), clock=FakeClock(5.0))
    assert again.claim_due() == [t]
    again.close()


def test_rotating_the_key_seals_every_waiting_row_again_and_forgets_the_old_key(
    tmp_path: Path, clock: FakeClock
) -> None:
    key_file = tmp_path / "keys" / "outbox.key"
    box = Outbox(tmp_path / "k.db", Sealer.from_key_file(key_file), clock=clock)
    t = txn("KA01-2611260001")
    box.add(t)
    old_key = key_file.read_bytes()
    assert rotate_outbox_key(box, key_file) == 1
    assert key_file.read_bytes() != old_key
    assert not key_file.with_name("outbox.key.old").exists()
    box.close()
    again = Outbox(tmp_path / "k.db", Sealer.from_key_file(key_file), clock=clock)
    assert again.claim_due() == [t]
    again.close()


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


# The table as releases before the rebuild around the sequence wrote it.
_KEYED_BY_KEY = """
CREATE TABLE outbox (key TEXT PRIMARY KEY, kind TEXT NOT NULL DEFAULT 'transaction',
    number TEXT NOT NULL UNIQUE, service TEXT NOT NULL, created_at TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0, last_error TEXT, sealed BLOB, acked_at TEXT,
    seq INTEGER, ended_at TEXT);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_seq ON outbox (seq);
CREATE TABLE counters (day TEXT PRIMARY KEY, seq INTEGER NOT NULL);
"""


def test_an_outbox_keyed_by_key_is_rebuilt_with_every_row_and_no_number_handed_out_again(
    tmp_path: Path, clock: FakeClock
) -> None:
    sealer = Sealer(b"k" * 32)
    db = sqlite3.connect(tmp_path / "keyed.db")
    db.executescript(_KEYED_BY_KEY)
    # Two rows from before sequences (made in this order), two numbered ones, one
    # acknowledged; numbers 3 to 7 and 9 to 12 belonged to rows already purged.
    rows = [
        (txn("KA01-2611260002"), None, "pending", NOW + dt.timedelta(minutes=1)),
        (txn("KA01-2611260001"), None, "in_flight", NOW),
        (txn("KA01-2611260003"), 1, "acked", NOW),
        (txn("KA01-2611260004"), 2, "failed", NOW),
        (txn("KA01-2611260005"), 8, "pending", NOW),
    ]
    for t, seq, state, made in rows:
        sealed = None if state == "acked" else sealer.seal(t.model_dump_json(), t.key.encode())
        db.execute(
            "INSERT INTO outbox (key, number, service, created_at, state, sealed, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (t.key, t.number, t.service, made.isoformat(), state, sealed, seq),
        )
    db.execute("INSERT INTO counters VALUES ('record-seq', 12), ('261126', 5)")
    db.commit()
    db.close()

    box = Outbox(tmp_path / "keyed.db", sealer, clock=clock)
    older, old, acked, failed, numbered = (t for t, *_ in rows)
    assert box.counts() == {
        State.PENDING: 3, State.IN_FLIGHT: 0, State.ACKED: 1, State.FAILED: 1,
        State.QUARANTINED: 0,
    }  # fmt: skip
    assert box.usage().held == 4
    # Rows from before sequences still have none, and still go first, oldest first.
    assert [box.seq_of(t.key) for t in (old, older, acked, failed, numbered)] == [
        None, None, 1, 2, 8,
    ]  # fmt: skip
    assert box.claim_due() == [old, older, numbered]
    failed_entry = box.entry(failed.key)
    assert failed_entry is not None
    assert failed_entry.state is State.FAILED
    new = txn("KA01-2611260006")
    box.add(new)
    assert box.seq_of(new.key) == 13  # above the last number handed out, not the last kept
    assert box.next_number("KA01", NOW) == "KA01-2611260006"  # the day counters stay
    box.close()
    again = Outbox(tmp_path / "keyed.db", sealer, clock=clock)  # rebuilt once, then opened
    assert [t.key for t in again.claim_due()] == [old.key, older.key, numbered.key, new.key]
    again.close()


# A kiosk adding rows as fast as it can, saying each key once `add` has returned.
_ADDER = """
import datetime as dt, sys, time, uuid
from pathlib import Path
from kiosk.outbox import Outbox
from pii import Sealer
from wire import Citizen, TransactionIn
box = Outbox(Path(sys.argv[1]), Sealer(b"k" * 32), clock=time.monotonic)
for n in range(1, 100_000):
    key = uuid.uuid4().hex
    box.add(TransactionIn(
        key=key, number=f"KA01-261126{n:06d}", service="employment_registration",
        created_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC), identity_method="id_card",
        citizen=Citizen(id_number="11010519491231002X", name="测试甲"), fields={},
    ))
    print(key, flush=True)
"""


def test_every_add_that_returned_before_a_kill_9_is_kept_once_in_sequence(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "killed.db"
    adder = subprocess.Popen(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", _ADDER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert adder.stdout is not None
    returned = [adder.stdout.readline().strip() for _ in range(150)]
    adder.kill()  # SIGKILL, mid-add or between two
    returned += [line.strip() for line in adder.stdout if line.strip()]
    adder.wait(timeout=30)
    box = Outbox(path, Sealer(b"k" * 32), clock=clock)
    seqs = [box.seq_of(key) for key in returned]
    assert all(box.waiting(key) for key in returned)  # 0 lost
    assert seqs == sorted(set(seqs))  # once each, counting up in the order they were added
    stored = box.counts()[State.PENDING]
    assert stored in (len(returned), len(returned) + 1)  # + the add killed before it said so
    assert len(box.claim_due(limit=stored + 10)) == stored  # every stored row reads back
    new = txn("KA01-2611269999")
    box.add(new)
    assert (box.seq_of(new.key) or 0) > max(s or 0 for s in seqs)
    box.close()
