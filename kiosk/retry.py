"""When to try the controller again: back-off with full jitter, a circuit breaker, a pacer.

All three run on the monotonic clock, so a wall clock stepped backwards (NTP after a day
offline, a technician setting the date) neither stalls the backlog nor floods the
controller. Full jitter (a delay drawn anywhere between one second and the exponential
cap) spreads a fleet that lost its controller at the same moment, so it does not come back
at the same moment either; the pacer keeps a kiosk that was offline for a day from sending
its whole backlog in one burst.
"""

from __future__ import annotations

import random
from collections.abc import Callable

MAX_BACKOFF = 300.0


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempts`: drawn from [1, min(2^n, 5 min)]."""
    cap = float(min(MAX_BACKOFF, 2 ** min(max(attempts, 0), 16)))
    return (rng or random).uniform(1.0, max(cap, 1.0))


class Circuit:
    """Stops every call for a while after the controller failed to answer.

    Closed: calls go through. After a failure it opens for a jittered back-off that grows
    with each failure in a row; once that has passed one call may probe (half-open): its
    success closes the circuit, its failure opens it again for longer.
    """

    def __init__(self, clock: Callable[[], float], rng: random.Random | None = None) -> None:
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
        self.failures = 0
        self._open_until = float("-inf")

    @property
    def is_open(self) -> bool:
        """True while calls must wait."""
        return self._clock() < self._open_until

    def wait(self) -> float:
        """Seconds until a call may probe (0 when closed or ready to probe)."""
        return max(0.0, self._open_until - self._clock())

    def failed(self, at_least: float = 0.0) -> float:
        """The controller did not answer (or asked us to wait `at_least` seconds).

        Return how long the circuit stays open.
        """
        self.failures += 1
        pause = max(backoff(self.failures, self._rng), at_least)
        self._open_until = self._clock() + pause
        return pause

    def succeeded(self) -> bool:
        """A call went through; True when this ends an outage (the circuit was tripped)."""
        recovered = self.failures > 0
        self.failures = 0
        self._open_until = float("-inf")
        return recovered


class Pacer:
    """A token bucket: at most `rate` rows a second on average, `burst` at once.

    A rate of 0 means unpaced (benchmarks measure the bare drain that way).
    """

    def __init__(self, clock: Callable[[], float], rate: float, burst: int) -> None:
        self._clock = clock
        self.rate = rate
        self.burst = float(max(burst, 1))
        self._tokens = self.burst
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> bool:
        """Spend one token if there is one."""
        if self.rate <= 0:
            return True
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def restart(self) -> None:
        """Start again from one token: after an outage the backlog ramps up, not bursts."""
        self._refill()
        self._tokens = min(self._tokens, 1.0)

    def wait(self) -> float:
        """Seconds until the next token."""
        if self.rate <= 0:
            return 0.0
        self._refill()
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate
