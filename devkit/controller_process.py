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
        enrollment_token: str,
        seed_demo: bool = True,
        database_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Start it; `database_url` (else SQLite in data_dir), `env`: more ESTATION_* settings."""
        self.data_dir = data_dir
        self.log_path = data_dir / "controller.log"
        self.url: str | None = None
        self._ready = threading.Event()
        environ = {**os.environ, **(env or {}), "ESTATION_ENROLLMENT_TOKEN": enrollment_token}
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

    def stop(self) -> None:
        """Stop the controller and wait for it."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
