"""The kiosk's pairing code: wrong, expired and replayed codes, brute force, sessions."""

from __future__ import annotations

import pytest

from kiosk.pairing import (
    CODE_SECONDS,
    LOCKOUT_SECONDS,
    MAX_FAILURES,
    PairingError,
    PairingGate,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _gate() -> tuple[PairingGate, Clock, list[object]]:
    clock, shown = Clock(), []
    return PairingGate(clock=clock, on_notice=shown.append), clock, shown


def test_the_right_code_typed_loosely_gives_a_session() -> None:
    gate, _, shown = _gate()
    notice = gate.notice()
    assert notice is not None
    assert shown == [notice]
    token = gate.redeem(notice.shown.lower().replace("-", " "))
    assert gate.session_valid(token)
    assert not gate.session_valid("forged")


def test_a_wrong_code_is_refused() -> None:
    gate, _, _ = _gate()
    gate.notice()
    with pytest.raises(PairingError) as err:
        gate.redeem("AAAAAA")
    assert err.value.code == "pairing_code_refused"


def test_an_expired_code_is_refused_and_a_new_one_offered() -> None:
    gate, clock, shown = _gate()
    old = gate.notice()
    assert old is not None
    clock.now += CODE_SECONDS
    with pytest.raises(PairingError) as err:
        gate.redeem(old.code)
    assert err.value.code == "pairing_code_expired"
    fresh = gate.notice()
    assert fresh is not None
    assert fresh.code != old.code
    assert shown[-1] == fresh


def test_a_technician_typing_a_code_that_ran_out_gets_the_next_one_printed_at_once() -> None:
    gate, clock, shown = _gate()
    old = gate.notice()
    assert old is not None
    clock.now += CODE_SECONDS
    with pytest.raises(PairingError, match="a new one is on the kiosk's screen and printer"):
        gate.redeem(old.shown)
    [_, fresh] = shown  # printed at the failed attempt, before anyone asks the kiosk
    assert fresh is not None
    assert fresh.code != old.code
    assert gate.session_valid(gate.redeem(fresh.shown))


def test_a_code_works_once() -> None:
    gate, _, _ = _gate()
    notice = gate.notice()
    assert notice is not None
    gate.redeem(notice.code)
    with pytest.raises(PairingError) as err:
        gate.redeem(notice.code)
    assert err.value.code == "pairing_code_refused"


def test_brute_force_locks_pairing_out_and_discards_the_code() -> None:
    gate, clock, shown = _gate()
    notice = gate.notice()
    assert notice is not None
    for _ in range(MAX_FAILURES):
        with pytest.raises(PairingError):
            gate.redeem("ZZZZZZ" if notice.code != "ZZZZZZ" else "YYYYYY")
    assert shown[-1] is None  # the screen stops showing a code
    with pytest.raises(PairingError) as err:
        gate.redeem(notice.code)  # even the right code, while locked
    assert err.value.code == "pairing_locked"
    assert err.value.retry_after > 0
    clock.now += LOCKOUT_SECONDS
    fresh = gate.notice()
    assert fresh is not None
    assert fresh.code != notice.code
    with pytest.raises(PairingError):
        gate.redeem(notice.code)  # the code a guesser was after is gone
    assert gate.session_valid(gate.redeem(fresh.code))
