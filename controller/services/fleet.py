"""Kiosks: registration, device-token checks, heartbeats, the fleet overview."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import STATUS_NEVER_SEEN, Kiosk, Transaction
from controller.services.errors import EnrollmentRefused, NotAuthenticated
from controller.services.kiosktime import SENT_AT
from wire import Heartbeat, HeartbeatAck, RegisterRequest, RegisterResponse

if TYPE_CHECKING:
    from controller.services.alerts import Alerts

log = logging.getLogger(__name__)

# A kiosk counts as offline after missing this many heartbeats in a row.
OFFLINE_AFTER_MISSED_HEARTBEATS = 3
_MAX_TOKEN_LENGTH = 200
# Compared against when the kiosk named in a token does not exist, so both paths do the same work.
_NO_SUCH_HASH = "0" * 64


def kiosk_code(number: int) -> str:
    """The short id of the `number`-th kiosk (from 1): KA01..KA99, KB01.., KZ99, KAA01.."""
    if number < 1:
        raise ValueError("kiosk numbers start at 1")
    block, within = divmod(number - 1, 99)
    letters = ""
    block += 1
    while block:  # bijective base 26: A..Z, AA, AB, ...
        block, digit = divmod(block - 1, 26)
        letters = chr(ord("A") + digit) + letters
    return f"K{letters}{within + 1:02d}"


def hash_token(token: str) -> str:
    """sha256 of a device token, as stored; the token is random, so no salt is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Fleet:
    """Registers kiosks and keeps what they last told us."""

    def __init__(
        self,
        enrollment_token: str,
        heartbeat_seconds: int,
        clock: Clock = utc_now,
        alerts: Alerts | None = None,
    ) -> None:
        self._enrollment_token = enrollment_token
        self.heartbeat_seconds = heartbeat_seconds
        self._clock = clock
        # Assesses health and alerts on every heartbeat (controller/services/alerts.py).
        self._alerts = alerts

    # -- registration ---------------------------------------------------------------

    def register(self, session: Session, request: RegisterRequest) -> tuple[RegisterResponse, bool]:
        """Register a kiosk, or re-register known hardware with a new token; True if new."""
        if not hmac.compare_digest(
            request.enrollment_token.encode("utf-8"), self._enrollment_token.encode("utf-8")
        ):
            event(log, "enrollment_refused", logging.WARNING, hardware_id=request.hardware_id)
            raise EnrollmentRefused("the enrollment token is not this controller's")
        # Two registrations of the same new hardware may race; the loser of the unique
        # constraint on hardware_id finds the winner's row on its second pass.
        for _attempt in range(2):
            kiosk = session.scalar(select(Kiosk).where(Kiosk.hardware_id == request.hardware_id))
            created = kiosk is None
            token = ""
            try:
                if kiosk is None:
                    kiosk, token = self._create(session, request)
                else:
                    token = self._renew(kiosk, request)
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            event(
                log,
                "kiosk_registered" if created else "kiosk_reregistered",
                kiosk_id=kiosk.kiosk_id,
                hardware_id=kiosk.hardware_id,
            )
            response = RegisterResponse(
                kiosk_id=kiosk.kiosk_id,
                device_token=token,
                heartbeat_seconds=self.heartbeat_seconds,
            )
            return response, created
        raise RuntimeError("registration kept colliding on hardware_id")

    def _create(self, session: Session, request: RegisterRequest) -> tuple[Kiosk, str]:
        kiosk = Kiosk(
            # A unique placeholder until the row has its number; it is replaced before commit
            # so no other transaction ever sees it.
            kiosk_id="~" + secrets.token_hex(7),
            hardware_id=request.hardware_id,
            name=request.name,
            site=request.site,
            software_version=request.software_version,
            token_hash=_NO_SUCH_HASH,
            registered_at=self._clock(),
            devices={},
        )
        session.add(kiosk)
        session.flush()
        kiosk.kiosk_id = kiosk_code(kiosk.id)
        token = self._issue_token(kiosk)
        session.flush()
        return kiosk, token

    def _renew(self, kiosk: Kiosk, request: RegisterRequest) -> str:
        # Re-registration is how a technician recovers a kiosk that lost its token, so the
        # old token stops working at once; the description follows what the kiosk says now.
        kiosk.name = request.name
        kiosk.site = request.site
        kiosk.software_version = request.software_version
        return self._issue_token(kiosk)

    @staticmethod
    def _issue_token(kiosk: Kiosk) -> str:
        # The kiosk id in front lets authentication find the row by a non-secret value and
        # then compare hashes in constant time.
        token = f"{kiosk.kiosk_id}.{secrets.token_urlsafe(32)}"
        kiosk.token_hash = hash_token(token)
        return token

    # -- authentication -------------------------------------------------------------

    def authenticate(self, session: Session, token: str | None) -> Kiosk:
        """Return the kiosk whose current device token this is, or raise NotAuthenticated."""
        if not token:
            raise NotAuthenticated("missing device token: send 'Authorization: Bearer <token>'")
        if len(token) > _MAX_TOKEN_LENGTH:
            raise NotAuthenticated("device token not recognised; register the kiosk again")
        kiosk_id, dot, _secret = token.partition(".")
        kiosk = (
            session.scalar(select(Kiosk).where(Kiosk.kiosk_id == kiosk_id))
            if dot and kiosk_id
            else None
        )
        expected = kiosk.token_hash if kiosk is not None else _NO_SUCH_HASH
        if not hmac.compare_digest(hash_token(token), expected) or kiosk is None:
            raise NotAuthenticated("device token not recognised; register the kiosk again")
        return kiosk

    # -- heartbeats -----------------------------------------------------------------

    def heartbeat(self, session: Session, kiosk: Kiosk, beat: Heartbeat) -> HeartbeatAck:
        """Record that the kiosk is alive, how its devices are and how far its clock is off.

        A `sent_at` outside the window (kiosktime.SENT_AT) is refused (BadMessage).
        """
        now = self._clock()
        SENT_AT.check("Heartbeat", "sent_at", beat.sent_at, now)
        was_online = self.is_online(kiosk, now)
        if beat.status != kiosk.status or not was_online:
            event(
                log,
                "kiosk_status",
                kiosk_id=kiosk.kiosk_id,
                status=beat.status.value,
                previous=kiosk.status if was_online or kiosk.last_seen_at is None else "offline",
            )
        kiosk.last_seen_at = now
        kiosk.status = beat.status.value
        if beat.software_version:
            kiosk.software_version = beat.software_version
        kiosk.devices = {name: h.model_dump(mode="json") for name, h in beat.devices.items()}
        kiosk.outbox_pending = beat.outbox_pending
        kiosk.clock_skew_seconds = round((beat.sent_at - now).total_seconds())
        if self._alerts is not None:
            skew = float(kiosk.clock_skew_seconds)
            self._alerts.observe(session, kiosk, now, online=True, clock_skew=skew)
        session.commit()
        return HeartbeatAck(server_time=now)

    # -- reading --------------------------------------------------------------------

    def is_online(self, kiosk: Kiosk, now: dt.datetime | None = None) -> bool:
        """True when the kiosk sent a heartbeat within the last few intervals."""
        if kiosk.last_seen_at is None:
            return False
        limit = dt.timedelta(seconds=self.heartbeat_seconds * OFFLINE_AFTER_MISSED_HEARTBEATS)
        return (now or self._clock()) - kiosk.last_seen_at <= limit

    def find(self, session: Session, kiosk_id: str) -> Kiosk | None:
        """The kiosk with this short id, if any."""
        return session.scalar(select(Kiosk).where(Kiosk.kiosk_id == kiosk_id))

    def transaction_count(self, session: Session, kiosk: Kiosk) -> int:
        """How many transactions this kiosk has delivered."""
        query = (
            select(func.count()).select_from(Transaction).where(Transaction.kiosk_pk == kiosk.id)
        )
        return session.scalar(query) or 0

    def states(self, session: Session) -> dict[str, int]:
        """How many kiosks are in each state the fleet page shows, counted in the database."""
        cutoff = self._clock() - dt.timedelta(
            seconds=self.heartbeat_seconds * OFFLINE_AFTER_MISSED_HEARTBEATS
        )
        never = session.scalar(
            select(func.count()).select_from(Kiosk).where(Kiosk.last_seen_at.is_(None))
        )
        offline = session.scalar(
            select(func.count()).select_from(Kiosk).where(Kiosk.last_seen_at < cutoff)
        )
        online = session.execute(
            select(Kiosk.status, func.count())
            .where(Kiosk.last_seen_at >= cutoff)
            .group_by(Kiosk.status)
        )
        counts = {STATUS_NEVER_SEEN: never or 0, "offline": offline or 0}
        for status, count in online:
            counts[status] = counts.get(status, 0) + count
        return counts
