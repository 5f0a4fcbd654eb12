"""What pages read of alerts: the unresolved ones, a kiosk's history, the header's counts.

None of these takes an HTTP request; pass the request's session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controller.models import Alert, Kiosk
from controller.services.alert_rules import (
    UNRESOLVED,
    AlertKind,
    AlertState,
    Label,
    Severity,
    alert_label,
)


@dataclass(frozen=True)
class AlertView:
    """One alert as a page shows it."""

    id: int
    kiosk_id: str
    kiosk_name: str
    kind: AlertKind
    device: str
    severity: Severity
    state: AlertState
    detail: str
    opened_at: dt.datetime
    last_raised_at: dt.datetime
    occurrences: int
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    cleared_by: str | None
    cleared_at: dt.datetime | None

    @property
    def label(self) -> Label:
        """What the alert is, (zh-CN, en)."""
        return alert_label(self.kind, self.device)


def _view(alert: Alert, kiosk: Kiosk) -> AlertView:
    return AlertView(
        id=alert.id,
        kiosk_id=kiosk.kiosk_id,
        kiosk_name=kiosk.name,
        kind=AlertKind(alert.kind),
        device=alert.device,
        severity=Severity(alert.severity),
        state=AlertState(alert.state),
        detail=alert.detail,
        opened_at=alert.opened_at,
        last_raised_at=alert.last_raised_at,
        occurrences=alert.occurrences,
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        cleared_by=alert.cleared_by,
        cleared_at=alert.cleared_at,
    )


def open_alerts(
    session: Session,
    *,
    severity: Severity | None = None,
    kind: AlertKind | None = None,
    kiosk_id: str | None = None,
    limit: int = 200,
) -> list[AlertView]:
    """Unresolved alerts (open and acknowledged), worst and newest first, filtered."""
    query = select(Alert, Kiosk).join(Kiosk, Alert.kiosk_pk == Kiosk.id)
    query = query.where(Alert.state.in_(UNRESOLVED))
    if severity is not None:
        query = query.where(Alert.severity == severity.value)
    if kind is not None:
        query = query.where(Alert.kind == kind.value)
    if kiosk_id is not None:
        query = query.where(Kiosk.kiosk_id == kiosk_id)
    rows = session.execute(query.order_by(Alert.opened_at.desc(), Alert.id.desc())).all()
    views = [_view(alert, kiosk) for alert, kiosk in rows]
    views.sort(key=lambda v: v.severity.rank)  # stable: newest first within a severity
    return views[:limit]


def kiosk_alerts(session: Session, kiosk: Kiosk, limit: int = 50) -> list[AlertView]:
    """A kiosk's alerts of any state, newest first (its page's history)."""
    query = (
        select(Alert)
        .where(Alert.kiosk_pk == kiosk.id)
        .order_by(Alert.opened_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    return [_view(alert, kiosk) for alert in session.scalars(query)]


def alert_counts(session: Session) -> dict[Severity, int]:
    """How many alerts are unresolved, by severity (every severity present, 0 included)."""
    query = (
        select(Alert.severity, func.count())
        .where(Alert.state.in_(UNRESOLVED))
        .group_by(Alert.severity)
    )
    counts = {severity: 0 for severity in Severity}
    for severity, count in session.execute(query):
        counts[Severity(severity)] = count
    return counts
