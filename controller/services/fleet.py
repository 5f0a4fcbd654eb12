"""Kiosks: heartbeats and the fleet overview (enrolling and tokens: enrollment.py)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import STATUS_NEVER_SEEN, Kiosk, Transaction
from controller.services.kiosktime import SENT_AT
from wire import Heartbeat, HeartbeatAck

if TYPE_CHECKING:
    from controller.services.alerts import Alerts

log = logging.getLogger(__name__)

# A kiosk counts as offline after missing this many heartbeats in a row.
OFFLINE_AFTER_MISSED_HEARTBEATS = 3


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


class Fleet:
    """Keeps what kiosks last told us."""

    def __init__(
        self,
        heartbeat_seconds: int,
        clock: Clock = utc_now,
        alerts: Alerts | None = None,
    ) -> None:
        self.heartbeat_seconds = heartbeat_seconds
        self._clock = clock
        # Assesses health and alerts on every heartbeat (controller/services/alerts.py).
        self._alerts = alerts

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
        kiosk.starts_last_hour = beat.starts_last_hour
        kiosk.clock_skew_seconds = round((beat.sent_at - now).total_seconds())
        kiosk.vitals = beat.vitals.model_dump(mode="json") if beat.vitals is not None else None
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
