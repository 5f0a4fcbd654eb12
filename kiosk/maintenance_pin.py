"""The maintenance PIN: its shape, its salted hash on disk, and the pad's rate limit and lockout.

The PIN is never stored: `PinFile` keeps an scrypt hash with a random salt (stdlib
hashlib.scrypt, n=2**14, r=8, p=1) in a file beside kiosk.toml, written by
`estation-kiosk set-pin`. `PinGate` rate-limits attempts (one per `MIN_GAP` seconds) and
locks the PIN pad for `LOCKOUT_SECONDS` after `MAX_FAILURES` wrong PINs in a row, doubling
with each further lockout up to `LOCKOUT_MAX_SECONDS`; its count and lockout are kept on
disk, so switching the kiosk off and on does not buy new guesses. Every attempt is logged
as one `maintenance_pin` event: the outcome and counts, never the digits typed.
Maintenance mode (kiosk/maintenance.py) asks it; stdlib only.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PIN_DIGITS = (6, 12)
# scrypt cost: about 50 ms and 16 MB here, a guess per attempt costs an attacker the same.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_GAP = 2.0  # seconds between two attempts
MAX_FAILURES = 5  # wrong PINs in a row before the pad locks
LOCKOUT_SECONDS = 15 * 60.0
LOCKOUT_MAX_SECONDS = 4 * 3600.0
LOCKOUT_FILE = "maintenance_lockout.json"  # in the kiosk's data folder


class PinError(ValueError):
    """A PIN that cannot be used (wrong length, not digits, all the same digit)."""


def check_pin_shape(pin: str) -> str:
    """The PIN if it is 6 to 12 digits and not one digit repeated; else PinError."""
    low, high = PIN_DIGITS
    if not (pin.isascii() and pin.isdigit()) or not low <= len(pin) <= high:
        raise PinError(f"the PIN is {low} to {high} digits")
    if len(set(pin)) == 1:
        raise PinError("a PIN of one repeated digit is too easy to guess")
    return pin


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)


def _write_private(path: Path, data: dict[str, object]) -> None:
    """Write JSON atomically, readable by the kiosk's user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


class PinFile:
    """The maintenance PIN's salted scrypt hash, in a small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, pin: str) -> None:
        """Store a new PIN (as a hash with a fresh salt)."""
        check_pin_shape(pin)
        salt = secrets.token_bytes(16)
        digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        record: dict[str, object] = {
            "scheme": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": salt.hex(),
            "hash": digest.hex(),
        }
        _write_private(self.path, record)

    @property
    def is_set(self) -> bool:
        """True when a PIN has been set."""
        return self._read() is not None

    def matches(self, pin: str) -> bool:
        """True when `pin` is the stored PIN (compared in constant time)."""
        record = self._read()
        if record is None:
            return False
        n, r, p, salt, digest = record
        return hmac.compare_digest(_scrypt(pin, salt, n, r, p), digest)

    def _read(self) -> tuple[int, int, int, bytes, bytes] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("scheme") != "scrypt":
                return None
            return (
                int(data["n"]),
                int(data["r"]),
                int(data["p"]),
                bytes.fromhex(data["salt"]),
                bytes.fromhex(data["hash"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


class Verdict(enum.StrEnum):
    """The outcome of one PIN attempt."""

    OPEN = "open"
    WRONG = "wrong"
    LOCKED = "locked"
    TOO_SOON = "too_soon"
    NO_PIN = "no_pin"


@dataclass(frozen=True)
class Attempt:
    """What the PIN pad tells the technician after an attempt."""

    verdict: Verdict
    failures: int = 0
    wait_seconds: float = 0.0  # until the pad takes a PIN again
    # This attempt locked the pad (LOCKED otherwise answers an attempt while it was locked).
    locked_now: bool = False


class PinGate:
    """Checks PINs with a rate limit and a lockout that survive a restart."""

    def __init__(
        self, pin: PinFile, state_path: Path, *, clock: Callable[[], float] = time.time
    ) -> None:
        # Wall-clock time: a lockout must outlive a reboot, which resets monotonic clocks.
        self._pin = pin
        self._state_path = state_path
        self._clock = clock

    def locked_for(self) -> float:
        """Seconds until the pad takes a PIN again; 0 when it does now."""
        return max(0.0, self._state()["locked_until"] - self._clock())

    def try_pin(self, pin: str) -> Attempt:
        """Check `pin`, counting it against the limits; logs the outcome, never the digits."""
        now = self._clock()
        state = self._state()
        failures = int(state["failures"])
        if now < state["locked_until"]:
            attempt = Attempt(Verdict.LOCKED, failures, state["locked_until"] - now)
        elif now - state["last"] < MIN_GAP:
            attempt = Attempt(Verdict.TOO_SOON, failures, state["last"] + MIN_GAP - now)
        elif not self._pin.is_set:
            attempt = Attempt(Verdict.NO_PIN)
        elif self._pin.matches(pin):
            self._save({"failures": 0, "lockouts": 0, "locked_until": 0.0, "last": now})
            attempt = Attempt(Verdict.OPEN)
        else:
            failures += 1
            lockouts = int(state["lockouts"])
            locked_until = 0.0
            if failures >= MAX_FAILURES:
                locked_until = now + min(LOCKOUT_SECONDS * 2**lockouts, LOCKOUT_MAX_SECONDS)
                lockouts += 1
                failures = 0
            self._save(
                {
                    "failures": failures,
                    "lockouts": lockouts,
                    "locked_until": locked_until,
                    "last": now,
                }
            )
            if locked_until:
                attempt = Attempt(Verdict.LOCKED, MAX_FAILURES, locked_until - now, True)
            else:
                attempt = Attempt(Verdict.WRONG, failures, MIN_GAP)
        log.info(
            "maintenance_pin result=%s failures=%d wait_s=%.0f",
            attempt.verdict,
            attempt.failures,
            attempt.wait_seconds,
        )
        return attempt

    def reset(self) -> None:
        """Clear failures and lockout (a new PIN was set on the machine itself)."""
        self._save({"failures": 0, "lockouts": 0, "locked_until": 0.0, "last": 0.0})

    def _state(self) -> dict[str, float]:
        state = {"failures": 0.0, "lockouts": 0.0, "locked_until": 0.0, "last": 0.0}
        try:
            data = json.loads(self._state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return state
        except (OSError, ValueError):
            # A damaged record must not reopen the pad: treat it as a fresh lockout.
            log.warning("maintenance_pin state unreadable: locking")
            return {**state, "locked_until": self._clock() + LOCKOUT_SECONDS}
        if isinstance(data, dict):
            for key in state:
                value = data.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    state[key] = float(value)
        return state

    def _save(self, state: dict[str, float]) -> None:
        _write_private(self._state_path, dict(state))
