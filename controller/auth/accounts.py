"""Staff accounts: create, sign in with lockout, change password, roles, deactivate, unlock.

Every change and every sign-in attempt is written to the audit log in the same database
transaction as the change; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.auth.access import Role
from controller.auth.config import AuthSettings
from controller.auth.passwords import Passwords, password_problem
from controller.clock import Clock
from controller.models import User
from controller.services import regions
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.errors import ControllerError

USERNAME_MAX = 64


class AccountRefused(ControllerError):
    """A request about an account that cannot be done; `zh` and `en` say why to the person."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en, zh)
        self.zh = zh
        self.en = en


class SignIn(Enum):
    """What a sign-in attempt came to. Only OK lets anyone in; the others look the same."""

    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    """The outcome, and the account when it is OK."""

    outcome: SignIn
    user: User | None = None


def normalise_username(username: str) -> str:
    """The stored form of a user name: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", username).strip().lower()


def check_username(username: str) -> str:
    """The normalised name, or AccountRefused when it cannot be one."""
    name = normalise_username(username)
    if not name or len(name) > USERNAME_MAX:
        raise AccountRefused(
            f"用户名须为 1 至 {USERNAME_MAX} 个字符",
            f"A user name has 1 to {USERNAME_MAX} characters",
        )
    if any(ch.isspace() or not ch.isprintable() for ch in name):
        raise AccountRefused(
            "用户名不能包含空格或控制字符", "A user name has no spaces or control characters"
        )
    return name


def check_region(session: Session, region_code: str | None) -> str | None:
    """The canonical code of a region the tree has (services/regions.py), or None; else
    AccountRefused."""
    try:
        return regions.check_region(session, region_code)
    except regions.RegionRefused as err:
        raise AccountRefused(err.zh, err.en) from err


class Accounts:
    """The staff accounts service."""

    def __init__(self, config: AuthSettings, clock: Clock, audit: AuditLog) -> None:
        self._config = config
        self._clock = clock
        self._audit = audit
        self.passwords = Passwords(config)

    # -- reading -------------------------------------------------------------------------

    def get(self, session: Session, user_id: int) -> User | None:
        """The account with this id."""
        return session.get(User, user_id)

    def by_name(self, session: Session, username: str) -> User | None:
        """The account with this name, whatever its case."""
        name = normalise_username(username)
        return session.scalars(select(User).where(User.username == name)).one_or_none()

    def all(self, session: Session) -> list[User]:
        """Every account, by name."""
        return list(session.scalars(select(User).order_by(User.username)).all())

    def has_active_admin(self, session: Session) -> bool:
        """True when some active account is an ops admin."""
        found = session.scalars(
            select(User.id).where(User.role == Role.OPS_ADMIN.value, User.active.is_(True))
        ).first()
        return found is not None

    def is_locked(self, user: User) -> bool:
        """True while a lockout runs."""
        return user.locked_until is not None and user.locked_until > self._clock()

    # -- changing ------------------------------------------------------------------------

    def create(
        self,
        session: Session,
        by: Actor,
        username: str,
        password: str,
        role: Role,
        region_code: str | None = None,
    ) -> User:
        """A new active account; AccountRefused for a taken name or a weak password."""
        name = check_username(username)
        region = check_region(session, region_code)
        if role is Role.COUNTY_STAFF and region is None:
            raise AccountRefused("区县工作人员须填写地区代码", "County staff need a region code")
        problem = password_problem(password, name)
        if problem is not None:
            raise AccountRefused(*problem)
        if self.by_name(session, name) is not None:
            raise AccountRefused("该用户名已被使用", "That user name is taken")
        now = self._clock()
        user = User(
            username=name,
            password_hash=self.passwords.hash(password),
            role=role.value,
            region_code=region,
            active=True,
            failed_attempts=0,
            created_at=now,
            password_changed_at=now,
            must_change_password=False,
        )
        session.add(user)
        session.flush()
        self._audit.record(
            session, by, AuditAction.ACCOUNT_CREATED, target=name, detail=f"role={role.value}"
        )
        return user

    def sign_in(self, session: Session, username: str, password: str, client: str) -> SignInResult:
        """Check a password, counting failures and locking after too many in the window."""
        now = self._clock()
        user = self.by_name(session, username)
        ok = self.passwords.verify(user.password_hash if user else None, password)
        if user is None:
            self._audit.record(
                session, Actor.anonymous(client), AuditAction.LOGIN_FAILED, detail="unknown account"
            )
            return SignInResult(SignIn.FAILED)
        actor = Actor.user(user.username, user.role, client)
        if self.is_locked(user):
            self._audit.record(
                session, actor, AuditAction.LOGIN_FAILED, target=user.username, detail="locked"
            )
            return SignInResult(SignIn.LOCKED)
        if not user.active:
            self._audit.record(
                session, actor, AuditAction.LOGIN_FAILED, target=user.username, detail="inactive"
            )
            return SignInResult(SignIn.FAILED)
        if not ok:
            return self._failed(session, user, actor, now)
        user.failed_attempts = 0
        user.failed_since = None
        user.locked_until = None
        user.last_login_at = now
        if self.passwords.needs_rehash(user.password_hash):
            user.password_hash = self.passwords.hash(password)
        self._audit.record(session, actor, AuditAction.LOGIN_SUCCEEDED, target=user.username)
        return SignInResult(SignIn.OK, user)

    def _failed(self, session: Session, user: User, actor: Actor, now: dt.datetime) -> SignInResult:
        window = self._config.failure_window
        if user.failed_since is None or now - user.failed_since > window:
            user.failed_since = now
            user.failed_attempts = 0
        user.failed_attempts += 1
        if user.failed_attempts >= self._config.max_failures:
            user.locked_until = now + self._config.lockout
            user.failed_attempts = 0
            user.failed_since = None
            self._audit.record(
                session,
                actor,
                AuditAction.LOGIN_LOCKED,
                target=user.username,
                detail=f"until={user.locked_until.isoformat(timespec='seconds')}",
            )
            return SignInResult(SignIn.LOCKED)
        self._audit.record(
            session,
            actor,
            AuditAction.LOGIN_FAILED,
            target=user.username,
            detail=f"attempt={user.failed_attempts}",
        )
        return SignInResult(SignIn.FAILED)

    def change_password(self, session: Session, by: Actor, user: User, old: str, new: str) -> None:
        """Replace the password; the old one must be right and the new one good enough."""
        if not self.passwords.verify(user.password_hash, old):
            raise AccountRefused("原密码不正确", "The current password is wrong")
        problem = password_problem(new, user.username)
        if problem is not None:
            raise AccountRefused(*problem)
        if new == old:
            raise AccountRefused("新密码不能与原密码相同", "The new password must differ")
        user.password_hash = self.passwords.hash(new)
        user.password_changed_at = self._clock()
        user.must_change_password = False
        self._audit.record(session, by, AuditAction.PASSWORD_CHANGED, target=user.username)

    def reset_password(self, session: Session, by: Actor, user: User, temporary: str) -> None:
        """An admin sets a temporary password for someone who forgot theirs.

        The account is unlocked and must choose a new password at its next sign-in; the
        caller ends the account's sessions. An admin resets their own password by changing
        it, which needs the current one.
        """
        if user.username == by.name:
            raise AccountRefused(
                "请在“修改密码”页修改自己的密码", "Change your own password on the password page"
            )
        problem = password_problem(temporary, user.username)
        if problem is not None:
            raise AccountRefused(*problem)
        user.password_hash = self.passwords.hash(temporary)
        user.password_changed_at = self._clock()
        user.must_change_password = True
        user.locked_until = None
        user.failed_attempts = 0
        user.failed_since = None
        self._audit.record(session, by, AuditAction.PASSWORD_RESET, target=user.username)

    def update(
        self,
        session: Session,
        by: Actor,
        user: User,
        *,
        role: Role,
        region_code: str | None,
        active: bool,
    ) -> None:
        """Set an account's role, region and whether it may sign in."""
        region = check_region(session, region_code)
        if role is Role.COUNTY_STAFF and region is None:
            raise AccountRefused("区县工作人员须填写地区代码", "County staff need a region code")
        if user.username == by.name and (role is not Role.OPS_ADMIN or not active):
            # Otherwise the last admin could lock everyone out of the accounts page.
            raise AccountRefused(
                "不能降低或停用自己的管理员账户", "You cannot demote or deactivate yourself"
            )
        changes = []
        if user.role != role.value:
            changes.append(f"role={user.role}->{role.value}")
        if user.region_code != region:
            changes.append(f"region={user.region_code or '-'}->{region or '-'}")
        if user.active != active:
            changes.append(f"active={active}")
        user.role, user.region_code, user.active = role.value, region, active
        if changes:
            detail = " ".join(changes)
            action = AuditAction.ACCOUNT_CHANGED
            self._audit.record(session, by, action, target=user.username, detail=detail)

    def unlock(self, session: Session, by: Actor, user: User) -> None:
        """End a lockout and forget the failures counted so far."""
        user.locked_until = None
        user.failed_attempts = 0
        user.failed_since = None
        self._audit.record(session, by, AuditAction.ACCOUNT_UNLOCKED, target=user.username)
