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
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import Kiosk, PairingCode, PreauthorisedSerial
from controller.services import regions
from controller.services.alert_lifecycle import raise_alert
from controller.services.alert_rules import AlertKind
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.credentials import Credentials
from controller.services.errors import (
    BadMessage,
    Conflict,
    CredentialRevoked,
    EnrollmentRefused,
    IdentityConflict,
    NotFound,
)
from controller.services.fleet import kiosk_code
from controller.services.ratelimit import RateLimited, RateLimiter
from controller.settings import EnrollmentSettings
from pii import Sealer
from wire import (
    EnrollmentState,
    EnrollmentStatus,
    ErrorCode,
    RegisterRequest,
    RegisterResponse,
    RotateResponse,
)

log = logging.getLogger(__name__)

# Crockford's base32: no I, L, O or U, so nothing reads as another character.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
# What a person may type for a character of the alphabet.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")
# Keeps a pairing code's hash apart from every other keyed hash the sealer makes.
_CODE_CONTEXT = "pairing-code|"
_HARDWARE_ID = re.compile(r"^[\w.:-]{4,64}$")
_REFUSED = "the pairing code was not accepted: ask for a new one (codes work once, for a while)"


# What each enrollment state is called on the pages (zh-CN, en).
STATE_LABELS: dict[str, tuple[str, str]] = {
    EnrollmentState.PENDING.value: ("待批准", "Pending approval"),
    EnrollmentState.ACTIVE.value: ("已启用", "Active"),
    EnrollmentState.REVOKED.value: ("凭证已吊销", "Credential revoked"),
    EnrollmentState.DECOMMISSIONED.value: ("已退役", "Decommissioned"),
}


class EnrollmentLimited(RateLimited):
    """Too many refused codes, or pending enrollments, from one address (or in all)."""

    code = ErrorCode.ENROLLMENT_LIMITED


