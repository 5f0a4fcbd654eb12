"""Controllers for tests, on 127.0.0.1 only: in a thread (`serve`) or as a process.

`serve(app)` runs a FastAPI app on a real socket in this process; a controller as its own
process is devkit.controller_process.ControllerProcess, shared with the demo (re-exported
here so tests find every way to start a controller in one place). `SharedController` is one
that several tests of a module share, each enrolling a kiosk of its own.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from devkit.controller_process import ControllerProcess
from tests.support.waiting import wait_until

__all__ = ["ControllerProcess", "SharedController", "free_port", "serve"]


class SharedController(ControllerProcess):
    """A controller process a module's tests share (starting one takes 2-3 s), or one that
    a test enrolls several kiosks on.

    Each kiosk still enrolls with a one-time pairing code of its own, but the codes are
    issued `batch` to a CLI call: every call starts a Python process that imports the
    controller, about as slow as starting the server, and eight codes cost what one does.
    A test sharing it must make its state distinct (its own hardware id, so its own kiosk id
    and transaction numbers).
    """

    batch = 8

    def __init__(self, data_dir: Path, **options: Any) -> None:
        """Start it as `ControllerProcess` does (same options)."""
        super().__init__(data_dir, **options)
        self._unused_codes: list[str] = []

    def pairing_code(self, note: str = "") -> str:
        """An unused one-time pairing code, from the last batch issued (a new batch if none)."""
        if not self._unused_codes:
            issued = self._command("pairing-code", "--count", str(self.batch), "--note", note)
            self._unused_codes.extend(issued.split())
        return self._unused_codes.pop(0)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for a server to restart on)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: FastAPI, port: int = 0) -> Iterator[str]:
    """Serve `app` on a real socket (a free port unless given) in a thread; yield its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_until(lambda: server.started or not thread.is_alive(), timeout=10), (
        "the controller did not start in 10 s"
    )
    assert server.started, "the controller stopped while starting"
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
