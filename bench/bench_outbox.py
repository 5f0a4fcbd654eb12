"""The outbox: durable enqueue against a raw SQLite insert, and a backlog's drain against the
controller's bare ingest rate.

Run: .venv/bin/python -m bench.bench_outbox [--enqueue 1500] [--rows 5000] [--skip-drain]
     [--dir FOLDER]   (the disk measured: a temporary folder under FOLDER; default /tmp's)

1. Enqueue (goal >= 0.9x): `Outbox.add` (seal, one write with WAL and synchronous=FULL:
   on disk before the citizen sees "success") against a bare `INSERT` of a blob of the same
   size into a one-table database with the same journal mode and the same synchronous
   setting, each commit on its own, in the same temporary folder (the same disk). Rounds
   alternate between the two so a change in the machine's load falls on both; the outbox
   round runs with a backlog already waiting (a kiosk offline for a while), since what an
   add costs beyond the raw insert grows with what the outbox holds if done carelessly.
2. Drain: the controller runs as its own process (`python -m controller`, SQLite, one
   uvicorn worker, as bench_controller_ingest.py starts it) with one kiosk written to its
   database. Its bare ingest rate is the kiosk's own ControllerClient posting fresh
   transactions back to back with no outbox; then `--rows` transactions (50,000 in the
   issue; fewer by default so the run ends in a few minutes) are put in an outbox and
   SyncLoop drains them with pace 0. Bare rounds are taken before and after the drain and
   averaged. Afterwards the controller must hold every row once: counted by number and key.

Every phase prints its progress and is bounded by its row counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_controller_ingest import controller_on, database, seed_fleet
from controller.services.fleet import kiosk_code
from kiosk.controller_client import ControllerClient
from kiosk.enroller import Enroller
from kiosk.enrollment import Enrollment, EnrollmentStore
from kiosk.outbox import Limits, Outbox, State
from kiosk.sync import SyncLoop
from pii import Sealer
from tests.controller.controller_testkit import transaction
from wire import RegisterRequest, TransactionIn, validate

ENQUEUE_GOAL = 0.9
CHUNK = 10  # adds of one side before the other side's turn
_BEIJING = dt.timezone(dt.timedelta(hours=8))


def make_txn(kiosk_id: str, n: int) -> TransactionIn:
    """The `n`-th distinct application of `kiosk_id` (made now: the controller refuses the
    future and keeps the past)."""
    now = dt.datetime.now(_BEIJING)
    number = f"{kiosk_id}-{now:%y%m%d}{n:06d}"
    return validate(
        TransactionIn,
        transaction(key=secrets.token_hex(16), number=number, created_at=now.isoformat()),
    )


def say(text: str) -> None:
    """One line of progress, at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# -- 1. enqueue ---------------------------------------------------------------------------


def timed(work: Callable[[int], None], start: int, count: int) -> float:
    """Seconds taken by `work(i)` for i in start .. start + count."""
    began = time.perf_counter()
    for i in range(start, start + count):
        work(i)
    return time.perf_counter() - began


