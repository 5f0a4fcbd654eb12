"""The county inbox with 1,000,000 applications, and an export of 100,000 rows.

Run: .venv/bin/python -m bench.bench_inbox [--rows 1000000] [--repeat 15] [--no-postgres]

Fills a SQLite file and a throwaway PostgreSQL database (tests/support/postgres.py) with
bench/inbox_data.py's applications (30% in one county), then asks the real app in process
(Starlette's TestClient: routing, sign-in, queries, counts, template) for the county staff
member's first inbox page, a status tab and a township, and compares each with a bare
indexed SELECT of the same 50 rows on the same database in the same run. Then exports the
county's first 100,000 rows (masked) as CSV and XLSX in a child process and reports its
peak RSS against the same child before the export. The goal: first page under 300 ms.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bench.inbox_data import BIG_COUNTY, fill
from controller.app import create_app
from controller.auth.access import Role
from controller.settings import Settings
from tests.controller.controller_testkit import FAST_AUTH, make_user, sign_in
from tests.support.postgres import postgres_cluster

GOAL_MS = 300.0
EXPORT_FILTER = "from=2026-01-01&to=2026-05-31"


def timed(get: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of each of `repeat` calls, after one warm-up call."""
    get()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    return times


@contextmanager
def county_browser(url: str, folder: Path, name: str = "county") -> Iterator[TestClient]:
    """The controller on `url`, a county staff member of BIG_COUNTY signed in."""
    settings = Settings(data_dir=folder, database_url=url, sweeper_enabled=False)
    app = create_app(settings, auth=FAST_AUTH)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        make_user(client, name, Role.COUNTY_STAFF, region_code=BIG_COUNTY)
        if sign_in(client, name).status_code != 303:
            raise SystemExit("the county account could not sign in")
        yield client


def migrate(url: str, folder: Path) -> None:
    """Create the schema by starting the app once."""
    create_app(Settings(data_dir=folder, database_url=url, sweeper_enabled=False), auth=FAST_AUTH)


def bare_select(url: str) -> Callable[[], object]:
    """The same 50 rows by the same index, without the app: the floor."""
    engine = create_engine(url)
    query = text(
        "SELECT id, number, status FROM transactions WHERE county_code = :c"
        " ORDER BY created_at DESC, id DESC LIMIT 50"
    )

    def run() -> object:
        with engine.connect() as conn:
            return conn.execute(query, {"c": BIG_COUNTY}).all()

    return run


def measure(name: str, url: str, folder: Path, rows: int, repeat: int) -> bool:
    """Fill, time the pages against the bare select, then the exports; True if on goal."""
    started = time.perf_counter()
    migrate(url, folder)
    fill(url, rows)
    print(f"\n{name}: {rows:,} applications in {time.perf_counter() - started:.0f} s")
    bare = statistics.median(timed(bare_select(url), repeat))
    print(f"  bare indexed SELECT (50 rows)      median {bare:6.1f} ms")
    ok = True
    with county_browser(url, folder) as client:
        for label, path in {
            "inbox, first page + counts": "/inbox",
            "status tab (returned)": "/inbox?status=returned",
            "a township": f"/inbox?township={BIG_COUNTY}003",
        }.items():
            if client.get(path).status_code != 200:
                raise SystemExit(f"{path} did not answer 200")
            times = timed(lambda p=path: client.get(p), repeat)  # type: ignore[misc]
            median = statistics.median(times)
            print(f"  {label:32s} median {median:6.1f} ms  max {max(times):6.1f} ms"
                  f"  {median / bare:6.1f}x bare")  # fmt: skip
            ok &= median < GOAL_MS
    for kind in ("csv", "xlsx"):
        child = subprocess.run(  # noqa: S603 - our own module, our arguments
            [sys.executable, "-m", "bench.bench_inbox", "--export", kind, url, str(folder)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(f"  export {kind}: {child.stdout.strip()}")
    return ok


def export_child(kind: str, url: str, folder: Path) -> int:
    """In a fresh process: sign in, stream one export, print rows, seconds and RSS."""
    with county_browser(url, folder, f"export-{kind}") as client:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        size = 0
        lines = 0
        with client.stream("GET", f"/inbox/export.{kind}?{EXPORT_FILTER}") as answer:
            for chunk in answer.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = lines - 1 if kind == "csv" else -1
    shown = f"{rows:,} rows, " if rows >= 0 else ""
    grew = (peak - before) / 1024
    print(f"{shown}{size / 1e6:.1f} MB in {seconds:.1f} s; peak RSS {peak / 1024:.0f} MiB"
          f" (before the export {before / 1024:.0f} MiB, +{grew:.0f} MiB)")  # fmt: skip
    return 0


def main() -> int:
    """Run the benchmark; exit 1 when a first page misses the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--export", nargs=3, metavar=("KIND", "URL", "FOLDER"))
    args = parser.parse_args()
    if args.export:
        kind, url, folder = args.export
        return export_child(kind, url, Path(folder))
    ok = True
    with tempfile.TemporaryDirectory(prefix="estation-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'controller.db'}"
        ok &= measure("SQLite", url, Path(folder), args.rows, args.repeat)
        if not args.no_postgres:
            with postgres_cluster() as cluster:
                ok &= measure("PostgreSQL", cluster.url(), Path(folder), args.rows, args.repeat)
    print(f"\nfirst pages under {GOAL_MS:.0f} ms: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
