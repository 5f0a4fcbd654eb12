"""How a kiosk joins the fleet, and how ops let it in, keep it and let it go.

There is no fleet-wide secret. A kiosk enrolls (POST kiosks/register) with:

- a **pairing code** an ops admin or technician issued (the enrollment page or
  `estation-controller pairing-code`): 8 Crockford base32 characters shown as `K7QM-4ZP2`,
  stored only as a keyed hash, good for `code_minutes`, used once (a conditional update:
  of two kiosks racing with one code exactly one wins);
- or a **pre-authorised serial**: its hardware id on ops' list, used once;
- or neither: the kiosk is **pending** until someone approves (or rejects) it on the
  enrollment page; its token answers only `kiosks/me`. Pending enrollments are limited per
  address and in number.

Known hardware enrolls again only with its current token (proof: the kiosk moved, or its
controller URL changed) or with a fresh code or serial (a technician recovers a kiosk that
lost its disk). Anything else is an identity conflict: refused (409), the kiosk holding the
identity keeps its token, name and site, and an IDENTITY_CONFLICT alert is raised (one per
kiosk, de-duplicated by the alert machinery). A refused code is the same 403 whether it was
wrong, expired or used; the log and the audit log say which. Too many refusals from one
address are 429 before any code is even looked at.

Every issue, approval, rejection, revocation, decommissioning and pre-authorisation is in
the audit log. Methods that change something do not commit unless they say so: the caller
commits, so an action and its audit entry stand or fall together.

Here: ops' side (codes, serials, decisions, rotation). The kiosk's request is carried out in
controller/services/enrollment_register.py; codes are made and read in
controller/services/enrollment_codes.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import Kiosk, PairingCode, PreauthorisedSerial
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.credentials import Credentials
from controller.services.enrollment_codes import IssuedCode, code_hash, format_code, new_code
from controller.services.enrollment_register import Registration
from controller.services.errors import BadMessage, Conflict, NotFound
from controller.settings import EnrollmentSettings
from pii import Sealer
from wire import (
    EnrollmentState,
    EnrollmentStatus,
    RegisterRequest,
    RegisterResponse,
    RotateResponse,
)

log = logging.getLogger(__name__)

_HARDWARE_ID = re.compile(r"^[\w.:-]{4,64}$")


# What each enrollment state is called on the pages (zh-CN, en).
STATE_LABELS: dict[str, tuple[str, str]] = {
    EnrollmentState.PENDING.value: ("待批准", "Pending approval"),
    EnrollmentState.ACTIVE.value: ("已启用", "Active"),
    EnrollmentState.REVOKED.value: ("凭证已吊销", "Credential revoked"),
    EnrollmentState.DECOMMISSIONED.value: ("已退役", "Decommissioned"),
}


@dataclass(frozen=True)
class EnrollmentBoard:
    """What the enrollment page shows."""

    pending: list[Kiosk]
    codes: list[PairingCode]  # open: unused and unexpired
    serials: list[PreauthorisedSerial]  # not used yet
    withdrawn: list[Kiosk]  # revoked and decommissioned


class Enrollment:
    """Enrolls kiosks and carries out ops' decisions about them."""

    def __init__(
        self,
        sealer: Sealer,
        settings: EnrollmentSettings,
        heartbeat_seconds: int,
        audit: AuditLog,
        clock: Clock = utc_now,
    ) -> None:
        self._sealer = sealer
        self.settings = settings
        self._heartbeat_seconds = heartbeat_seconds
        self._audit = audit
        self._clock = clock
        self.credentials = Credentials(clock, dt.timedelta(days=settings.rotate_after_days))
        self._registration = Registration(
            sealer, settings, heartbeat_seconds, audit, clock, self.credentials, self._changes
        )
        # Told a kiosk's id once a change to its credential or state is committed: the
        # heartbeat's token cache (services/heartbeats.py) forgets it then.
        self.changed: Callable[[str], None] = lambda _kiosk_id: None

    def _changes(self, session: Session, kiosk_id: str) -> None:
        """Tell `changed` about `kiosk_id` when `session` next commits."""
        hook = self.changed
        sqlalchemy_event.listen(session, "after_commit", lambda _s: hook(kiosk_id), once=True)

    # -- codes and serials (ops) ----------------------------------------------------

    def issue_code(
        self, session: Session, actor: Actor, note: str = "", minutes: int | None = None
    ) -> IssuedCode:
        """A new one-time pairing code; only its hash is kept. Audited; does not commit."""
        now = self._clock()
        expires = now + dt.timedelta(minutes=minutes or self.settings.code_minutes)
        note = note.strip()[:200]
        code = new_code()
        row = PairingCode(
            code_hash=code_hash(self._sealer, code),
            issued_by=_who(actor),
            note=note,
            issued_at=now,
            expires_at=expires,
        )
        session.add(row)
        session.flush()
        self._audit.record(
            session,
            actor,
            AuditAction.PAIRING_CODE_ISSUED,
            target=f"code#{row.id}",
            detail=f"expires {expires.isoformat(timespec='minutes')}; {note}",
        )
        event(log, "pairing_code_issued", code_id=row.id, by=_who(actor))
        return IssuedCode(format_code(code), expires, note)

    def preauthorise(
        self, session: Session, actor: Actor, hardware_id: str, note: str = ""
    ) -> PreauthorisedSerial:
        """Put a hardware id on the list (BadMessage if it cannot be one, Conflict if listed)."""
        hardware_id = hardware_id.strip()
        if not _HARDWARE_ID.match(hardware_id):
            raise BadMessage("a hardware id is 4 to 64 letters, digits or . _ : -")
        listed = session.scalar(
            select(PreauthorisedSerial).where(PreauthorisedSerial.hardware_id == hardware_id)
        )
        if listed is not None and listed.used_at is None:
            raise Conflict(f"{hardware_id} is already on the list")
        if listed is not None:
            session.delete(listed)  # used before: listed again for one more enrollment
            session.flush()
        row = PreauthorisedSerial(
            hardware_id=hardware_id,
            note=note.strip()[:200],
            added_by=_who(actor),
            added_at=self._clock(),
        )
        session.add(row)
        session.flush()
        self._audit.record(
            session, actor, AuditAction.SERIAL_PREAUTHORISED, target=hardware_id, detail=row.note
        )
        return row

    def remove_serial(self, session: Session, actor: Actor, serial_id: int) -> str:
        """Take an unused hardware id off the list; its hardware id. NotFound if not there."""
        row = session.get(PreauthorisedSerial, serial_id)
        if row is None or row.used_at is not None:
            raise NotFound("no such pre-authorised serial")
        session.delete(row)
        self._audit.record(session, actor, AuditAction.SERIAL_REMOVED, target=row.hardware_id)
        return row.hardware_id

    def board(self, session: Session) -> EnrollmentBoard:
        """Pending kiosks, open codes, unused serials and withdrawn kiosks, for the page."""
        now = self._clock()
        withdrawn = (EnrollmentState.REVOKED.value, EnrollmentState.DECOMMISSIONED.value)
        return EnrollmentBoard(
            pending=list(
                session.scalars(
                    select(Kiosk)
                    .where(Kiosk.state == EnrollmentState.PENDING.value)
                    .order_by(Kiosk.registered_at, Kiosk.id)
                )
            ),
            codes=list(
                session.scalars(
                    select(PairingCode)
                    .where(PairingCode.used_at.is_(None), PairingCode.expires_at > now)
                    .order_by(PairingCode.expires_at)
                )
            ),
            serials=list(
                session.scalars(
                    select(PreauthorisedSerial)
                    .where(PreauthorisedSerial.used_at.is_(None))
                    .order_by(PreauthorisedSerial.added_at, PreauthorisedSerial.id)
                )
            ),
            withdrawn=list(
                session.scalars(
                    select(Kiosk).where(Kiosk.state.in_(withdrawn)).order_by(Kiosk.id).limit(200)
                )
            ),
        )

    # -- the kiosk's side -----------------------------------------------------------

    def register(
        self, session: Session, request: RegisterRequest, proof: str | None, client: str
    ) -> tuple[RegisterResponse, bool]:
        """Enroll a kiosk (True: a new one), or known hardware again (enrollment_register.py)."""
        return self._registration.register(session, request, proof, client)

    def status(self, kiosk: Kiosk) -> EnrollmentStatus:
        """What `kiosks/me` answers."""
        return EnrollmentStatus(
            kiosk_id=kiosk.kiosk_id,
            state=EnrollmentState(kiosk.state),
            heartbeat_seconds=self._heartbeat_seconds,
        )

    def rotate(self, session: Session, kiosk: Kiosk) -> RotateResponse:
        """A new token for `kiosk` (the old one works until the new one is used); commits."""
        token = self.credentials.rotate(kiosk)
        self._audit.record(
            session,
            Actor.kiosk(kiosk.kiosk_id),
            AuditAction.CREDENTIAL_ROTATED,
            target=kiosk.kiosk_id,
        )
        session.commit()
        event(log, "credential_rotated", kiosk_id=kiosk.kiosk_id)
        return RotateResponse(device_token=token)

    # -- ops' decisions -------------------------------------------------------------

    def _kiosk(self, session: Session, kiosk_id: str) -> Kiosk:
        kiosk = session.scalar(select(Kiosk).where(Kiosk.kiosk_id == kiosk_id.strip().upper()))
        if kiosk is None:
            raise NotFound(f"no kiosk {kiosk_id!r}")
        return kiosk

    def approve(self, session: Session, actor: Actor, kiosk_id: str) -> Kiosk:
        """Let a pending kiosk work; its token stays the same. Conflict if not pending."""
        kiosk = self._decide(
            session, kiosk_id, EnrollmentState.ACTIVE, AuditAction.KIOSK_APPROVED, actor
        )
        return kiosk

    def reject(self, session: Session, actor: Actor, kiosk_id: str) -> Kiosk:
        """Turn a pending kiosk away: decommissioned, its token worth nothing."""
        return self._decide(
            session, kiosk_id, EnrollmentState.DECOMMISSIONED, AuditAction.KIOSK_REJECTED, actor
        )

    def _decide(
        self,
        session: Session,
        kiosk_id: str,
        to: EnrollmentState,
        action: AuditAction,
        actor: Actor,
    ) -> Kiosk:
        kiosk = self._kiosk(session, kiosk_id)
        # Conditional, so two people deciding at once cannot both act.
        changed = session.execute(
            update(Kiosk)
            .where(Kiosk.id == kiosk.id, Kiosk.state == EnrollmentState.PENDING.value)
            .values(state=to.value, next_token_hash=None)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"kiosk {kiosk.kiosk_id} is not waiting for approval")
        session.refresh(kiosk)
        self._changes(session, kiosk.kiosk_id)
        self._audit.record(
            session, actor, action, target=kiosk.kiosk_id, detail=f"hardware {kiosk.hardware_id}"
        )
        return kiosk

    def revoke(self, session: Session, actor: Actor, kiosk_id: str) -> Kiosk:
        """Withdraw a kiosk's credential: 401 revoked until it enrolls with a fresh code."""
        kiosk = self._kiosk(session, kiosk_id)
        if kiosk.state in (EnrollmentState.REVOKED, EnrollmentState.DECOMMISSIONED):
            raise Conflict(f"kiosk {kiosk.kiosk_id} is {kiosk.state} already")
        self.credentials.withdraw(kiosk, EnrollmentState.REVOKED)
        self._changes(session, kiosk.kiosk_id)
        self._audit.record(session, actor, AuditAction.CREDENTIAL_REVOKED, target=kiosk.kiosk_id)
        return kiosk

    def decommission(self, session: Session, actor: Actor, kiosk_id: str) -> Kiosk:
        """Take a kiosk out of the fleet: credential revoked, off the fleet page's default view;
        its hardware may come back only with a fresh code, serial or approval."""
        kiosk = self._kiosk(session, kiosk_id)
        if kiosk.state == EnrollmentState.DECOMMISSIONED:
            raise Conflict(f"kiosk {kiosk.kiosk_id} is decommissioned already")
        self.credentials.withdraw(kiosk, EnrollmentState.DECOMMISSIONED)
        self._changes(session, kiosk.kiosk_id)
        self._audit.record(session, actor, AuditAction.KIOSK_DECOMMISSIONED, target=kiosk.kiosk_id)
        return kiosk


def _who(actor: Actor) -> str:
    return "command line" if actor.role == "command_line" else actor.name
