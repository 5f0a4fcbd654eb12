"""A throwaway PostgreSQL cluster for tests, from the Debian `postgresql` package.

`PostgresCluster` runs `initdb` into a fresh temporary folder and starts the server on
127.0.0.1 at a free port, its unix sockets in that folder too, so it never meets another
server on the machine. `database()` hands each test an empty database of its own, copied
from a template migrated once (CREATE DATABASE ... TEMPLATE is a file copy: much faster
than migrating again). `stop()` stops the server and removes the folder.

initdb refuses to run as root, so as root (CI) the server runs as the `postgres` system
user Debian's package creates, through `runuser`, in a folder that user owns; as anyone
else it runs as that user. Debian keeps the binaries out of PATH, in
/usr/lib/postgresql/<version>/bin: the newest version there is used (or initdb on PATH).
The cluster trades durability for speed (fsync off): it lives for one test session.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from controller.db import Database
from tests.support.servers import free_port

SUPERUSER = "postgres"
DEBIAN_BINARIES = Path("/usr/lib/postgresql")


def find_binaries() -> Path:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's newest version."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    versions = sorted(
        (p for p in DEBIAN_BINARIES.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: [int(part) for part in p.parent.name.split(".") if part.isdigit()],
    )
    if not versions:
        raise RuntimeError(
            "PostgreSQL is not installed: the controller tests need Debian's `postgresql` "
            "package (./dev setup installs it)"
        )
    return versions[-1]


class PostgresCluster:
    """One PostgreSQL server in a temporary folder, on 127.0.0.1 at a free port."""

    def __init__(self) -> None:
        self.bin = find_binaries()
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="estation-pg-"))
        self.data = self.folder / "data"
        self._names = itertools.count(1)
        self.template: str | None = None
        if self._as_root:
            owner = pwd.getpwnam(SUPERUSER)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}")

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.folder}",
                # A test cluster: nothing in it must survive a crash, so skip the syncs.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        self._run(
            "pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.folder / "log"),
            "-o", options,
        )  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database of this cluster (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, *statements: str) -> None:
        conninfo = f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]  # names made here

    def prepare_template(self, migrate: Callable[[str], None]) -> None:
        """Make the template every test database is copied from: `migrate(url)` fills it."""
        self._admin("CREATE DATABASE estation_template")
        migrate(self.url("estation_template"))
        self.template = "estation_template"

    @contextmanager
    def database(self, *, migrated: bool = True) -> Iterator[str]:
        """A fresh database for one test, a copy of the migrated template unless `migrated`
        is False (then empty); yield its URL."""
        name = f"test_{next(self._names)}"
        template = f" TEMPLATE {self.template}" if migrated and self.template else ""
        self._admin(f"CREATE DATABASE {name}{template}")
        try:
            yield self.url(name)
        finally:
            # FORCE: a test may leave a pooled connection behind (PostgreSQL 13 and newer).
            self._admin(f"DROP DATABASE {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A started cluster, stopped and removed on the way out."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """The session's PostgreSQL cluster, its template migrated to the newest revision."""
    with postgres_cluster() as cluster:
        cluster.prepare_template(_migrate)
        yield cluster


def _migrate(url: str) -> None:
    database = Database(url)
    try:
        database.migrate()
    finally:
        database.dispose()
