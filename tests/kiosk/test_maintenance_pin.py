"""The maintenance PIN: stored as a salted hash, rate-limited, locked out across restarts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kiosk.maintenance_pin import (
    LOCKOUT_MAX_SECONDS,
    LOCKOUT_SECONDS,
    MAX_FAILURES,
    MIN_GAP,
    PinError,
    PinFile,
    PinGate,
    Verdict,
)
from tests.kiosk.maintenance_testkit import PIN, WallClock


def gate(pin_file: PinFile, tmp_path: Path, wall: WallClock) -> PinGate:
    """A PIN gate as a fresh kiosk process would make it, on the same files."""
    return PinGate(pin_file, tmp_path / "data" / "lockout.json", clock=wall)


def test_the_pin_is_stored_as_a_salted_scrypt_hash(tmp_path: Path, pin_file: PinFile) -> None:
    text = pin_file.path.read_text()
    assert PIN not in text
    record = json.loads(text)
    assert record["scheme"] == "scrypt"
    assert pin_file.path.stat().st_mode & 0o777 == 0o600
    again = PinFile(tmp_path / "again.pin")
    again.set(PIN)
    assert json.loads(again.path.read_text())["salt"] != record["salt"]  # same PIN, new salt
    assert pin_file.matches(PIN)
    assert not pin_file.matches("482916")


@pytest.mark.parametrize("bad", ["12345", "1234567890123", "12a456", "111111", "１２３４５６"])
def test_a_pin_that_is_too_short_long_or_easy_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(PinError):
        PinFile(tmp_path / "p.pin").set(bad)


def test_the_right_pin_opens(pin_file: PinFile, tmp_path: Path, wall: WallClock) -> None:
    assert gate(pin_file, tmp_path, wall).try_pin(PIN).verdict is Verdict.OPEN


def test_a_wrong_pin_many_times_locks_the_pad_even_for_the_right_one(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    for n in range(1, MAX_FAILURES):
        attempt = pad.try_pin("000001")
        assert (attempt.verdict, attempt.failures) == (Verdict.WRONG, n)
        wall.now += MIN_GAP
    last = pad.try_pin("000001")
    assert last.verdict is Verdict.LOCKED
    assert last.wait_seconds == LOCKOUT_SECONDS
    wall.now += LOCKOUT_SECONDS - 1
    assert pad.try_pin(PIN).verdict is Verdict.LOCKED
    wall.now += 1
    assert pad.try_pin(PIN).verdict is Verdict.OPEN


def test_the_lockout_survives_a_restart(pin_file: PinFile, tmp_path: Path, wall: WallClock) -> None:
    for _ in range(MAX_FAILURES):
        gate(pin_file, tmp_path, wall).try_pin("000001")  # a new process for every attempt
        wall.now += MIN_GAP
    restarted = gate(pin_file, tmp_path, wall)
    assert restarted.locked_for() == LOCKOUT_SECONDS - MIN_GAP
    assert restarted.try_pin(PIN).verdict is Verdict.LOCKED


def test_each_further_lockout_is_longer_up_to_a_ceiling(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    lockouts = []
    for _ in range(6):
        for _ in range(MAX_FAILURES):
            wall.now += pad.locked_for() + MIN_GAP
            attempt = pad.try_pin("000001")
        lockouts.append(attempt.wait_seconds)
    assert lockouts[:3] == [LOCKOUT_SECONDS, 2 * LOCKOUT_SECONDS, 4 * LOCKOUT_SECONDS]
    assert lockouts[-1] == LOCKOUT_MAX_SECONDS


def test_attempts_faster_than_the_rate_limit_are_not_even_checked(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    pad.try_pin("000001")
    wall.now += MIN_GAP / 2
    hurried = pad.try_pin(PIN)
    assert hurried.verdict is Verdict.TOO_SOON
    wall.now += MIN_GAP / 2
    assert pad.try_pin(PIN).verdict is Verdict.OPEN


def test_a_damaged_lockout_record_keeps_the_pad_locked(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    pad.try_pin("000001")
    (tmp_path / "data" / "lockout.json").write_text("{not json")
    assert pad.try_pin(PIN).verdict is Verdict.LOCKED


def test_without_a_pin_set_the_pad_never_opens(tmp_path: Path, wall: WallClock) -> None:
    pad = PinGate(PinFile(tmp_path / "none.pin"), tmp_path / "l.json", clock=wall)
    assert pad.try_pin("").verdict is Verdict.NO_PIN


def test_every_attempt_is_audited_without_the_digits(
    pin_file: PinFile, tmp_path: Path, wall: WallClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.maintenance_pin")
    pad = gate(pin_file, tmp_path, wall)
    pad.try_pin("000001")
    wall.now += MIN_GAP
    pad.try_pin(PIN)
    events = [r.getMessage() for r in caplog.records if r.name == "kiosk.maintenance_pin"]
    assert events == [
        "maintenance_pin result=wrong failures=1 wait_s=2",
        "maintenance_pin result=open failures=0 wait_s=0",
    ]
    assert not any(PIN in e or "000001" in e for e in events)
