"""Heartbeat ingest: the controller against a bare FastAPI endpoint, and a simulated fleet.

Run: .venv/bin/python -m bench.bench_controller_ingest [--seconds 6] [--step-seconds 5]
     [--fleets 5000,10000,...] [--databases sqlite,postgresql]

Every server runs as its own process on 127.0.0.1 with one uvicorn worker: the controller
(`python -m controller`) and a bare FastAPI app whose one route parses the same JSON body and
answers a small JSON (the baseline: what the framework and the server cost with no work of
ours). The load comes from this process, on loopback only; every loop is bounded in time and
the whole run takes about two to three minutes.

1. Closed loop (SQLite): C clients send heartbeats back to back, cycling over 200 kiosks,
   to each server in turn, three rounds of S / 3 seconds each (so a change in the load of
   the machine falls on both); requests per second and the ratio ours / bare (goal
   >= 0.7x), with each round's ratio.
2. Simulated fleet, on SQLite and on PostgreSQL (a throwaway cluster started as
   tests/support/postgres.py does, fsync off like the test cluster): the database is filled
   with the largest fleet first (kiosks seen a moment ago and healthy, written directly, as
   enrolling 50,000 kiosks over HTTP would take minutes). The kiosks the largest step
   will use first send one heartbeat each, as fast as 16 clients can (a controller just
   restarted: each token checked against the database; the rate is printed), standing for
   the heartbeat they sent before, so the steps run in steady state. Then for each fleet
   size N, heartbeats arrive at N / 30 per second for a few seconds, from those kiosks in
   turn (each beats once per step: every few seconds rather than every 30, which costs the
   controller the same per heartbeat; its token cache then holds fewer entries than N);
   a share of them reports a status change, which the controller writes at once. The
   p50 / p99 latency of each step, counted from when the heartbeat was due, and the
   largest fleet whose p99 stays under 200 ms. The ramp stops at the first step over.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import insert

from controller.db import Database
from controller.models import Kiosk, KioskHealthNow
from controller.services.credentials import hash_token
from controller.services.fleet import kiosk_code
from devkit.controller_process import ControllerProcess

HEARTBEAT_SECONDS = 30
P99_GOAL_MS = 200.0
CLOSED_LOOP_KIOSKS = 200

BARE_APP = textwrap.dedent(
    """
    import json, sys
    import uvicorn
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    app = FastAPI()

    @app.post("/api/v1/heartbeat")
    async def heartbeat(request: Request) -> Response:
        json.loads(await request.body())
        return Response('{"server_time":"2026-12-05T00:00:00Z"}', media_type="application/json")

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def heartbeat_body(status: str = "idle") -> bytes:
    return json.dumps(
        {
            "sent_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "status": status,
            "software_version": "0.1.0",
            "devices": {"id_card_reader": {"state": "ok"}, "receipt_printer": {"state": "ok"}},
            "outbox_pending": 0,
        }
    ).encode()


def wait_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def seed_fleet(database_url: str, count: int) -> list[str]:
    """Migrate the database and add `count` kiosks seen just now and healthy; their tokens."""
    db = Database(database_url)
    try:
        db.migrate()
        now = dt.datetime.now(dt.UTC)
        devices = {"id_card_reader": {"state": "ok"}, "receipt_printer": {"state": "ok"}}
        kiosks, tokens = [], []
        for number in range(1, count + 1):
            kiosk_id = kiosk_code(number)
            token = f"{kiosk_id}.{secrets.token_urlsafe(32)}"
            tokens.append(token)
            kiosks.append(
                {
                    "id": number,
                    "kiosk_id": kiosk_id,
                    "hardware_id": f"bench-{number:06d}",
                    "name": f"压测{number}",
                    "site": "",
                    "software_version": "0.1.0",
                    "token_hash": hash_token(token),
                    "token_issued_at": now,
                    "state": "active",
                    "registered_at": now,
                    "last_seen_at": now,
                    "status": "idle",
                    "devices": devices,
                    "outbox_pending": 0,
                    "clock_skew_seconds": 0,
                }
            )
        health = [
            {
                "kiosk_pk": number,
                "health": "green",
                "reasons": [],
                "conditions": [],
                "since": now,
                "version": 1,
            }
            for number in range(1, count + 1)
        ]
        with db.session() as session, session.begin():
            session.execute(insert(Kiosk.__table__), kiosks)
            session.execute(insert(KioskHealthNow.__table__), health)
        return tokens
    finally:
        db.dispose()


