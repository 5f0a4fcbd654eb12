"""Whether a machine-wide flock could be taken now: what a lock's tests look at."""

from __future__ import annotations

import fcntl
from pathlib import Path


def lock_is_free(path: Path) -> bool:
    """True when another holder could take the lock at `path` now (and let it go)."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
