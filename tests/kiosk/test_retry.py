"""Back-off with full jitter, the circuit breaker and the pacer, on a fake monotonic clock."""

from __future__ import annotations

import random

from kiosk.retry import MAX_BACKOFF, Circuit, Pacer, backoff
from tests.support.clock import FakeClock


def test_backoff_is_drawn_between_one_second_and_a_cap_that_doubles() -> None:
    rng = random.Random(7)
    for attempts in range(1, 20):
        cap = min(MAX_BACKOFF, 2**attempts)
        delays = [backoff(attempts, rng) for _ in range(200)]
        assert all(1.0 <= d <= cap for d in delays)
    # Spread, not one value: a fleet that failed together retries apart.
    spread = [backoff(8, rng) for _ in range(200)]
    assert max(spread) - min(spread) > 100


def test_the_circuit_opens_for_longer_after_each_failure_and_closes_on_success() -> None:
    clock = FakeClock(0.0)
    circuit = Circuit(clock, random.Random(1))
    assert not circuit.is_open
    first = circuit.failed()
    assert circuit.is_open
    clock.advance(first)
    assert not circuit.is_open  # half-open: one call may probe
    for _ in range(8):
        circuit.failed()
    assert circuit.wait() >= 1.0
    assert circuit.succeeded() is True  # the outage is over
    assert not circuit.is_open
    assert circuit.succeeded() is False


def test_the_circuit_honours_a_retry_after_longer_than_its_backoff() -> None:
    clock = FakeClock(0.0)
    circuit = Circuit(clock, random.Random(1))
    assert circuit.failed(at_least=120) == 120
    clock.advance(119)
    assert circuit.is_open


def test_the_pacer_allows_a_burst_then_its_rate() -> None:
    clock = FakeClock(0.0)
    pacer = Pacer(clock, rate=2, burst=3)
    assert [pacer.take() for _ in range(4)] == [True, True, True, False]
    assert pacer.wait() == 0.5
    clock.advance(1)
    assert [pacer.take() for _ in range(3)] == [True, True, False]
    pacer.restart()
    clock.advance(0.25)
    assert pacer.take() is False


def test_a_pace_of_zero_is_no_limit() -> None:
    pacer = Pacer(FakeClock(0.0), rate=0, burst=1)
    assert all(pacer.take() for _ in range(1000))
    assert pacer.wait() == 0
