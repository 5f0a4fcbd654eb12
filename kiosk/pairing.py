"""The kiosk's own pairing code: what a technician types to open its provisioning API.

Six characters of an alphabet without look-alikes (no 0/O, 1/I/L, U), shown as `K7Q-M4Z`
on the screen and printed on the receipt printer with a QR of it. The rules:

- a code lives CODE_SECONDS; an expired code is replaced by a fresh one;
- a code works once: the technician who redeems it gets a session token (SESSION_SECONDS,
  renewed by use), and the next technician needs the next code;
- attempts are rate-limited: MAX_FAILURES wrong codes within the lockout window lock
  pairing out for LOCKOUT_SECONDS and the code on screen is discarded, so a guesser
  starts over against a new code each time (30 bits, 5 guesses per 5 minutes).

Time is the caller's monotonic clock, so tests move it instead of sleeping.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
CODE_SECONDS = 10 * 60.0
SESSION_SECONDS = 30 * 60.0
MAX_FAILURES = 5
LOCKOUT_SECONDS = 5 * 60.0


class PairingError(Exception):
    """Pairing refused; `code` is stable, `retry_after` set when locked out."""

    def __init__(self, code: str, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class PairingNotice:
    """What the kiosk shows and prints: the code and until when (monotonic seconds)."""

    code: str
    expires_at: float

    @property
    def shown(self) -> str:
        """The code as a person reads it, K7Q-M4Z."""
        half = CODE_LENGTH // 2
        return f"{self.code[:half]}-{self.code[half:]}"


def normalise(typed: str) -> str:
    """The code as typed with case, dashes and spaces ignored."""
    return "".join(c for c in typed.upper() if c.isalnum())


class PairingGate:
    """Issues codes, redeems them once, and hands out session tokens."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_notice: Callable[[PairingNotice | None], None] = lambda notice: None,
    ) -> None:
        """`on_notice` is told each new code (None: no code on offer, e.g. locked out)."""
        self._clock = clock
        self._on_notice = on_notice
        self._lock = threading.Lock()
        self._notice: PairingNotice | None = None
        self._failures: list[float] = []
        self._locked_until = 0.0
        self._sessions: dict[str, float] = {}

    def notice(self) -> PairingNotice | None:
        """The code on offer now, issuing a fresh one if none is valid (None when locked)."""
        with self._lock:
            return self._current()

    def _current(self) -> PairingNotice | None:
        now = self._clock()
        if now < self._locked_until:
            return None
        if self._notice is None or now >= self._notice.expires_at:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            self._notice = PairingNotice(code, now + CODE_SECONDS)
            self._on_notice(self._notice)
        return self._notice

    def redeem(self, typed: str) -> str:
        """A session token for the right code; PairingError otherwise."""
        with self._lock:
            now = self._clock()
            if now < self._locked_until:
                wait = self._locked_until - now
                raise PairingError(
                    "pairing_locked",
                    f"too many wrong codes: pairing is locked for {wait:.0f} s more",
                    wait,
                )
            held = self._notice
            if held is not None and now >= held.expires_at:
                self._notice = held = None
                self._fail(now)
                # The technician came back after the code ran out: the next one is shown
                # and printed at once, instead of only when someone next asks the kiosk.
                self._offer_next(now)
                raise PairingError(
                    "pairing_code_expired",
                    "this code has expired; a new one is on the kiosk's screen and printer",
                )
            if held is None or not hmac.compare_digest(normalise(typed), held.code):
                self._fail(now)
                if held is None:
                    self._offer_next(now)  # none was on offer (after a lockout): one now
                # Wrong and replayed codes get the same answer: a used code is just wrong.
                raise PairingError(
                    "pairing_code_refused",
                    "wrong pairing code: type the one on the kiosk's screen now (each code"
                    " works once)",
                )
            self._notice = None
            self._failures.clear()
            token = secrets.token_urlsafe(32)
            self._sessions[token] = now + SESSION_SECONDS
            self._current()  # the next technician's code, on screen at once
            return token

    def _offer_next(self, now: float) -> None:
        if now >= self._locked_until:
            self._current()

    def _fail(self, now: float) -> None:
        self._failures = [t for t in self._failures if now - t < LOCKOUT_SECONDS]
        self._failures.append(now)
        if len(self._failures) >= MAX_FAILURES:
            self._locked_until = now + LOCKOUT_SECONDS
            self._failures.clear()
            self._notice = None  # a guesser starts over against a new code
            self._on_notice(None)

    def session_valid(self, token: str) -> bool:
        """True for a live session token (and renews it)."""
        with self._lock:
            now = self._clock()
            for held, until in list(self._sessions.items()):
                if until <= now:
                    del self._sessions[held]
            for held in self._sessions:
                if hmac.compare_digest(held, token):
                    self._sessions[held] = now + SESSION_SECONDS
                    return True
            return False

    def end_sessions(self) -> None:
        """Forget every session (after a factory reset)."""
        with self._lock:
            self._sessions.clear()
