"""Server-side sessions of dashboard browsers, named by a random cookie.

A browser first gets a pre-session (no user) when it opens the login page: it carries the
CSRF token of the login form. Signing in deletes it and opens a new session under a new id
(so an id planted before sign-in is worth nothing after it). A session ends at logout,
after `idle_timeout` without a request, `absolute_timeout` after sign-in, or when its
account is deactivated. Only the sha256 of the id is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from controller.auth.access import Role
from controller.auth.config import AuthSettings
from controller.clock import Clock
from controller.models import StaffSession, User
from controller.services.ratelimit import RateLimiter


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request, as of this request."""

    user_id: int
    username: str
    role: Role
    region_code: str | None
    # An admin reset the password: only the password page (and logout) until it is changed.
    must_change_password: bool = False


@dataclass(frozen=True)
class Visit:
    """A browser's session: its cookie value, its CSRF token, and who, if anyone."""

    token: str
    csrf: str
    user: SignedIn | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class StaffSessions:
    """Opens, finds and closes sessions."""

    def __init__(self, config: AuthSettings, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._login_forms = RateLimiter(
            config.login_forms_per_minute, dt.timedelta(minutes=1), clock=clock
        )

    def open_anonymous(self, session: Session, address: str) -> Visit:
        """A pre-session for the login form; RateLimited when `address` opened too many."""
        self._login_forms.take(address, "login forms")
        return self._open(session, None, self._config.login_form_timeout)

    def open_for(self, session: Session, user: User, replacing: str | None = None) -> Visit:
        """A new session for `user` under a fresh id; the session `replacing` names ends."""
        if replacing:
            self.close(session, replacing)
        return self._open(session, user, self._config.absolute_timeout)

    def _open(self, session: Session, user: User | None, lifetime: dt.timedelta) -> Visit:
        now = self._clock()
        self._purge(session)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        session.add(
            StaffSession(
                id_hash=_digest(token),
                user_id=None if user is None else user.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
            )
        )
        return Visit(token, csrf, None if user is None else _signed_in(user))

    def find(self, session: Session, token: str | None) -> Visit | None:
        """The live session this cookie names, touched; None when there is none."""
        if not token or len(token) > 128:
            return None
        row = session.get(StaffSession, _digest(token))
        if row is None:
            return None
        now = self._clock()
        user = None if row.user_id is None else session.get(User, row.user_id)
        idle_over = row.user_id is not None and now - row.last_seen_at > self._config.idle_timeout
        gone = row.user_id is not None and (user is None or not user.active)
        if now >= row.expires_at or idle_over or gone:
            session.delete(row)
            return None
        row.last_seen_at = now
        return Visit(token, row.csrf_token, None if user is None else _signed_in(user))

    def close(self, session: Session, token: str) -> None:
        """End the session this cookie names (logout)."""
        session.execute(delete(StaffSession).where(StaffSession.id_hash == _digest(token)))

    def close_all(self, session: Session, user_id: int) -> None:
        """End every session of a user (after an admin reset their password)."""
        session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))

    def close_others(self, session: Session, user_id: int, keep: str) -> None:
        """End every other session of a user (after a password change)."""
        session.execute(
            delete(StaffSession).where(
                StaffSession.user_id == user_id, StaffSession.id_hash != _digest(keep)
            )
        )

    def count(self, session: Session) -> int:
        """How many sessions are stored (for tests and the curious)."""
        return len(session.scalars(select(StaffSession.id_hash)).all())

    def _purge(self, session: Session) -> None:
        # Expired rows go whenever a session is opened; no background job needed.
        now = self._clock()
        session.execute(
            delete(StaffSession).where(
                or_(
                    StaffSession.expires_at <= now,
                    and_(
                        StaffSession.user_id.is_not(None),
                        StaffSession.last_seen_at < now - self._config.idle_timeout,
                    ),
                )
            )
        )


def _signed_in(user: User) -> SignedIn:
    return SignedIn(
        user.id, user.username, Role(user.role), user.region_code, user.must_change_password
    )