def new_code() -> str:
    """A random pairing code (40 bits), unformatted."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """A code as shown to people: K7QM-4ZP2."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_code(typed: str) -> str | None:
    """A typed code in canonical form (case, dashes, spaces, look-alikes); None if not a code."""
    code = _SEPARATORS.sub("", typed).upper().translate(_LOOK_ALIKES)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: the only moment it exists in clear."""

    code: str  # formatted, K7QM-4ZP2
    expires_at: dt.datetime
    note: str


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
        self._code_failures = RateLimiter(
            settings.code_attempts,
            dt.timedelta(minutes=settings.code_attempt_window_minutes),
            clock=clock,
        )
        self._pending_per_address = RateLimiter(
            settings.pending_per_address_hour, dt.timedelta(hours=1), clock=clock
        )
        # Told a kiosk's id once a change to its credential or state is committed: the
        # heartbeat's token cache (services/heartbeats.py) forgets it then.
        self.changed: Callable[[str], None] = lambda _kiosk_id: None

    def _changes(self, session: Session, kiosk_id: str) -> None:
        """Tell `changed` about `kiosk_id` when `session` next commits."""
        hook = self.changed
        sqlalchemy_event.listen(session, "after_commit", lambda _s: hook(kiosk_id), once=True)

    # -- codes and serials (ops) ----------------------------------------------------

    def code_hash(self, code: str) -> str:
        """The keyed hash a canonical code is stored as."""
        return self._sealer.lookup_hash(_CODE_CONTEXT + code)

    def issue_code(
        self, session: Session, actor: Actor, note: str = "", minutes: int | None = None
    ) -> IssuedCode:
        """A new one-time pairing code; only its hash is kept. Audited; does not commit."""
        now = self._clock()
        expires = now + dt.timedelta(minutes=minutes or self.settings.code_minutes)
        note = note.strip()[:200]
        code = new_code()
        row = PairingCode(
            code_hash=self.code_hash(code),
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
        """Enroll a kiosk (True: a new one), or enroll known hardware again; see the module."""
        code: str | None = None
        if request.pairing_code is not None:
            wait = self._code_failures.blocked_for(client)
            if wait:
                raise EnrollmentLimited(
                    "too many refused pairing codes from this address; try again later", wait
                )
            code = normalise_code(request.pairing_code) or ""
        # Two enrollments of the same new hardware may race; the loser of the unique
        # constraint on hardware_id finds the winner's row on its second pass.
        for _attempt in range(2):
            try:
                return self._register(session, request, proof, client, code)
            except IntegrityError:
                session.rollback()
        raise RuntimeError("enrollment kept colliding on hardware_id")

    def _register(
        self,
        session: Session,
        request: RegisterRequest,
        proof: str | None,
        client: str,
        code: str | None,
    ) -> tuple[RegisterResponse, bool]:
        now = self._clock()
        # A site the tree does not have is refused before a code is used: the technician
        # fixes station.region_code and enrolls again with the same code.
        _check_site(session, request)
        kiosk = session.scalar(select(Kiosk).where(Kiosk.hardware_id == request.hardware_id))
        known = kiosk is not None and kiosk.state != EnrollmentState.DECOMMISSIONED
        if kiosk is not None and known and proof and self.credentials.proves(kiosk, proof):
            return self._again_with_proof(session, kiosk, request, client), False
        # The conditional update that uses the code is this transaction's first write, so on
        # SQLite it waits for the write lock rather than failing on a stale snapshot.
        approval = ""
        if code is not None:
            if not self._use_code(session, code, now):
                self._refuse_code(session, request, client, code, now)
            approval = "pairing code"
        elif self._use_serial(session, request.hardware_id, now):
            approval = "pre-authorised serial"
        if kiosk is not None and known and not approval:
            self._conflict(session, kiosk, request, client, now)
        state = EnrollmentState.ACTIVE if approval else EnrollmentState.PENDING
        if not approval:
            self._admit_pending(session, client)
        created = kiosk is None
        if kiosk is None:
            kiosk = self._create(session, request, now)
        _describe(kiosk, request)
        kiosk.state = state.value
        token = self.credentials.issue(kiosk)
        session.flush()
        self._place(session, kiosk, request, client)
        self._changes(session, kiosk.kiosk_id)
        self._mark_used(session, request.hardware_id, code, kiosk.kiosk_id)
        self._audit.record(
            session,
            Actor.kiosk(kiosk.kiosk_id, client),
            AuditAction.KIOSK_ENROLLED,
            target=kiosk.kiosk_id,
            detail=f"hardware {request.hardware_id}; {state.value}"
            + (f" by {approval}" if approval else "")
            + ("" if created else "; enrolled again"),
        )
        session.commit()
        event(
            log,
            "kiosk_enrolled",
            kiosk_id=kiosk.kiosk_id,
            hardware_id=kiosk.hardware_id,
            state=state.value,
            by=approval or "nobody yet",
            again=not created,
        )
        return self._answer(kiosk, token), created

    def _again_with_proof(
        self, session: Session, kiosk: Kiosk, request: RegisterRequest, client: str
    ) -> RegisterResponse:
        """Known hardware proving itself: a rotation, the description follows the kiosk."""
        if kiosk.state == EnrollmentState.REVOKED:
            raise CredentialRevoked(
                f"kiosk {kiosk.kiosk_id}: its credential was revoked; enroll it with a new"
                " pairing code"
            )
        _describe(kiosk, request)
        self._place(session, kiosk, request, client)
        token = self.credentials.rotate(kiosk)
        session.commit()
        event(log, "kiosk_reenrolled", kiosk_id=kiosk.kiosk_id, hardware_id=kiosk.hardware_id)
        return self._answer(kiosk, token)

    def _place(self, session: Session, kiosk: Kiosk, request: RegisterRequest, client: str) -> None:
        """Put the kiosk where its technician installed it (the site form's `place_kiosk`),
        audited as the dashboard's placement is; a kiosk that names no region stays put."""
        if request.region_code is None:
            return
        changes = regions.place_kiosk(
            session, kiosk, request.region_code, request.site, request.address
        )
        if changes:
            self._audit.record(
                session,
                Actor.kiosk(kiosk.kiosk_id, client),
                AuditAction.KIOSK_PLACED,
                target=kiosk.kiosk_id,
                detail="at enrollment: " + " ".join(changes),
            )

    def _use_code(self, session: Session, code: str, now: dt.datetime) -> bool:
        """Use the code if it is open: True for exactly one of any number of racers."""
        if not code:
            return False
        used = session.execute(
            update(PairingCode)
            .where(
                PairingCode.code_hash == self.code_hash(code),
                PairingCode.used_at.is_(None),
                PairingCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(used.rowcount == 1)  # type: ignore[attr-defined]

    def _use_serial(self, session: Session, hardware_id: str, now: dt.datetime) -> bool:
        used = session.execute(
            update(PreauthorisedSerial)
            .where(
                PreauthorisedSerial.hardware_id == hardware_id,
                PreauthorisedSerial.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(used.rowcount == 1)  # type: ignore[attr-defined]

    def _mark_used(
        self, session: Session, hardware_id: str, code: str | None, kiosk_id: str
    ) -> None:
        """Record which kiosk used the code or serial (same transaction as its use)."""
        if code:
            session.execute(
                update(PairingCode)
                .where(PairingCode.code_hash == self.code_hash(code))
                .values(used_by=kiosk_id)
                .execution_options(synchronize_session=False)
            )
        else:
            session.execute(
                update(PreauthorisedSerial)
                .where(
                    PreauthorisedSerial.hardware_id == hardware_id,
                    PreauthorisedSerial.used_by.is_(None),
                    PreauthorisedSerial.used_at.is_not(None),
                )
                .values(used_by=kiosk_id)
                .execution_options(synchronize_session=False)
            )

    def _refuse_code(
        self,
        session: Session,
        request: RegisterRequest,
        client: str,
        code: str,
        now: dt.datetime,
    ) -> None:
        """Count the refusal against the address, record why, raise one refusal for all."""
        session.rollback()
        self._code_failures.retry_after(client)
        row = (
            session.scalar(select(PairingCode).where(PairingCode.code_hash == self.code_hash(code)))
            if code
            else None
        )
        if row is None:
            why = "wrong"
        elif row.used_at is not None:
            why = "used"
        else:
            why = "expired" if row.expires_at <= now else "wrong"
        event(
            log,
            "pairing_code_refused",
            logging.WARNING,
            hardware_id=request.hardware_id,
            client=client,
            reason=why,
        )
        self._audit.record(
            session,
            Actor.anonymous(client),
            AuditAction.ENROLLMENT_REFUSED,
            target=request.hardware_id,
            detail=f"pairing code {why}" + (f" (code#{row.id})" if row is not None else ""),
        )
        session.commit()
        raise EnrollmentRefused(_REFUSED)

    def _conflict(
        self,
        session: Session,
        kiosk: Kiosk,
        request: RegisterRequest,
        client: str,
        now: dt.datetime,
    ) -> None:
        """Known hardware without proof or approval: alert, audit, refuse; the kiosk stays."""
        session.rollback()
        detail = (
            f"hardware id {kiosk.hardware_id} enrolled again from {client or 'an unknown address'}"
            " without the kiosk's credential or a new pairing code; refused"
        )
        raise_alert(session, kiosk, AlertKind.IDENTITY_CONFLICT, detail, now=now)
        self._audit.record(
            session,
            Actor.anonymous(client),
            AuditAction.IDENTITY_CONFLICT,
            target=kiosk.kiosk_id,
            detail=f"hardware {kiosk.hardware_id}; offered name {request.name[:60]!r}",
        )
        session.commit()
        event(
            log,
            "identity_conflict",
            logging.WARNING,
            kiosk_id=kiosk.kiosk_id,
            hardware_id=kiosk.hardware_id,
            client=client,
        )
        raise IdentityConflict(
            f"hardware id {kiosk.hardware_id} belongs to kiosk {kiosk.kiosk_id}; enroll again"
            " with its current device token or a new pairing code"
        )

    def _admit_pending(self, session: Session, client: str) -> None:
        """Refuse a pending enrollment past the per-address rate or the fleet-wide cap."""
        pending = session.scalar(
            select(func.count())
            .select_from(Kiosk)
            .where(Kiosk.state == EnrollmentState.PENDING.value)
        )
        if (pending or 0) >= self.settings.max_pending:
            session.rollback()
            raise EnrollmentLimited(
                f"{pending} kiosks are already waiting for approval; approve or reject them,"
                " or enroll with a pairing code",
                600,
            )
        wait = self._pending_per_address.retry_after(client)
        if wait:
            session.rollback()
            raise EnrollmentLimited(
                "too many enrollments without a pairing code from this address", wait
            )

    def _create(self, session: Session, request: RegisterRequest, now: dt.datetime) -> Kiosk:
        kiosk = Kiosk(
            # A unique placeholder until the row has its number; it is replaced before commit
            # so no other transaction ever sees it.
            kiosk_id="~" + secrets.token_hex(7),
            hardware_id=request.hardware_id,
            name=request.name,
            token_hash="0" * 64,
            registered_at=now,
            devices={},
        )
        session.add(kiosk)
        session.flush()
        kiosk.kiosk_id = kiosk_code(kiosk.id)
        return kiosk

    def _answer(self, kiosk: Kiosk, token: str) -> RegisterResponse:
        return RegisterResponse(
            kiosk_id=kiosk.kiosk_id,
            device_token=token,
            heartbeat_seconds=self._heartbeat_seconds,
            state=EnrollmentState(kiosk.state),
        )

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


def _describe(kiosk: Kiosk, request: RegisterRequest) -> None:
    """The description follows what an authorised kiosk says of itself."""
    kiosk.name = request.name
    kiosk.site = request.site
    kiosk.software_version = request.software_version
    # The station's facts, where the kiosk says them (an older kiosk does not: kept).
    if request.latitude is not None and request.longitude is not None:
        kiosk.latitude, kiosk.longitude = request.latitude, request.longitude
    if request.opening_hours:
        kiosk.opening_hours = request.opening_hours
    if request.help_phone:
        kiosk.help_phone = request.help_phone


def _check_site(session: Session, request: RegisterRequest) -> None:
    """BadMessage naming the field when the kiosk's site cannot be placed in the tree."""
    if request.region_code is None:
        return
    try:
        regions.check_region(session, request.region_code)
    except regions.RegionRefused as err:
        raise BadMessage(f"region_code: {err.en}", err.zh) from err


def _who(actor: Actor) -> str:
    return "command line" if actor.role == "command_line" else actor.name
