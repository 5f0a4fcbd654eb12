"""The worker pool the flows' actions run on (kiosk/ui/bridge.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from kiosk.ui.bridge import WorkerPool

DEADLINE = 10.0  # seconds: generous for a loaded CI machine; the waits end on a condition


def _until(ready: Callable[[], bool]) -> None:
    """Run the Kivy clock (results come back through it) until `ready()` holds."""
    from kivy.clock import Clock

    give_up = time.monotonic() + DEADLINE
    while not ready():
        assert time.monotonic() < give_up, "not within the deadline"
        Clock.tick()


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool("test-worker")
    yield workers
    workers.close()


def test_a_job_runs_on_the_warm_thread_without_starting_one(
    pool: WorkerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool.warm()
    assert pool.threads == 1
    started: list[str] = []
    original = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread.name)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    ran_on: list[str] = []
    done: list[BaseException | None] = []
    pool.submit(lambda: ran_on.append(threading.current_thread().name), done.append)
    _until(lambda: bool(done))
    assert done == [None]
    assert ran_on == ["test-worker"]
    assert started == []  # the tap that opens a service no longer waits for a thread


def test_a_job_without_a_waiting_thread_starts_one(pool: WorkerPool) -> None:
    done: list[BaseException | None] = []
    pool.submit(lambda: None, done.append)
    _until(lambda: bool(done))
    assert done == [None]
    assert pool.threads == 1  # it stays for the next job


def test_a_job_that_never_returns_does_not_hold_the_next(pool: WorkerPool) -> None:
    release = threading.Event()
    pool.warm()
    first: list[BaseException | None] = []
    second: list[BaseException | None] = []
    pool.submit(lambda: release.wait(DEADLINE), first.append)  # a card read that hangs
    pool.submit(lambda: None, second.append)
    _until(lambda: bool(second))
    assert second == [None]
    assert first == []
    release.set()
    _until(lambda: bool(first))


def test_a_failed_job_hands_its_error_to_the_ui_thread(pool: WorkerPool) -> None:
    def broken() -> None:
        raise OSError("reader gone")

    done: list[BaseException | None] = []
    on: list[threading.Thread] = []

    def finished(error: BaseException | None) -> None:
        on.append(threading.current_thread())
        done.append(error)

    pool.submit(broken, finished)
    _until(lambda: bool(done))
    assert isinstance(done[0], OSError)
    assert on == [threading.main_thread()]
    again: list[BaseException | None] = []
    pool.submit(lambda: None, again.append)  # the thread survived its job's failure
    _until(lambda: bool(again))
    assert again == [None]


def test_no_more_threads_wait_than_it_keeps(pool: WorkerPool) -> None:
    release = threading.Event()
    done: list[BaseException | None] = []
    for _ in range(pool.keep + 3):
        pool.submit(lambda: release.wait(DEADLINE), done.append)
    _until(lambda: pool.threads == pool.keep + 3)
    release.set()
    _until(lambda: len(done) == pool.keep + 3 and pool.threads == pool.keep)
    assert pool.threads == pool.keep


def test_closing_ends_the_waiting_threads_and_refuses_jobs(pool: WorkerPool) -> None:
    pool.warm()
    done: list[BaseException | None] = []
    pool.submit(lambda: None, done.append)
    _until(lambda: bool(done))
    assert pool.threads == 1
    pool.close()
    _until(lambda: pool.threads == 0)
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit(lambda: None, done.append)