def enqueue(folder: Path, count: int, rounds: int, backlog: int) -> float:
    """Outbox.add per second against the raw insert; print both and the ratio."""
    box = Outbox(
        folder / "outbox.db", Sealer(bytes(32)), clock=time.monotonic, limits=Limits(10**7)
    )
    txns = [make_txn("KA01", n) for n in range(1, backlog + count * (rounds + 1) + 1)]
    if backlog:
        # Filling is not what is measured: the backlog goes in without a sync per row.
        box._db.execute("PRAGMA synchronous=OFF")  # noqa: SLF001 - the bench's fill only
        for txn in txns[:backlog]:
            box.add(txn)
        box._db.execute("PRAGMA synchronous=FULL")  # noqa: SLF001
        say(f"enqueue: {backlog} rows already waiting in the outbox")
    size = len(Sealer(bytes(32)).seal(txns[0].model_dump_json(), txns[0].key.encode()))
    raw = sqlite3.connect(folder / "raw.db", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE t (key TEXT PRIMARY KEY, body BLOB NOT NULL)")
    blobs = [secrets.token_bytes(size) for _ in range(64)]
    keys = iter(secrets.token_hex(16) for _ in range(count * (rounds + 1)))
    queue = iter(txns[backlog:])

    def ours(i: int) -> None:
        box.add(next(queue))

    def bare(i: int) -> None:
        raw.execute("INSERT INTO t VALUES (?, ?)", (next(keys), blobs[i % len(blobs)]))

    timed(ours, 0, CHUNK)  # warm up both
    timed(bare, 0, CHUNK)
    our_rates, bare_rates = [], []
    per_round = max(count // rounds // CHUNK, 1)
    for n in range(1, rounds + 1):
        # Small chunks in turn: the disk is shared, and its speed changes by the second.
        ours_s = bare_s = 0.0
        for _ in range(per_round):
            bare_s += timed(bare, 0, CHUNK)
            ours_s += timed(ours, 0, CHUNK)
        bare_rates.append(per_round * CHUNK / bare_s)
        our_rates.append(per_round * CHUNK / ours_s)
        say(
            f"enqueue round {n}/{rounds}: raw insert {bare_rates[-1]:7.0f}/s,"
            f" Outbox.add {our_rates[-1]:7.0f}/s ({our_rates[-1] / bare_rates[-1]:.2f}x)"
        )
    raw.close()
    box.close()
    ratio = statistics.mean(our_rates) / statistics.mean(bare_rates)
    verdict = "meets" if ratio >= ENQUEUE_GOAL else "MISSES"
    say(
        f"enqueue: raw insert {statistics.mean(bare_rates):.0f}/s, Outbox.add"
        f" {statistics.mean(our_rates):.0f}/s, payload {size} bytes: {ratio:.2f}x"
        f" ({verdict} the {ENQUEUE_GOAL:.1f}x goal)"
    )
    return ratio


# -- 2. drain -----------------------------------------------------------------------------


def bare_ingest(client: ControllerClient, token: str, txns: list[TransactionIn]) -> float:
    """Transactions per second posted by the client itself, back to back, no outbox."""
    started = time.perf_counter()
    for txn in txns:
        client.send_transaction(txn, token)
    return len(txns) / (time.perf_counter() - started)


def drain(folder: Path, rows: int, bare_rows: int) -> float:
    """SyncLoop's drain rate of `rows` against the bare ingest; print both and the ratio."""
    with database("sqlite", folder) as url:
        (token,) = seed_fleet(url, 1)
        kiosk_id = kiosk_code(1)
        with controller_on(folder / "controller", url) as base:
            client = ControllerClient(base, timeout=30)
            made = iter(range(1, 10**6))
            bare_rates = []

            def bare_round(label: str) -> None:
                txns = [make_txn(kiosk_id, next(made)) for _ in range(bare_rows)]
                bare_rates.append(bare_ingest(client, token, txns))
                say(f"drain: bare ingest {label}: {bare_rates[-1]:.0f} transactions/s")

            bare_ingest(client, token, [make_txn(kiosk_id, next(made)) for _ in range(50)])
            bare_round("before")

            store = EnrollmentStore(folder / "kiosk" / "enrollment.json")
            store.save(Enrollment(kiosk_id, token, base, 30, "active"))
            enroller = Enroller(store, client, RegisterRequest(hardware_id="bench-000001",
                                                               name="压测1"), base)  # fmt: skip
            box = Outbox(folder / "kiosk" / "outbox.db", Sealer(bytes(32)), clock=time.monotonic)
            box._db.execute("PRAGMA synchronous=OFF")  # noqa: SLF001 - the fill is not measured
            keys = set()
            for _ in range(rows):
                txn = make_txn(kiosk_id, next(made))
                keys.add(txn.key)
                box.add(txn)
            box._db.execute("PRAGMA synchronous=FULL")  # noqa: SLF001
            say(f"drain: {rows} rows waiting in the outbox")
            sync = SyncLoop(box, client, enroller, pace=0)
            started = time.perf_counter()
            sent = 0
            while sent < rows:
                done = sync.drain()
                if done == 0:
                    raise RuntimeError(f"the drain stopped after {sent} rows: {box.counts()}")
                sent += done
                say(f"drain: {sent}/{rows} ({sent / (time.perf_counter() - started):.0f}/s)")
            drained = rows / (time.perf_counter() - started)
            bare_round("after")
            if box.counts()[State.ACKED] != rows:
                raise RuntimeError(f"the outbox did not see every row acknowledged: {box.counts()}")
            box.close()
        held = count_rows(url, keys)
    bare = statistics.mean(bare_rates)
    say(f"drain: controller holds {held[0]} of {rows} by key, {held[1]} distinct numbers")
    say(
        f"drain of {rows} rows: {drained:.0f}/s against bare ingest {bare:.0f}/s:"
        f" {drained / bare:.2f}x"
    )
    if held != (rows, rows):
        raise RuntimeError(f"rows lost or duplicated: {held}")
    return drained / bare


def count_rows(url: str, keys: set[str]) -> tuple[int, int]:
    """(rows whose key is one of `keys`, their distinct numbers) at the controller."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("CREATE TEMP TABLE wanted (key TEXT PRIMARY KEY)")
        db.executemany("INSERT INTO wanted VALUES (?)", ((k,) for k in keys))
        found = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT number) FROM transactions"
            " WHERE key IN (SELECT key FROM wanted)"
        ).fetchone()
    return int(found[0]), int(found[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enqueue", type=int, default=1500, help="adds per side, all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=20_000, help="rows waiting when timed")
    parser.add_argument("--rows", type=int, default=5_000, help="the backlog drained")
    parser.add_argument("--bare-rows", type=int, default=1_000, help="per bare round")
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--dir", type=Path, default=None, help="on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        say(f"in {name}")
        enqueue(Path(name), args.enqueue, args.rounds, args.backlog)
        if not args.skip_drain:
            drain(Path(name), args.rows, args.bare_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