def closed_loop(base: str, tokens: list[str], clients: int, seconds: float) -> float:
    """Requests per second with `clients` sending back to back.

    Every answer must be a 200: a refusal is cheaper than the work, so a rate of refusals
    would flatter the server (RuntimeError names the first).
    """
    done = [0] * clients
    refused: list[str] = []
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        headers["Content-Type"] = "application/json"
        with httpx.Client(base_url=base, timeout=10) as client:
            n = i
            while time.monotonic() < stop:
                headers["Authorization"] = f"Bearer {tokens[n % len(tokens)]}"
                answer = client.post("/api/v1/heartbeat", content=heartbeat_body(), headers=headers)
                if answer.status_code != 200:
                    refused.append(f"{answer.status_code} {answer.text[:200]}")
                done[i] += 1
                n += clients

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if refused:
        raise RuntimeError(f"{base}: {len(refused)} heartbeats refused, first: {refused[0]}")
    return sum(done) / (time.monotonic() - started)


class Fleet:
    """The simulated kiosks: each beats once per step, in order."""

    def __init__(self, tokens: list[str], change_share: float) -> None:
        self.tokens = tokens
        self.next = 0
        self.errors = 0
        self.change_every = round(1 / change_share) if change_share > 0 else 0
        self.lock = threading.Lock()

    def take(self) -> tuple[str, str]:
        """The next kiosk's token, and the status it reports (a few report a change)."""
        with self.lock:
            n = self.next % len(self.tokens)
            self.next += 1
        changed = self.change_every and n % self.change_every == 0
        return self.tokens[n], "in_session" if changed else "idle"


def prime(base: str, tokens: list[str], clients: int = 16) -> float:
    """One heartbeat from each kiosk, `clients` at a time; heartbeats per second."""
    queue = list(reversed(tokens))
    lock = threading.Lock()

    def work() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    token = queue.pop()
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                client.post("/api/v1/heartbeat", content=heartbeat_body(), headers=headers)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(tokens) / (time.monotonic() - started)


