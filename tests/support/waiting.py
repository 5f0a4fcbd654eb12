"""A bounded wait for something another thread or process does: the one place tests poll."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, step: float = 0.01) -> bool:
    """Poll `condition` every `step` s until it holds or `timeout` real seconds pass.

    Returns whether it held. It is checked once more at the deadline, so a condition that
    turns true during the last step is not missed; a step longer than the time left is cut
    short, so the wait never outlasts `timeout` by a whole step.
    """
    if timeout < 0 or step <= 0:
        raise ValueError(f"timeout must be >= 0 and step > 0 (got {timeout}, {step})")
    deadline = time.monotonic() + timeout
    while not condition():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(step, left))
    return True
