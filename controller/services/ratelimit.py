"""A small in-process rate limiter: a token bucket per key (a kiosk, a client address).

In-process means each controller replica counts on its own: with N replicas behind a proxy
a client gets up to N times the rate. That is acceptable for what it guards (a person at a
kiosk, a phone scanning a receipt); a limit that must hold fleet-wide belongs in the
database.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass

from controller.clock import Clock, utc_now
from controller.services.errors import ControllerError


class RateLimited(ControllerError):
    """The caller asked too often; `retry_after` says in how many seconds to ask again."""

    def __init__(self, message: str, retry_after: int, user_message: str | None = None) -> None:
        super().__init__(message, user_message)
        self.retry_after = retry_after


@dataclass
class _Bucket:
    tokens: float
    at: dt.datetime


class RateLimiter:
    """Allow `burst` requests at once per key, refilled at `rate` per `per`.

    At most `max_keys` keys are remembered: when full, the least recently used is forgotten
    (most likely refilled already), so a caller with many addresses cannot grow memory
    without bound.
    """

    def __init__(
        self,
        rate: int,
        per: dt.timedelta,
        *,
        burst: int | None = None,
        clock: Clock = utc_now,
        max_keys: int = 10_000,
    ) -> None:
        if rate < 1 or per <= dt.timedelta(0):
            raise ValueError("a rate limit needs a positive rate and period")
        self.rate = rate
        self.per = per
        self.burst = burst if burst is not None else rate
        self._per_second = rate / per.total_seconds()
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Take one request for `key`: 0 if allowed, else whole seconds until one is."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                while len(self._buckets) >= self._max_keys:
                    del self._buckets[next(iter(self._buckets))]
                bucket = _Bucket(float(self.burst), now)
            else:
                elapsed = max((now - bucket.at).total_seconds(), 0.0)
                bucket.tokens = min(self.burst, bucket.tokens + elapsed * self._per_second)
                bucket.at = now
            self._buckets[key] = bucket  # re-inserted: dict order is least recently used first
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / self._per_second))

    def blocked_for(self, key: str) -> int:
        """0 if `key` has a request left, else whole seconds until it has; takes nothing."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0
            elapsed = max((now - bucket.at).total_seconds(), 0.0)
            tokens = min(self.burst, bucket.tokens + elapsed * self._per_second)
            if tokens >= 1:
                return 0
            return max(1, math.ceil((1 - tokens) / self._per_second))

    def take(self, key: str, what: str) -> None:
        """Take one request for `key`, or raise RateLimited saying `what` was limited."""
        wait = self.retry_after(key)
        if wait:
            raise RateLimited(
                f"{what}: at most {self.rate} per {int(self.per.total_seconds())} s;"
                f" try again in {wait} s",
                wait,
                "查询过于频繁，请稍后再试。",
            )