def fixed_rate(base: str, fleet: Fleet, rate: float, seconds: float) -> list[float]:
    """Latencies (ms) of heartbeats sent at `rate` per second for `seconds` (open loop)."""
    latencies: list[float] = []
    lock = threading.Lock()
    senders = 32
    interval = senders / rate
    # Every sender connects first: the step measures heartbeats, not 32 TCP handshakes.
    ready = threading.Barrier(senders + 1)
    begin = [0.0]

    def work(i: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            client.get("/healthz")
            ready.wait()
            next_at = begin[0] + i * interval / senders
            stop = begin[0] + seconds
            while next_at < stop:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                token, status = fleet.take()
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                sent = time.monotonic()
                answer = client.post(
                    "/api/v1/heartbeat", content=heartbeat_body(status), headers=headers
                )
                with lock:
                    if answer.status_code != 200:
                        fleet.errors += 1
                    # Measured from when it was due: a late send is latency the kiosk sees.
                    latencies.append((time.monotonic() - min(sent, max(next_at, sent))) * 1000)
                next_at += interval

    threads = [threading.Thread(target=work, args=(i,)) for i in range(senders)]
    for t in threads:
        t.start()
    begin[0] = time.monotonic() + 0.05
    ready.wait()
    for t in threads:
        t.join()
    return latencies


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else float("nan")


@contextlib.contextmanager
def controller_on(data_dir: Path, database_url: str) -> Iterator[str]:
    """The controller on `database_url`; yields its URL."""
    controller = ControllerProcess(
        data_dir, port=free_port(), seed_demo=False, database_url=database_url
    )
    try:
        yield controller.wait_ready()
    finally:
        controller.stop()


@contextlib.contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    """An empty database of `kind` (sqlite or postgresql); yields its URL."""
    if kind == "sqlite":
        yield f"sqlite:///{(tmp / 'sqlite' / 'controller.db').resolve()}"
        return
    from tests.support.postgres import postgres_cluster  # the test suite's throwaway cluster

    with postgres_cluster() as cluster, cluster.database(migrated=False) as url:
        yield url


def ramp(url: str, fleet: Fleet, fleets: list[int], seconds: float, label: str) -> int:
    """Step through the fleet sizes until p99 goes over the goal; the largest held."""
    largest = 0
    for size in fleets:
        rate = size / HEARTBEAT_SECONDS
        errors = fleet.errors
        fleet.next = 0  # the same kiosks, a step later
        lat = fixed_rate(url, fleet, rate, seconds)
        p50, p99 = p(lat, 50), p(lat, 99)
        ok = p99 < P99_GOAL_MS and fleet.errors == errors
        largest = size if ok else largest
        print(
            f"{label}: {size:6d} kiosks ({rate:4.0f}/s, {len(lat):5d} sent): p50 {p50:6.1f} ms"
            f"  p99 {p99:7.1f} ms  {'ok' if ok else 'over 200 ms or errors'}"
            f"{f'  {fleet.errors - errors} errors' if fleet.errors > errors else ''}",
            flush=True,
        )
        if not ok:
            break
    print(f"{label}: largest fleet with p99 < 200 ms: {largest} kiosks", flush=True)
    return largest


@contextlib.contextmanager
def bare_server() -> Iterator[str]:
    """The bare FastAPI endpoint in its own process; yields its URL."""
    port = free_port()
    bare = subprocess.Popen(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", BARE_APP, str(port)], env=dict(os.environ)
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_up(url + "/docs")
        yield url
    finally:
        bare.terminate()
        bare.wait(10)


def ratio(bare_url: str, ours: str, tokens: list[str], args: argparse.Namespace) -> None:
    """Closed loop on both servers in alternating rounds, so a change in the machine's load
    (other work shares its cores) falls on both; print each and the ratio."""
    rounds = 3
    closed_loop(bare_url, tokens, args.clients, 1.0)  # warm up
    closed_loop(ours, tokens, args.clients, 1.0)
    bare_rates, our_rates = [], []
    for _ in range(rounds):
        bare_rates.append(closed_loop(bare_url, tokens, args.clients, args.seconds / rounds))
        our_rates.append(closed_loop(ours, tokens, args.clients, args.seconds / rounds))
    pairs = sorted(o / b for o, b in zip(our_rates, bare_rates, strict=True))
    bare_rps, our_rps = statistics.mean(bare_rates), statistics.mean(our_rates)
    print(f"closed loop, {args.clients} clients: bare FastAPI {bare_rps:7.0f} req/s")
    print(f"closed loop, {args.clients} clients: controller   {our_rps:7.0f} req/s")
    print(
        f"ratio controller / bare: {our_rps / bare_rps:.2f}x (goal >= 0.70x;"
        f" rounds {', '.join(f'{r:.2f}' for r in pairs)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="closed loop, per server")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--step-seconds", type=float, default=5.0, help="per fleet size")
    parser.add_argument("--fleets", default="5000,10000,20000,30000,40000,50000")
    parser.add_argument("--change-share", type=float, default=0.02)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    fleets = [int(n) for n in args.fleets.split(",")]
    with tempfile.TemporaryDirectory() as tmp_name, bare_server() as bare_url:
        tmp = Path(tmp_name)
        for kind in args.databases.split(","):
            with database(kind, tmp) as url:
                started = time.monotonic()
                tokens = seed_fleet(url, max(fleets))
                print(f"{kind}: {len(tokens)} kiosks seeded in {time.monotonic() - started:.1f} s")
                with controller_on(tmp / kind, url) as ours:
                    if kind == "sqlite":
                        ratio(bare_url, ours, tokens[-CLOSED_LOOP_KIOSKS:], args)
                    # Every kiosk the largest step may use, with 10% to spare.
                    used = int(max(fleets) / HEARTBEAT_SECONDS * args.step_seconds * 1.1)
                    used = min(used, len(tokens))
                    rate = prime(ours, tokens[:used])
                    print(
                        f"{kind}: first heartbeat of {used} kiosks (tokens checked): {rate:.0f}/s"
                    )
                    ramp(ours, Fleet(tokens, args.change_share), fleets, args.step_seconds, kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
