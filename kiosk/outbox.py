"""The kiosk's durable outbox: a transaction is on disk before the citizen sees "success".

States (STYLE rule 14): pending -> in_flight -> acked, or failed when the controller
refuses it for good (kept for ops, never dropped). In-flight rows go back to pending on
start, because a crash between send and ack must lead to a resend, which the controller
drops as a duplicate by key. Payloads are sealed with AES-GCM bound to their key; once
acknowledged, the payload is erased and only the bookkeeping stays.
"""

from __future__ import annotations

import datetime as dt
import enum
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pii import Sealer
from wire import RatingIn, StaffCallIn, TransactionIn, parse

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'transaction',
    number TEXT NOT NULL UNIQUE,
    service TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    sealed BLOB,
    acked_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS counters (day TEXT PRIMARY KEY, seq INTEGER NOT NULL);
"""


class State(enum.StrEnum):
    """Where a transaction is on its way to the controller."""

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    ACKED = "acked"
    FAILED = "failed"


@dataclass(frozen=True)
class Entry:
    """Bookkeeping of one outbox row, without the personal payload."""

    key: str
    number: str
    service: str
    state: State
    attempts: int
    last_error: str | None


class Outbox:
    """A SQLite outbox; safe to use from the UI thread and the sync thread at once."""

    def __init__(self, path: Path, sealer: Sealer, *, clock: Callable[[], float]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a power cut right after "success" on screen must not lose the row.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(outbox)")}
        if "kind" not in columns:  # an outbox written before ratings were queued too
            self._db.execute(
                "ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'transaction'"
            )
        self._lock = threading.Lock()
        self._sealer = sealer
        self._clock = clock
        self._recover()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _recover(self) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ? WHERE state = ?", (State.PENDING, State.IN_FLIGHT)
            )

    def next_number(self, kiosk_id: str, now: dt.datetime) -> str:
        """Allocate the next human-readable transaction number: KIOSK-YYMMDDNNNN."""
        day = now.strftime("%y%m%d")
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT seq FROM counters WHERE day = ?", (day,)).fetchone()
            seq = (row[0] if row else 0) + 1
            self._db.execute("INSERT OR REPLACE INTO counters (day, seq) VALUES (?, ?)", (day, seq))
        return f"{kiosk_id}-{day}{seq:04d}"

    def add(self, txn: TransactionIn) -> None:
        """Store a transaction durably; adding the same key again changes nothing."""
        sealed = self._sealer.seal(txn.model_dump_json(), txn.key.encode())
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO outbox (key, number, service, created_at, state, sealed)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    txn.key,
                    txn.number,
                    txn.service,
                    txn.created_at.isoformat(),
                    State.PENDING,
                    sealed,
                ),
            )

    def add_rating(self, rating: RatingIn) -> None:
        """Queue a rating (it carries no identity); the same key again changes nothing."""
        sealed = self._sealer.seal(rating.model_dump_json(), rating.key.encode())
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO outbox"
                " (key, kind, number, service, created_at, state, sealed)"
                " VALUES (?, 'rating', ?, ?, ?, ?, ?)",
                (rating.key, f"rating:{rating.key}", rating.service,
                 dt.datetime.now(dt.UTC).isoformat(), State.PENDING, sealed),
            )  # fmt: skip

    def add_staff_call(self, call: StaffCallIn) -> None:
        """Queue a citizen's call for staff (where, never who); the same key changes nothing."""
        sealed = self._sealer.seal(call.model_dump_json(), call.key.encode())
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO outbox"
                " (key, kind, number, service, created_at, state, sealed)"
                " VALUES (?, 'staff_call', ?, 'staff_call', ?, ?, ?)",
                (call.key, f"staff:{call.key}", call.created_at.isoformat(), State.PENDING,
                 sealed),
            )  # fmt: skip

    def claim_due_staff_calls(self, limit: int = 20) -> list[StaffCallIn]:
        """Mark up to `limit` due staff calls in flight and return them."""
        return [parse(StaffCallIn, text) for text in self._claim("staff_call", limit)]

    def claim_due(self, limit: int = 20) -> list[TransactionIn]:
        """Mark up to `limit` due transactions in flight and return them."""
        return [parse(TransactionIn, text) for text in self._claim("transaction", limit)]

    def claim_due_ratings(self, limit: int = 20) -> list[RatingIn]:
        """Mark up to `limit` due ratings in flight and return them."""
        return [parse(RatingIn, text) for text in self._claim("rating", limit)]

    def _claim(self, kind: str, limit: int) -> list[str]:
        now = self._clock()
        with self._lock:
            rows = self._db.execute(
                "SELECT key, sealed FROM outbox WHERE kind = ? AND state = ?"
                " AND next_attempt_at <= ? ORDER BY created_at LIMIT ?",
                (kind, State.PENDING, now, limit),
            ).fetchall()
            self._db.executemany(
                "UPDATE outbox SET state = ?, attempts = attempts + 1 WHERE key = ?",
                [(State.IN_FLIGHT, key) for key, _ in rows],
            )
        return [self._sealer.open(blob, key.encode()) for key, blob in rows]

    def mark_acked(self, key: str, when: dt.datetime) -> None:
        """The controller has it: erase the payload, keep the bookkeeping."""
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ?, sealed = NULL, last_error = NULL, acked_at = ?"
                " WHERE key = ?",
                (State.ACKED, when.isoformat(), key),
            )

    def mark_retry(self, key: str, error: str, delay: float) -> None:
        """Sending failed for a passing reason: try again after `delay` seconds."""
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ? WHERE key = ?",
                (State.PENDING, error[:500], self._clock() + delay, key),
            )

    def mark_failed(self, key: str, error: str) -> None:
        """The controller refused it for good: keep it for ops to look at."""
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = ?, last_error = ? WHERE key = ?",
                (State.FAILED, error[:500], key),
            )

    def counts(self) -> dict[State, int]:
        """How many rows are in each state."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        counts = dict.fromkeys(State, 0)
        counts.update({State(s): n for s, n in rows})
        return counts

    def entry(self, key: str) -> Entry | None:
        """The bookkeeping of one row."""
        with self._lock:
            row = self._db.execute(
                "SELECT key, number, service, state, attempts, last_error FROM outbox"
                " WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        return Entry(row[0], row[1], row[2], State(row[3]), row[4], row[5])

    def next_due_in(self) -> float | None:
        """Seconds until the next pending row is due, None when nothing is pending."""
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(next_attempt_at) FROM outbox WHERE state = ?", (State.PENDING,)
            ).fetchone()
        return None if row[0] is None else max(0.0, row[0] - self._clock())
