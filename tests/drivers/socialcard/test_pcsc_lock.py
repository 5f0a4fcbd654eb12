"""The machine's PC/SC lock: one holder process at a time, re-entrant within a process."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from drivers.socialcard.pcsc_lock import pcsc_lock
from tests.support.locks import lock_is_free

ROOT = Path(__file__).resolve().parents[3]

# A process that takes the lock at argv[1], says so, and keeps it until its stdin closes.
HOLDER = """
import sys
from pathlib import Path
from drivers.socialcard.pcsc_lock import pcsc_lock
with pcsc_lock(Path(sys.argv[1]), waiting=lambda path: print("waiting", flush=True)):
    print("took", flush=True)
    sys.stdin.read()
"""


def _holder(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _let_go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait(timeout=30) == 0


def test_a_second_process_waits_until_the_first_lets_the_lock_go(tmp_path: Path) -> None:
    lock = tmp_path / "pcsc.lock"
    first = _holder(lock)
    assert first.stdout is not None
    assert first.stdout.readline() == "took\n"
    second = _holder(lock)
    assert second.stdout is not None
    try:
        assert second.stdout.readline() == "waiting\n"  # it found the lock held
        assert not lock_is_free(lock)
        _let_go(first)
        assert second.stdout.readline() == "took\n"  # and took it once the first let go
        assert not lock_is_free(lock)
    finally:
        first.kill()
        second.kill()
        first.wait()
        second.wait()
    assert lock_is_free(lock)


def test_a_process_holding_the_lock_takes_it_again_without_waiting(tmp_path: Path) -> None:
    lock = tmp_path / "pcsc.lock"
    waited: list[Path] = []
    with pcsc_lock(lock, waiting=waited.append):
        with pcsc_lock(lock, waiting=waited.append):
            assert not lock_is_free(lock)
        assert not lock_is_free(lock)  # the outer hold still holds it
        taken = threading.Event()

        def other_thread() -> None:
            with pcsc_lock(lock, waiting=waited.append):
                taken.set()

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join(timeout=30)
        assert taken.is_set()
    assert waited == []
    assert lock_is_free(lock)


def test_a_bounded_wait_on_a_held_lock_ends_in_timeout_error(tmp_path: Path) -> None:
    lock = tmp_path / "pcsc.lock"
    first = _holder(lock)
    assert first.stdout is not None
    try:
        assert first.stdout.readline() == "took\n"
        waited: list[Path] = []
        with (
            pytest.raises(TimeoutError, match=r"pcsc\.lock"),
            pcsc_lock(lock, timeout=0.3, waiting=waited.append),
        ):
            pass
        assert waited == [lock]
        _let_go(first)
        with pcsc_lock(lock, timeout=0.3):  # the failed take left nothing behind
            assert not lock_is_free(lock)
    finally:
        first.kill()
        first.wait()
    assert lock_is_free(lock)


def test_the_lock_goes_when_the_block_fails(tmp_path: Path) -> None:
    lock = tmp_path / "pcsc.lock"
    with pytest.raises(RuntimeError), pcsc_lock(lock):
        raise RuntimeError("a run that broke")
    assert lock_is_free(lock)
