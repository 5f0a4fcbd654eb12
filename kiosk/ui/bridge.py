"""The one place where work leaves the UI thread and results come back to it.

Kivy widgets may only be touched on the thread running the event loop. Device work (reading
a card, submitting, printing) blocks, so it runs on a worker thread, and its completion is
handed back with `on_ui_thread` (Kivy's `mainthread`: the call is queued on the Clock, whose
scheduling methods are thread safe, and runs at the next frame). The flows' actions run on
a `WorkerPool` whose threads wait for the next job; a one-off job gets a thread of its own.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from kivy.clock import mainthread

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def on_ui_thread(func: F) -> F:
    """Wrap `func` so that calling it from any thread runs it on the UI thread, later."""
    wrapped: F = mainthread(func)
    return wrapped


def run_in_worker(
    job: Callable[[], object],
    on_done: Callable[[BaseException | None], None],
    *,
    name: str = "ui-worker",
) -> threading.Thread:
    """Run `job` on a daemon thread; `on_done(error or None)` runs on the UI thread after."""
    deliver = on_ui_thread(on_done)
    # Daemon: a device read that never returns must not keep the process alive at shutdown.
    thread = threading.Thread(target=lambda: _run(job, deliver, name), name=name, daemon=True)
    thread.start()
    return thread


def _run(job: Callable[[], object], deliver: Callable[..., Any], name: str) -> None:
    try:
        job()
    except Exception as err:  # the top of a worker thread: log it, hand it to the UI
        # Type only: an exception message may quote what the citizen typed.
        log.error("worker failed thread=%s error=%s", name, type(err).__name__)
        deliver(err)
        return
    deliver(None)


_STOP = None  # a pool's closing word to each of its waiting threads


class WorkerPool:
    """Worker threads kept waiting for jobs: a job starts at once, not once a new thread runs.

    `Thread.start` returns only when the new thread has been scheduled: 1-12 ms of the UI
    thread on a loaded kiosk, on the tap that opens a service (its first step reads the ID
    card). A thread that finished a job waits for the next; up to `keep` wait, and a job
    that finds none waiting starts one (a card read that never returns holds its thread,
    never the next job). `warm` starts the first behind the menu's first frame.
    """

    def __init__(self, name: str = "ui-worker", keep: int = 2) -> None:
        self.name = name
        self.keep = keep
        self._jobs: queue.SimpleQueue[tuple[Callable[[], object], Callable[..., Any]] | None]
        self._jobs = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._waiting = 0  # threads waiting for a job, less the jobs already queued for them
        self._threads: set[threading.Thread] = set()
        self._closed = False

    def warm(self) -> None:
        """Start a thread to wait for the first job, unless one is waiting already."""
        with self._lock:
            if self._closed or self._waiting > 0:
                return
            self._waiting += 1
        self._start()

    def submit(
        self, job: Callable[[], object], on_done: Callable[[BaseException | None], None]
    ) -> None:
        """Run `job` on a worker; `on_done(error or None)` runs on the UI thread after."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"worker pool {self.name} is closed")
            idle = self._waiting > 0
            if idle:
                self._waiting -= 1
        self._jobs.put((job, on_ui_thread(on_done)))
        if not idle:
            self._start()

    def close(self) -> None:
        """Let the waiting threads end; a thread still at a job ends after it."""
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, 0
        for _ in range(waiting):
            self._jobs.put(_STOP)

    @property
    def threads(self) -> int:
        """Threads alive, at a job or waiting for one."""
        with self._lock:
            return sum(1 for thread in self._threads if thread.is_alive())

    def _start(self) -> None:
        # Daemon: a device read that never returns must not keep the process alive at exit.
        thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        with self._lock:
            self._threads = {t for t in self._threads if t.is_alive()} | {thread}
        thread.start()

    def _serve(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, deliver = item
            _run(job, deliver, self.name)
            with self._lock:
                if self._closed or self._waiting >= self.keep:
                    return
                self._waiting += 1
