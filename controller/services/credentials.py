"""Per-device credentials: issued at enrollment, checked on every kiosk call, rotated, revoked.

A device token is `<kiosk_id>.<43 random url-safe characters>` (256 bits): the kiosk id in
front lets a check find the row by a non-secret value, then compare sha256 hashes in
constant time. Only the hash is stored; sha256 is enough for a random 256-bit secret (no
salt, no slow hash: nothing to guess).

Rotation hands out a second token (`next_token_hash`) while the current one keeps working;
the first call made with the new token makes it the current one and forgets the old. So a
rotation whose answer is lost costs nothing: the kiosk still holds a working token and asks
again.

Every kiosk route but `kiosks/me` wants an active kiosk; the refusals say why, distinctly
(wire.ErrorCode): an unknown token (401), a revoked or decommissioned kiosk (401, told only
to the holder of its token), a kiosk still pending approval (403).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.models import Kiosk
from controller.services.errors import (
    CredentialDecommissioned,
    CredentialRevoked,
    NotAuthenticated,
    PendingApproval,
)
from wire import EnrollmentState

MAX_TOKEN_LENGTH = 200
# Compared against when no kiosk (or no next token) is there, so every path does the same work.
_NO_SUCH_HASH = "0" * 64
_UNKNOWN = "device token not recognised; enroll the kiosk again"


def hash_token(token: str) -> str:
    """sha256 of a device token, as stored; the token is random, so no salt is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token(kiosk: Kiosk) -> str:
    return f"{kiosk.kiosk_id}.{secrets.token_urlsafe(32)}"


class Credentials:
    """Issues, checks, rotates and withdraws device tokens."""

    def __init__(self, clock: Clock = utc_now, rotate_after: dt.timedelta | None = None) -> None:
        self._clock = clock
        # A token older than this is asked to rotate (HeartbeatAck.rotate_credential).
        self.rotate_after = rotate_after or dt.timedelta(days=30)

    def issue(self, kiosk: Kiosk) -> str:
        """A fresh token that replaces every earlier one of `kiosk` at once."""
        token = _new_token(kiosk)
        kiosk.token_hash = hash_token(token)
        kiosk.next_token_hash = None
        kiosk.token_issued_at = self._clock()
        return token

    def rotate(self, kiosk: Kiosk) -> str:
        """A new token; the current one works until the new one is first used."""
        token = _new_token(kiosk)
        kiosk.next_token_hash = hash_token(token)
        return token

    def proves(self, kiosk: Kiosk, token: str) -> bool:
        """True when `token` is the current or the next token of `kiosk` (constant time)."""
        if len(token) > MAX_TOKEN_LENGTH:
            return False
        offered = hash_token(token)
        current = hmac.compare_digest(offered, kiosk.token_hash)
        following = hmac.compare_digest(offered, kiosk.next_token_hash or _NO_SUCH_HASH)
        return current or following

    def due_for_rotation(self, kiosk: Kiosk, now: dt.datetime | None = None) -> bool:
        """True when the token the kiosk is using is old enough to be replaced.

        Also while a rotation is open: a kiosk still calling with the old token lost the
        answer, and rotating again replaces the token it never received.
        """
        return (now or self._clock()) >= self.rotation_due_at(kiosk)

    def rotation_due_at(self, kiosk: Kiosk) -> dt.datetime:
        """When the kiosk's current token becomes due for rotation."""
        return (kiosk.token_issued_at or kiosk.registered_at) + self.rotate_after

    def authenticate(
        self, session: Session, token: str | None, *, allow_pending: bool = False
    ) -> Kiosk:
        """The kiosk whose token this is, if it may call; else the error that says why.

        The first call with a rotated-in token makes it current (committed here).
        """
        if not token:
            raise NotAuthenticated("missing device token: send 'Authorization: Bearer <token>'")
        if len(token) > MAX_TOKEN_LENGTH:
            raise NotAuthenticated(_UNKNOWN)
        kiosk_id, dot, _secret = token.partition(".")
        kiosk = (
            session.scalar(select(Kiosk).where(Kiosk.kiosk_id == kiosk_id))
            if dot and kiosk_id
            else None
        )
        offered = hash_token(token)
        current = kiosk.token_hash if kiosk is not None else _NO_SUCH_HASH
        following = (kiosk.next_token_hash if kiosk is not None else None) or _NO_SUCH_HASH
        is_current = hmac.compare_digest(offered, current)
        is_next = hmac.compare_digest(offered, following)
        if kiosk is None or not (is_current or is_next):
            raise NotAuthenticated(_UNKNOWN)
        state = kiosk.state
        if state == EnrollmentState.REVOKED:
            raise CredentialRevoked(
                f"kiosk {kiosk.kiosk_id}: its credential was revoked; a technician must"
                " enroll it again with a new pairing code"
            )
        if state == EnrollmentState.DECOMMISSIONED:
            raise CredentialDecommissioned(f"kiosk {kiosk.kiosk_id} was decommissioned")
        if state == EnrollmentState.PENDING and not allow_pending:
            raise PendingApproval(
                f"kiosk {kiosk.kiosk_id} is waiting for approval on the controller's"
                " enrollment page; until then it may only ask for its state"
            )
        if is_next:
            # The kiosk has the new token safely: the old one is forgotten now.
            kiosk.token_hash = offered
            kiosk.next_token_hash = None
            kiosk.token_issued_at = self._clock()
            session.commit()
        return kiosk

    @staticmethod
    def withdraw(kiosk: Kiosk, state: EnrollmentState) -> None:
        """Put `kiosk` in a state where its token opens nothing (revoked, decommissioned)."""
        kiosk.state = state.value
        kiosk.next_token_hash = None
