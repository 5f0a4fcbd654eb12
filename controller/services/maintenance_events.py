"""What technicians did at a kiosk's maintenance screen: stored once, a lockout alerted.

Events come through the kiosk's outbox like staff calls (services/staff_calls.py), so they
may arrive late or twice: each is stored once by its key. A lockout (the PIN pad locked
after repeated wrong PINs: someone tried many PINs at the kiosk) raises the kiosk's
maintenance_lockout alert through `raise_alert`, the staff_called path; a later lockout
while it is unresolved counts another occurrence. Unlike a staff call, a lockout that
arrives late still raises it: the attempt happened, whoever made it has not gone back in
time. The kiosk page lists the latest events and says since when a kiosk is in maintenance.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.clock import Clock, as_utc, utc_now
from controller.logs import event
from controller.models import Kiosk, MaintenanceEvent
from controller.services.alert_lifecycle import raise_alert
from controller.services.alert_rules import AlertKind
from controller.services.errors import BadMessage, KeyConflict
from controller.services.kiosktime import CREATED_AT
from controller.services.once import insert_once
from wire import MaintenanceEventAck, MaintenanceEventIn, MaintenanceEventKind

log = logging.getLogger(__name__)

# A lockout lasts 15 minutes to 4 hours (kiosk/maintenance.py); one said to last past this
# is a kiosk clock gone wrong, not a lockout.
LONGEST_LOCKOUT = dt.timedelta(days=2)

Label = tuple[str, str]  # (zh-CN, en)

KIND_LABELS: dict[str, Label] = {
    MaintenanceEventKind.ENTERED: ("进入维护模式", "Entered maintenance"),
    MaintenanceEventKind.LEFT: ("退出维护模式", "Left maintenance"),
    MaintenanceEventKind.PIN_FAILED: ("维护密码错误", "Wrong maintenance PIN"),
    MaintenanceEventKind.LOCKED_OUT: ("维护密码已锁定", "Maintenance PIN locked"),
    MaintenanceEventKind.OUT_OF_SERVICE_ON: ("暂停服务", "Taken out of service"),
    MaintenanceEventKind.OUT_OF_SERVICE_OFF: ("恢复服务", "Back in service"),
}
LEFT_TO_LABELS: dict[str, Label] = {
    "service": ("返回服务", "back to service"),
    "desktop": ("退出到桌面", "to the desktop"),
}


@dataclass(frozen=True)
class MaintenanceView:
    """One stored event as the kiosk page shows it."""

    at: dt.datetime
    kind: str
    label: Label
    detail: Label


def _detail(row: MaintenanceEvent) -> Label:
    if row.kind == MaintenanceEventKind.PIN_FAILED:
        return (f"连续错误 {row.failures} 次", f"{row.failures} wrong in a row")
    if row.kind == MaintenanceEventKind.LOCKED_OUT and row.locked_until is not None:
        until = row.locked_until.astimezone(dt.timezone(dt.timedelta(hours=8)))
        return (f"锁定至 {until:%Y-%m-%d %H:%M}", f"locked until {until:%Y-%m-%d %H:%M}")
    if row.kind == MaintenanceEventKind.LEFT and row.left_to:
        return LEFT_TO_LABELS.get(row.left_to, (row.left_to, row.left_to))
    return ("", "")


class MaintenanceEvents:
    """Records maintenance events and raises the lockout alert."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def record(
        self, session: Session, kiosk: Kiosk, incoming: MaintenanceEventIn
    ) -> tuple[MaintenanceEventAck, bool]:
        """Store the event (True) or recognise a retry (False); commits.

        BadMessage / TooEarly for a `created_at` outside the window (kiosktime.CREATED_AT)
        or a lockout said to last too long, KeyConflict for a key used for another event.
        """
        now = self._clock()
        CREATED_AT.check("MaintenanceEventIn", "created_at", incoming.created_at, now)
        created_at = as_utc(incoming.created_at)
        locked_until = as_utc(incoming.locked_until) if incoming.locked_until else None
        if locked_until is not None and locked_until - created_at > LONGEST_LOCKOUT:
            raise BadMessage("MaintenanceEventIn: locked_until: longer than any lockout")
        values = {
            "kind": incoming.kind.value,
            "failures": incoming.failures,
            "locked_until": locked_until,
            "left_to": incoming.left_to.value if incoming.left_to else None,
        }
        inserted = insert_once(
            session,
            MaintenanceEvent,
            {
                "key": incoming.key,
                "kiosk_pk": kiosk.id,
                "created_at": created_at,
                "received_at": now,
                **values,
            },
        )
        if not inserted:
            stored = session.scalar(
                select(MaintenanceEvent).where(MaintenanceEvent.key == incoming.key)
            )
            if stored is None or stored.kiosk_pk != kiosk.id or stored.kind != values["kind"]:
                raise KeyConflict(
                    f"maintenance event key {incoming.key} was already used for another event;"
                    " a retry must resend the same body, a new event needs a new key"
                )
            session.commit()
            return MaintenanceEventAck(key=incoming.key, duplicate=True), False
        if incoming.kind is MaintenanceEventKind.LOCKED_OUT and locked_until is not None:
            detail = (
                f"failures={incoming.failures} at={created_at:%Y-%m-%dT%H:%MZ}"
                f" locked_until={locked_until:%Y-%m-%dT%H:%MZ}"
            )
            raise_alert(session, kiosk, AlertKind.MAINTENANCE_LOCKOUT, detail, now=now)
        session.commit()
        event(
            log,
            "maintenance_event",
            kiosk_id=kiosk.kiosk_id,
            kind=incoming.kind.value,
            failures=incoming.failures or 0,
        )
        return MaintenanceEventAck(key=incoming.key, duplicate=False), True

    def recent(self, session: Session, kiosk: Kiosk, limit: int = 20) -> list[MaintenanceView]:
        """The kiosk's latest events, newest first (by the kiosk's time)."""
        rows: Sequence[MaintenanceEvent] = session.scalars(
            select(MaintenanceEvent)
            .where(MaintenanceEvent.kiosk_pk == kiosk.id)
            .order_by(MaintenanceEvent.created_at.desc(), MaintenanceEvent.id.desc())
            .limit(limit)
        ).all()
        return [
            MaintenanceView(
                row.created_at,
                row.kind,
                KIND_LABELS.get(row.kind, (row.kind, row.kind)),
                _detail(row),
            )
            for row in rows
        ]

    def in_maintenance_since(self, session: Session, kiosk: Kiosk) -> dt.datetime | None:
        """When the technician now at the kiosk came in: its latest entered event, unless a
        left event followed it; None when neither says."""
        latest = session.scalar(
            select(MaintenanceEvent)
            .where(
                MaintenanceEvent.kiosk_pk == kiosk.id,
                MaintenanceEvent.kind.in_(
                    [MaintenanceEventKind.ENTERED.value, MaintenanceEventKind.LEFT.value]
                ),
            )
            .order_by(MaintenanceEvent.created_at.desc(), MaintenanceEvent.id.desc())
            .limit(1)
        )
        if latest is None or latest.kind != MaintenanceEventKind.ENTERED:
            return None
        return latest.created_at
