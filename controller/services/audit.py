"""The audit log: who did or saw what, when and from where.

One call records an entry:

    audit.record(session, actor, AuditAction.VIEWED_KIOSK, target="KA01")

- `actor` says who: a signed-in user (`Actor.user(name, role, client)`), a kiosk
  (`Actor.kiosk(kiosk_id, client)`) or nobody yet (`Actor.anonymous(client)`, a failed
  sign-in).
- `action` is an `AuditAction`: add a member for a new kind of event, so every action has
  one name the audit page and queries can rely on.
- `target` names what was acted on or looked at (a kiosk id, an account name, a
  transaction number); `detail` adds facts (a count, a new role). Neither may hold personal
  data: ID numbers are redacted on the way in as a guard, but pass ids, never names.

The entry is added to the caller's SQLAlchemy session and written when the caller commits,
so an action and its audit entry stand or fall together. A refused action that must still
leave a trace (a failed sign-in) is committed by its caller on the refusal path too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controller.clock import Clock
from controller.models import AuditEntry
from controller.services.my_applications import ApplicationsLookup, log_lookup
from pii import redact_id_numbers

PER_PAGE = 50


class AuditAction(StrEnum):
    """Every kind of event the audit log knows, by its stored name."""

    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    # The failure that locked the account; attempts while locked are LOGIN_FAILED.
    LOGIN_LOCKED = "login.locked"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password.changed"  # noqa: S105 - an event name
    # An admin set a temporary password for someone else (target: whose).
    PASSWORD_RESET = "password.reset"  # noqa: S105 - an event name
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_CHANGED = "account.changed"
    ACCOUNT_UNLOCKED = "account.unlocked"
    # A user acknowledged or cleared an alert (target: the alert id).
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_CLEARED = "alert.cleared"
    # A kiosk's region, site name or address set (controller/services/regions.py).
    KIOSK_PLACED = "kiosk.placed"
    # Enrollment (controller/services/enrollment.py): target a kiosk id or a hardware id.
    PAIRING_CODE_ISSUED = "enrollment.code_issued"
    SERIAL_PREAUTHORISED = "enrollment.serial_preauthorised"
    SERIAL_REMOVED = "enrollment.serial_removed"
    KIOSK_ENROLLED = "enrollment.enrolled"
    ENROLLMENT_REFUSED = "enrollment.refused"
    IDENTITY_CONFLICT = "enrollment.identity_conflict"
    KIOSK_APPROVED = "enrollment.approved"
    KIOSK_REJECTED = "enrollment.rejected"
    CREDENTIAL_ROTATED = "credential.rotated"
    CREDENTIAL_REVOKED = "credential.revoked"
    KIOSK_DECOMMISSIONED = "kiosk.decommissioned"
    # County content (controller/services/content_admin.py): target "<kind>:<id>" or the
    # kind for an import; CONTENT_REFUSED is an attempt on another county's item.
    CONTENT_SAVED = "content.saved"
    CONTENT_EXPIRED = "content.expired"
    CONTENT_IMPORTED = "content.imported"
    CONTENT_REFUSED = "content.refused"
    # Pages that show personal data, even masked.
    VIEWED_KIOSK = "viewed.kiosk"
    VIEWED_TRANSACTIONS = "viewed.transactions"
    # Reading the log itself is logged: who looked at who did what.
    VIEWED_AUDIT_LOG = "viewed.audit_log"
    # A kiosk asked for a citizen's applications (我的办件), answered or refused.
    APPLICATIONS_LOOKED_UP = "kiosk.applications_lookup"
    # The county inbox (controller/services/inbox.py); target: the application's number.
    VIEWED_INBOX = "viewed.inbox"
    VIEWED_APPLICATION = "viewed.application"
    # Someone asked for an application, export or region outside theirs (refused).
    APPLICATION_REFUSED = "application.refused"
    # A field shown in full, with the reason given (the field's name, never its value).
    APPLICATION_REVEALED = "application.revealed"
    APPLICATION_STATUS = "application.status"
    APPLICATION_ASSIGNED = "application.assigned"
    APPLICATION_NOTE = "application.note"
    # A filtered list exported (CSV or XLSX): filters, rows, with personal data or not.
    APPLICATIONS_EXPORTED = "applications.exported"
    # A hand-off to the province system sent again from the dead-letter view.
    HANDOFF_RETRIED = "handoff.retried"
    # An ops admin sent a kiosk a command (controller/services/commands.py); target the
    # kiosk id, detail the command's kind and id.
    COMMAND_SENT = "kiosk.command_sent"
    # Software updates (controller/services/updates.py): target the release's version, or
    # the kiosk id for a ring; a halt is the controller's own (actor "-").
    RELEASE_ADDED = "release.added"
    ROLLOUT_STARTED = "rollout.started"
    ROLLOUT_HALTED = "rollout.halted"
    ROLLOUT_RESUMED = "rollout.resumed"
    ROLLOUT_ABORTED = "rollout.aborted"
    KIOSK_RING_SET = "kiosk.ring_set"
    # Targeted push (controller/services/push.py): who a job or policy fits was viewed
    # (target "<kind>:<id>"), a citizen contacted about it (target: the registration's
    # number; detail: the item).
    VIEWED_PUSH = "viewed.push"
    PUSH_CONTACTED = "push.contacted"
    # Catalog settings (controller/services/targets.py): target the county's code or the
    # kiosk id, detail the version and how many services; refused: another county's.
    TARGET_SET = "target.set"
    TARGET_REFUSED = "target.refused"
    # Kiosk groups (controller/services/targets.py): target the group's name (a group's
    # target is TARGET_SET with target "group:<name>") or the kiosk id, detail the group.
    GROUP_ADDED = "group.added"
    KIOSK_GROUP_SET = "kiosk.group_set"


@dataclass(frozen=True)
class Actor:
    """Who acts: a name, the role it acted in and the client address it came from."""

    name: str
    role: str
    client: str = ""

    @classmethod
    def user(cls, name: str, role: str, client: str = "") -> Actor:
        """A signed-in staff member."""
        return cls(name, role, client)

    @classmethod
    def kiosk(cls, kiosk_id: str, client: str = "") -> Actor:
        """A kiosk, authenticated by its device token."""
        return cls(kiosk_id, "kiosk", client)

    @classmethod
    def anonymous(cls, client: str = "") -> Actor:
        """Nobody signed in (yet)."""
        return cls("-", "anonymous", client)

    @classmethod
    def command_line(cls) -> Actor:
        """Someone at the server's shell (`estation-controller create-admin`)."""
        return cls("-", "command_line", "local")


