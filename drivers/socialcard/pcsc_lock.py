"""The machine's PC/SC lock: pcscd and vpcd's one TCP port (35963) are one per machine.

A virtual card one process inserts lies in every process's simulated reader, and a pcscd one
process starts or stops is every process's. So whoever uses the virtual reader (the tests
that insert cards or start kiosks with the simulated reader, `./dev demo`, `estation-kiosk
screens`, devkit's tap walk) holds this lock meanwhile, and a second user waits its turn.

The lock is an flock on one file, taken once per process: a process already holding it
(the test run's module lock, then its pcscd fixture; the demo called by a test) holds it
again at once. Two flocks on two descriptors of one file in one process would wait on each
other, which is why every holder goes through `pcsc_lock`.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

PCSC_LOCK = Path("/tmp/estation-pcsc.lock")  # noqa: S108  # one path all runs agree on
_POLL = 0.1  # a bounded wait asks the file this often

_guard = threading.Lock()  # over _held and _gates, never held while waiting
_held: dict[Path, tuple[IO[str], int]] = {}  # path -> (the open file, how many holds)
_gates: dict[Path, threading.Lock] = {}  # path -> one thread of this process takes it


@contextmanager
def pcsc_lock(
    path: Path = PCSC_LOCK,
    *,
    timeout: float | None = None,
    waiting: Callable[[Path], None] | None = None,
) -> Iterator[None]:
    """Hold the machine's PC/SC lock for the block, waiting while another process holds it.

    `waiting(path)` is called once when it must wait; past `timeout` seconds (None: no
    limit) it raises TimeoutError. Re-entrant within a process, from any thread.
    """
    _take(path, timeout, waiting)
    try:
        yield
    finally:
        _give(path)


def _take(path: Path, timeout: float | None, waiting: Callable[[Path], None] | None) -> None:
    with _guard:
        gate = _gates.setdefault(path, threading.Lock())
    with gate:
        with _guard:
            if path in _held:
                handle, holds = _held[path]
                _held[path] = (handle, holds + 1)
                return
        handle = path.open("a")
        try:
            if not _try(handle):
                if waiting is not None:
                    waiting(path)
                _wait(handle, path, timeout)
        except BaseException:
            handle.close()
            raise
        with _guard:
            _held[path] = (handle, 1)


def _give(path: Path) -> None:
    with _guard:
        handle, holds = _held[path]
        if holds > 1:
            _held[path] = (handle, holds - 1)
            return
        del _held[path]
        handle.close()  # closing the file lets the lock go


def _try(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait(handle: IO[str], path: Path, timeout: float | None) -> None:
    if timeout is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout
    while not _try(handle):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"another process has held {path} for {timeout:.0f} s")
        time.sleep(_POLL)
