"""The one place where work leaves the UI thread and results come back to it.

Kivy widgets may only be touched on the thread running the event loop. Device work (reading
a card, submitting, printing) blocks, so it runs on a worker thread, and its completion is
handed back with `on_ui_thread` (Kivy's `mainthread`: the call is queued on the Clock, whose
scheduling methods are thread safe, and runs at the next frame).
"""

from __future__ import annotations

import logging
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

    def work() -> None:
        try:
            job()
        except Exception as err:  # the top of a worker thread: log it, hand it to the UI
            # Type only: an exception message may quote what the citizen typed.
            log.error("worker failed thread=%s error=%s", name, type(err).__name__)
            deliver(err)
            return
        deliver(None)

    # Daemon: a device read that never returns must not keep the process alive at shutdown.
    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread
