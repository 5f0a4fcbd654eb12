"""Staff accounts, their sessions and the audit log (controller/auth/, services/audit.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from controller.models.base import Base


class User(Base):
    """A person who signs in to the dashboard: ops, technician, county staff or auditor.

    `role` is a controller.auth.access.Role value; `region_code` (GB/T 2260) limits county
    staff to their county. Failed sign-ins are counted from `failed_since`; a lockout sets
    `locked_until`.
    """

    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased: one account per name whatever the case typed.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    failed_since: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime]
    # Set when an admin resets the password: the person must choose their own before
    # doing anything else (the admin knew the temporary one).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffSession(Base):
    """A browser's server-side session: before sign-in (for the login form's CSRF token)
    or of a signed-in user.

    Only the sha256 of the cookie value is stored, so a copy of this table opens no session.
    """

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    # The absolute end; the idle end is last_seen_at + the idle timeout.
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class AuditEntry(Base):
    """Who did or saw what, when, from where (controller/services/audit.py writes them).

    Never personal data: a target is a kiosk id, an account name or a transaction number.
    """

    __tablename__ = "audit_log"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    client: Mapped[str] = mapped_column(String(64), default="")
