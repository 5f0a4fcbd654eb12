"""The outbox's tables on disk (kiosk/outbox.py): made, or rebuilt from an older release's.

The table, its one index and the day counters, with why each costs what it does on an
add; and the one-transaction rebuild of an outbox an older release wrote (keyed by `key`,
its sequence in a column of its own), which keeps every number handed out before.
"""

from __future__ import annotations

import logging
import sqlite3

log = logging.getLogger(__name__)

# What one add writes besides the table's own page: the key index (adding the same key again
# changes nothing, and every later update finds the row by key), the one index every query
# of the drain, the heartbeat and the retention uses, and the AUTOINCREMENT high-water mark.
# The sequence number is the rowid itself: AUTOINCREMENT never hands a number out again,
# even after its row was deleted, which a counter row of our own cost a read and a write
# per add to promise. The number is not a unique index: next_number hands each out once
# from its durable day counter, and the controller refuses a number reused under another
# key (a conflict, kept as failed and shown to ops), while the index cost every add a
# B-tree of its own. Measured (bench/bench_outbox.py, README): the seq index, the counter
# row, the number's index and a state index without the kind made an add write 8 pages
# and run 6 statements; now 4 pages in one statement.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'transaction',
    number TEXT NOT NULL,
    service TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    sealed BLOB,
    acked_at TEXT,
    ended_at TEXT
)
"""
# Claims (state, kind, due time, then seq: the rowid every index ends with), the next due
# time per kind, the rows held, the oldest waiting row, the retention: all by state first.
_INDEX = "CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, kind, next_attempt_at)"
_COUNTERS = "CREATE TABLE IF NOT EXISTS counters (day TEXT PRIMARY KEY, seq INTEGER NOT NULL)"
# Columns added to the first release's table before it was rebuilt around the sequence,
# each with what an older row gets.
_LATER_COLUMNS = {
    "kind": "TEXT NOT NULL DEFAULT 'transaction'",
    "seq": "INTEGER",
    "ended_at": "TEXT",  # wall time a row was acked, failed or quarantined: for retention
}
_COLUMNS = (
    "key, kind, number, service, created_at, state, attempts, next_attempt_at, last_error,"
    " sealed, acked_at, ended_at"
)
# The row of `counters` where releases before the rebuild kept the last sequence number
# (the others are days: yymmdd); the rebuild moves it into sqlite_sequence.
_SEQ = "record-seq"
# Numbered rows keep theirs; the N rows without one count up from 1 - N to 0, oldest first.
_COPY_BEFORE_SEQ = (
    f"INSERT INTO outbox (seq, {_COLUMNS}) SELECT COALESCE(seq, ROW_NUMBER() OVER"  # noqa: S608
    f" (PARTITION BY seq IS NULL ORDER BY created_at, rowid) - ?), {_COLUMNS}"
    " FROM outbox_before_seq"
)


def migrate(db: sqlite3.Connection) -> None:
    """Create the outbox, or rebuild one an older release wrote, in one transaction.

    Releases before the rebuild keyed the table by `key` and kept the sequence in a
    column of its own (NULL for rows from before sequences) and its last value in a
    counter row. Every row is copied with its sequence number; rows without one get
    numbers below 1, in the order they were made, so they are still claimed first and
    `seq_of` still says None; sqlite_sequence starts above the counter's last value, so
    no number handed out before is handed out again. A crash midway leaves the old table.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(_COUNTERS)
        primary = [row[1] for row in db.execute("PRAGMA table_info(outbox)") if row[5]]
        if primary == ["key"]:
            _rebuild(db)
        db.execute(_SCHEMA)
        db.execute(_INDEX)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _rebuild(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
    for name, declaration in _LATER_COLUMNS.items():
        if name not in columns:  # an outbox written by an even older release
            db.execute(f"ALTER TABLE outbox ADD COLUMN {name} {declaration}")
    db.execute("ALTER TABLE outbox RENAME TO outbox_before_seq")
    for index in ("outbox_due", "outbox_seq"):  # their names are free for ours
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute(_SCHEMA)
    found = db.execute("SELECT COUNT(*) FROM outbox_before_seq WHERE seq IS NULL")
    db.execute(_COPY_BEFORE_SEQ, (int(found.fetchone()[0]),))
    db.execute("DROP TABLE outbox_before_seq")
    row = db.execute("SELECT seq FROM counters WHERE day = ?", (_SEQ,)).fetchone()
    high = max(
        int(row[0]) if row else 0,
        int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0]),
    )
    db.execute("DELETE FROM sqlite_sequence WHERE name = 'outbox'")
    db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)", (high,))
    db.execute("DELETE FROM counters WHERE day = ?", (_SEQ,))
    log.info("outbox rebuilt around its sequence rows=%d", _count_rows(db))


def _count_rows(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
