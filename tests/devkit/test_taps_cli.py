"""The tap walk's simulated kiosk: it holds the machine's PC/SC lock while it walks."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from devkit.tappers import held_pcsc_lock


def _free(path: Path) -> bool:
    """True when another holder could take the lock at `path` now (and let it go)."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def test_the_walk_holds_the_pcsc_lock_so_a_run_inserting_virtual_cards_waits(
    tmp_path: Path,
) -> None:
    lock = tmp_path / "pcsc.lock"
    assert _free(lock)
    with held_pcsc_lock(lock):
        assert not _free(lock)  # a test session's pcscd fixture waits meanwhile
    assert _free(lock)


def test_the_walk_lets_the_pcsc_lock_go_when_it_fails(tmp_path: Path) -> None:
    lock = tmp_path / "pcsc.lock"
    with pytest.raises(RuntimeError), held_pcsc_lock(lock):
        raise RuntimeError("a walk that broke")
    assert _free(lock)
