"""One alert's life: raised (once per kiosk, kind and device), acknowledged, cleared.

States: open -> acknowledged (by a user) -> cleared (by a user, or "auto" when the
condition is gone). `alerts.open_key` is unique while an alert is unresolved, so a kind is
raised once per kiosk (and device); raising it again updates that alert (`occurrences`,
`last_raised_at`, `detail`).

- `raise_alert(session, kiosk, kind, detail, now=)`, for the rest of the controller (does
  not commit: it joins the caller's transaction);
- `acknowledge(session, alert_id, user, now)` and `clear(session, alert_id, user, now)`,
  for pages: commit; NotFound for an unknown id, Conflict for a cleared alert;
- `clear_automatically(...)`, for alerts.py when a condition has gone away.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from controller.logs import event
from controller.models import Alert, Kiosk
from controller.services.alert_notices import queue_notification
from controller.services.alert_rules import RULES, UNRESOLVED, AlertKind, AlertState
from controller.services.errors import Conflict, NotFound
from controller.services.once import insert_once
from pii import redact_id_numbers

log = logging.getLogger(__name__)

AUTO = "auto"  # cleared_by when the condition went away
MAX_USER = 100
MAX_DETAIL = 500


def _clean_detail(detail: str) -> str:
    # Callers pass facts, not people; an ID number that slips in is masked all the same.
    return redact_id_numbers(detail)[:MAX_DETAIL]


def _clean_user(user: str) -> str:
    user = user.strip()
    if not user:
        raise ValueError("a user name is needed to acknowledge or clear an alert")
    return user[:MAX_USER]


def _open_key(kiosk_pk: int, kind: AlertKind, device: str) -> str:
    return f"{kiosk_pk}:{kind.value}:{device}"


def _open_alert(session: Session, key: str) -> Alert | None:
    return session.scalar(
        select(Alert).where(Alert.open_key == key).execution_options(populate_existing=True)
    )


def raise_alert(
    session: Session,
    kiosk: Kiosk,
    kind: AlertKind,
    detail: str = "",
    *,
    now: dt.datetime,
    device: str = "",
) -> Alert:
    """Open an alert, or update the one already open for this kiosk, kind and device.

    A new alert queues a "raised" notification; a repeat only counts. Does not commit.
    `detail` holds facts (a count, a device's reason), never personal data.
    """
    rule = RULES[kind]
    if rule.notify_only:
        raise ValueError(f"{kind} is a notification, not an alert")
    device = device if rule.per_device else ""
    key = _open_key(kiosk.id, kind, device)
    detail = _clean_detail(detail)
    inserted = insert_once(
        session,
        Alert,
        {
            "kiosk_pk": kiosk.id,
            "kind": kind.value,
            "device": device,
            "severity": rule.severity.value,
            "state": AlertState.OPEN.value,
            "open_key": key,
            "detail": detail,
            "opened_at": now,
            "last_raised_at": now,
            "occurrences": 1,
            "last_notified_at": now,
            "reminders_sent": 0,
        },
    )
    alert = _open_alert(session, key)
    if alert is None:  # pragma: no cover - cleared between the two statements
        raise RuntimeError("the alert just raised is gone")
    if inserted:
        event(
            log,
            "alert_raised",
            alert=alert.id,
            kiosk_id=kiosk.kiosk_id,
            kind=kind.value,
            device=device,
            severity=rule.severity.value,
        )
        queue_notification(session, kiosk, alert, "raised", now)
    else:
        session.execute(
            update(Alert)
            .where(Alert.id == alert.id)
            .values(occurrences=Alert.occurrences + 1, last_raised_at=now, detail=detail)
            .execution_options(synchronize_session=False)
        )
        session.refresh(alert)
    return alert


def _close(session: Session, alert: Alert, user: str, now: dt.datetime) -> bool:
    """Clear an unresolved alert; False if someone else cleared it first."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.state.in_(UNRESOLVED))
        .values(state=AlertState.CLEARED.value, open_key=None, cleared_by=user, cleared_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(alert)
    return bool(getattr(result, "rowcount", 0) == 1)


def _get(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id, populate_existing=True)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def acknowledge(session: Session, alert_id: int, user: str, now: dt.datetime) -> Alert:
    """Mark an open alert as seen by `user` (reminders stop); commits."""
    user = _clean_user(user)
    alert = _get(session, alert_id)
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.state == AlertState.OPEN.value)
        .values(state=AlertState.ACKNOWLEDGED.value, acknowledged_by=user, acknowledged_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(alert)
    if getattr(result, "rowcount", 0) != 1 and alert.state == AlertState.CLEARED:
        raise Conflict(f"alert {alert_id} is already cleared")
    event(log, "alert_acknowledged", alert=alert_id, by=user)
    return alert


def clear(session: Session, alert_id: int, user: str, now: dt.datetime) -> Alert:
    """Clear an alert by hand and tell the channels; commits. Conflict if already cleared."""
    user = _clean_user(user)
    alert = _get(session, alert_id)
    if not _close(session, alert, user, now):
        raise Conflict(f"alert {alert_id} is already cleared")
    kiosk = session.get(Kiosk, alert.kiosk_pk)
    if kiosk is not None:
        queue_notification(session, kiosk, alert, "cleared", now)
    session.commit()
    event(log, "alert_cleared", alert=alert_id, by=user)
    return alert


def clear_automatically(
    session: Session, kiosk: Kiosk, kind: AlertKind, device: str, now: dt.datetime
) -> None:
    """Clear the kiosk's unresolved alert of this kind (and device), if any, as "auto".

    Ends an offline alert with a back_online notification, any other with "cleared".
    Does not commit.
    """
    alert = _open_alert(session, _open_key(kiosk.id, kind, device))
    if alert is None or not _close(session, alert, AUTO, now):
        return
    event(log, "alert_cleared", alert=alert.id, by=AUTO)
    if kind is AlertKind.OFFLINE:
        queue_notification(session, kiosk, alert, "back_online", now, kind=AlertKind.BACK_ONLINE)
    else:
        queue_notification(session, kiosk, alert, "cleared", now)
