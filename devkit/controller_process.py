"""The controller as its own process on 127.0.0.1, as on a server: for the demo and e2e tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

_READY = re.compile(r"controller ready on (http://\S+)")


class ControllerProcess:
    """Runs `python -m controller` on 127.0.0.1 and knows its URL once it is ready."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 0,
        seed_demo: bool = True,
        database_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Start it; `database_url` (else SQLite in data_dir), `env`: more ESTATION_* settings."""
        self.data_dir = data_dir
        self.database_url = database_url
        self.env = dict(env or {})
        self.log_path = data_dir / "controller.log"
        self.url: str | None = None
        self._ready = threading.Event()
        environ = {**os.environ, **(env or {})}
        data_dir.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "controller", "--host", "127.0.0.1", "--port", str(port),
             "--data-dir", str(data_dir), *(["--seed-demo"] if seed_demo else []),
             *(["--db", database_url] if database_url else [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=environ,
            text=True,
        )  # fmt: skip
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        if self._proc.stdout is None:
            return
        with self.log_path.open("a", encoding="utf-8") as out:
            for line in self._proc.stdout:
                out.write(line)
                out.flush()
                if not self._ready.is_set() and (m := _READY.search(line)):
                    self.url = m.group(1)
                    self._ready.set()

    def wait_ready(self, timeout: float = 60.0) -> str:
        """Block until the controller says it is listening; return its URL."""
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.2):
            if self._proc.poll() is not None:
                raise RuntimeError(f"the controller exited; see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the controller did not start in {timeout:.0f} s")
        return self.url or ""

    def pairing_code(self, note: str = "") -> str:
        """Issue a one-time pairing code with `estation-controller pairing-code`; the code."""
        return self._command("pairing-code", "--note", note)

    def preauthorise(self, hardware_id: str) -> None:
        """Pre-authorise a hardware id with `estation-controller preauthorise`."""
        self._command("preauthorise", hardware_id)

    def _command(self, *args: str) -> str:
        # The same database and settings (the sealing key among them) as the server.
        db = ["--db", self.database_url] if self.database_url else []
        return _controller_command(self.data_dir, *args, *db, env=self.env)

    def stop(self) -> None:
        """Stop the controller and wait for it."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def _controller_command(data_dir: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "controller", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise RuntimeError(f"controller {args[0]} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def issue_pairing_code(data_dir: Path, note: str = "") -> str:
    """A one-time pairing code from the controller whose data is in `data_dir` (CLI)."""
    return _controller_command(data_dir, "pairing-code", "--note", note)


def issue_pairing_codes(data_dir: Path, count: int, note: str = "") -> list[str]:
    """`count` one-time pairing codes at once (benchmarks enrolling many kiosks)."""
    out = _controller_command(data_dir, "pairing-code", "--count", str(count), "--note", note)
    return out.split()
