"""A kiosk's enrollment request (POST kiosks/register), carried out.

A code or a pre-authorised serial is used by a conditional update: of two kiosks racing
with one, exactly one wins. Without either the kiosk is pending (controller/services/
enrollment.py has ops' side), limited per address and in number.

Known hardware enrolls again only with its current token (proof: the kiosk moved, or its
controller URL changed) or with a fresh code or serial (a technician recovers a kiosk that
lost its disk). Anything else is an identity conflict: refused (409), the kiosk holding the
identity keeps its token, name and site, and an IDENTITY_CONFLICT alert is raised (one per
kiosk, de-duplicated by the alert machinery). A refused code is the same 403 whether it was
wrong, expired or used; the log and the audit log say which. Too many refusals from one
address are 429 before any code is even looked at.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.clock import Clock
from controller.logs import event
from controller.models import Kiosk, PairingCode, PreauthorisedSerial
from controller.services import regions
from controller.services.alert_lifecycle import raise_alert
from controller.services.alert_rules import AlertKind
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.credentials import Credentials
from controller.services.enrollment_codes import code_hash, normalise_code
from controller.services.errors import (
    BadMessage,
    CredentialRevoked,
    EnrollmentRefused,
    IdentityConflict,
)
from controller.services.fleet import kiosk_code
from controller.services.ratelimit import RateLimited, RateLimiter
from controller.settings import EnrollmentSettings
from pii import Sealer
from wire import EnrollmentState, ErrorCode, RegisterRequest, RegisterResponse

log = logging.getLogger(__name__)

_REFUSED = "the pairing code was not accepted: ask for a new one (codes work once, for a while)"


class EnrollmentLimited(RateLimited):
    """Too many refused codes, or pending enrollments, from one address (or in all)."""

    code = ErrorCode.ENROLLMENT_LIMITED


class Registration:
    """Enrolls a kiosk, or known hardware again (`register`); the module says on what terms."""

    def __init__(
        self,
        sealer: Sealer,
        settings: EnrollmentSettings,
        heartbeat_seconds: int,
        audit: AuditLog,
        clock: Clock,
        credentials: Credentials,
        changes: Callable[[Session, str], None],
    ) -> None:
        self._sealer = sealer
        self.settings = settings
        self._heartbeat_seconds = heartbeat_seconds
        self._audit = audit
        self._clock = clock
        self.credentials = credentials
        # Tells the heartbeat's token cache about a kiosk once the session commits.
        self._changes = changes
        self._code_failures = RateLimiter(
            settings.code_attempts,
            dt.timedelta(minutes=settings.code_attempt_window_minutes),
            clock=clock,
        )
        self._pending_per_address = RateLimiter(
            settings.pending_per_address_hour, dt.timedelta(hours=1), clock=clock
        )

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
                PairingCode.code_hash == code_hash(self._sealer, code),
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
                .where(PairingCode.code_hash == code_hash(self._sealer, code))
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
            session.scalar(
                select(PairingCode).where(PairingCode.code_hash == code_hash(self._sealer, code))
            )
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