@dataclass(frozen=True)
class AuditPage:
    """One page of the log, newest first."""

    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def _clean(text: str, limit: int) -> str:
    return redact_id_numbers(text)[:limit]


class AuditLog:
    """Records audit entries and reads them back a page at a time."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def record_lookup(self, session: Session, lookup: ApplicationsLookup) -> None:
        """Record one 我的办件 lookup (Intake's audit hook) and commit it.

        The target is the citizen's keyed hash, so an auditor can find every lookup of one
        person; the detail holds the number masked, never in clear. The lookup is logged too,
        as one event without the subject (ops read logs; auditors read this table).
        """
        log_lookup(session, lookup)
        self.record(
            session,
            Actor.kiosk(lookup.kiosk_id),
            AuditAction.APPLICATIONS_LOOKED_UP,
            target=lookup.subject_hash,
            detail=(
                f"{lookup.outcome}: {lookup.count} application(s) of {lookup.subject}"
                f" by {lookup.identity_method}"
            ),
        )
        session.commit()

    def record(
        self,
        session: Session,
        actor: Actor,
        action: AuditAction,
        *,
        target: str = "",
        detail: str = "",
    ) -> None:
        """Add one entry to `session`; it is written when the caller commits."""
        session.add(
            AuditEntry(
                at=self._clock(),
                actor=_clean(actor.name, 64),
                role=actor.role[:16],
                action=action.value,
                target=_clean(target, 200),
                detail=_clean(detail, 500),
                client=actor.client[:64],
            )
        )

    def page(self, session: Session, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
        """Entries of page `page` (from 1), newest first; a page past the end is the last."""
        total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        pages = max(math.ceil(total / per_page), 1)
        page = min(max(page, 1), pages)
        entries = session.scalars(
            select(AuditEntry)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        return AuditPage(list(entries), page, pages, total)
