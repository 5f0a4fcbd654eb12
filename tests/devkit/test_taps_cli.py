"""The tap walk's simulated kiosk: it holds the machine's PC/SC lock while it walks."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.tappers import held_pcsc_lock
from tests.support.locks import lock_is_free


def test_the_walk_holds_the_pcsc_lock_so_a_run_inserting_virtual_cards_waits(
    tmp_path: Path,
) -> None:
    lock = tmp_path / "pcsc.lock"
    assert lock_is_free(lock)
    with held_pcsc_lock(lock):
        assert not lock_is_free(lock)  # a test session's pcscd fixture waits meanwhile
    assert lock_is_free(lock)


def test_the_walk_lets_the_pcsc_lock_go_when_it_fails(tmp_path: Path) -> None:
    lock = tmp_path / "pcsc.lock"
    with pytest.raises(RuntimeError), held_pcsc_lock(lock):
        raise RuntimeError("a walk that broke")
    assert lock_is_free(lock)
