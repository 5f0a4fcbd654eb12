"""Alerts: the rules in one table, one unresolved alert per kiosk and kind, and their life.

The kinds (`RULES`):

- offline (major): raised by the sweep (no heartbeat for 3 intervals); cleared by the next
  heartbeat, which sends a back_online notification instead of "cleared";
- back_online (info): a notification only, never an alert;
- device_faulted (major, one per device kind): a heartbeat with a device faulted, or
  expected and absent; cleared when the device is ok again;
- paper_out (major): the printer out of paper; cleared when it has paper;
- paper_near_end (minor): the printer's paper nearly used up;
- outbox_filling (minor): more than `outbox_backlog` transactions waiting on the kiosk;
- outbox_undeliverable (major): the kiosk reports outbox rows it can never deliver (failed
  or quarantined, wire.KioskVitals); cleared when it reports none again;
- outbox_nearly_full (minor): the kiosk's outbox at `outbox_full_percent` (80 %) of its
  capacity or more; at 100 % it stops taking applications;
- clock_skew (minor): the kiosk clock off by more than `clock_skew_seconds`;
- crash_loop (major): the kiosk program started `crash_loop_starts` times within an hour
  (Heartbeat.starts_last_hour); cleared when it has run an hour without starting again;
- identity_conflict (critical), staff_called (major), maintenance_lockout (major: the
  maintenance PIN pad locked after repeated wrong PINs, someone tried many PINs at the
  kiosk; services/maintenance_events.py): raised by other parts of the controller with
  `raise_alert`, cleared by a user.

States: open -> acknowledged (by a user) -> cleared (by a user, or "auto" when the
condition is gone). `alerts.open_key` is unique while an alert is unresolved, so a kind is
raised once per kiosk (and device); raising it again updates that alert (`occurrences`,
`last_raised_at`, `detail`). While a kiosk is offline its device conditions are left as
they were: nothing it said before going quiet is cleared or raised.

Conditions are evaluated when they change (on a heartbeat and in the sweep, through
`HealthBook.record`), so a user who clears an alert whose condition still holds is not
alerted again until the condition goes away and comes back.

Notifications (controller/services/notify.py): raised, cleared, back_online, and reminders
of alerts still open (not acknowledged) every `reminder_minutes`, at most `reminder_max`
times (info alerts are never repeated). The per-kiosk hourly limit is applied on delivery.

For pages (none of these takes an HTTP request; pass the request's session):
- `open_alerts(session, severity=, kind=, kiosk_id=, limit=)` -> list[AlertView], worst first;
- `alert_counts(session)` -> {Severity: n} of unresolved alerts, for the header;
- `acknowledge(session, alert_id, user, now)` and `clear(session, alert_id, user, now)`:
  commit; NotFound for an unknown id, Conflict for a cleared alert;
- `RULES[kind].label`, `SEVERITY_LABELS`, `STATE_LABELS`: the words, (zh-CN, en).
For the rest of the controller: `raise_alert(session, kiosk, kind, detail, now)` (does not
commit: it joins the caller's transaction).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from controller.clock import CHINA_TIME
from controller.logs import event
from controller.models import Alert, Kiosk
from controller.services.errors import Conflict, NotFound
from controller.services.health import (
    Assessment,
    HealthBook,
    KioskFacts,
    Thresholds,
    Transition,
    assess,
    device_label,
    is_paper_near_end,
    is_paper_out,
)
from controller.services.notify import enqueue
from controller.services.once import insert_once
from controller.settings import AlertSettings
from pii import redact_id_numbers
from wire import DeviceState

log = logging.getLogger(__name__)

Label = tuple[str, str]  # (zh-CN, en)
AUTO = "auto"  # cleared_by when the condition went away
MAX_USER = 100
MAX_DETAIL = 500


class Severity(enum.StrEnum):
    """How urgent an alert is, worst first."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the worst; sorts alerts worst first."""
        return list(Severity).index(self)


SEVERITY_LABELS: dict[Severity, Label] = {
    Severity.CRITICAL: ("紧急", "Critical"),
    Severity.MAJOR: ("重要", "Major"),
    Severity.MINOR: ("次要", "Minor"),
    Severity.INFO: ("提示", "Info"),
}


class AlertState(enum.StrEnum):
    """Where an alert is in its life."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


STATE_LABELS: dict[AlertState, Label] = {
    AlertState.OPEN: ("未处理", "Open"),
    AlertState.ACKNOWLEDGED: ("已确认", "Acknowledged"),
    AlertState.CLEARED: ("已解除", "Cleared"),
}
UNRESOLVED = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value)


class AlertKind(enum.StrEnum):
    """What an alert is about."""

    OFFLINE = "offline"
    BACK_ONLINE = "back_online"
    DEVICE_FAULTED = "device_faulted"
    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    OUTBOX_FILLING = "outbox_filling"
    OUTBOX_UNDELIVERABLE = "outbox_undeliverable"
    OUTBOX_NEARLY_FULL = "outbox_nearly_full"
    CLOCK_SKEW = "clock_skew"
    IDENTITY_CONFLICT = "identity_conflict"
    CRASH_LOOP = "crash_loop"
    STAFF_CALLED = "staff_called"
    MAINTENANCE_LOCKOUT = "maintenance_lockout"


@dataclass(frozen=True)
class AlertRule:
    """One kind of alert: how bad, what it is called, how it ends."""

    kind: AlertKind
    severity: Severity
    label: Label
    # Evaluated from heartbeats and cleared automatically when the condition is gone;
    # otherwise raised by raise_alert and cleared by a user.
    auto_clear: bool
    # Names a device (device_faulted: one alert per device kind).
    per_device: bool = False
    # Sent as a notification, never kept as an alert.
    notify_only: bool = False


RULES: dict[AlertKind, AlertRule] = {
    rule.kind: rule
    for rule in (
        AlertRule(AlertKind.OFFLINE, Severity.MAJOR, ("终端离线", "Kiosk offline"), True),
        AlertRule(
            AlertKind.BACK_ONLINE,
            Severity.INFO,
            ("终端恢复在线", "Kiosk back online"),
            False,
            notify_only=True,
        ),
        AlertRule(
            AlertKind.DEVICE_FAULTED,
            Severity.MAJOR,
            ("{device}故障", "{device} faulted"),
            True,
            per_device=True,
        ),
        AlertRule(
            AlertKind.PAPER_OUT, Severity.MAJOR, ("打印机缺纸", "Printer out of paper"), True
        ),
        AlertRule(
            AlertKind.PAPER_NEAR_END,
            Severity.MINOR,
            ("打印纸将尽", "Printer paper near end"),
            True,
        ),
        AlertRule(
            AlertKind.OUTBOX_FILLING,
            Severity.MINOR,
            ("待上传办件积压", "Transactions piling up on the kiosk"),
            True,
        ),
        AlertRule(
            AlertKind.OUTBOX_UNDELIVERABLE,
            Severity.MAJOR,
            ("有办件无法上传", "Transactions the kiosk cannot deliver"),
            True,
        ),
        AlertRule(
            AlertKind.OUTBOX_NEARLY_FULL,
            Severity.MINOR,
            ("终端待上传队列将满", "Kiosk outbox nearly full"),
            True,
        ),
        AlertRule(
            AlertKind.CLOCK_SKEW, Severity.MINOR, ("终端时钟偏差过大", "Kiosk clock is off"), True
        ),
        AlertRule(
            AlertKind.IDENTITY_CONFLICT,
            Severity.CRITICAL,
            ("终端身份冲突", "Kiosk identity conflict"),
            False,
        ),
        AlertRule(
            AlertKind.CRASH_LOOP, Severity.MAJOR, ("终端反复重启", "Kiosk keeps restarting"), True
        ),
        AlertRule(
            AlertKind.STAFF_CALLED,
            Severity.MAJOR,
            ("群众呼叫工作人员", "A citizen is asking for staff"),
            False,
        ),
        AlertRule(
            AlertKind.MAINTENANCE_LOCKOUT,
            Severity.MAJOR,
            ("维护密码多次输错，已锁定", "Maintenance PIN locked after repeated wrong PINs"),
            False,
        ),
    )
}

EVENT_LABELS: dict[str, Label] = {
    "raised": ("告警", "Alert"),
    "reminder": ("提醒", "Reminder"),
    "cleared": ("已解除", "Cleared"),
    "back_online": ("恢复", "Recovered"),
}


def alert_label(kind: AlertKind, device: str = "") -> Label:
    """What an alert of this kind (about this device) is called."""
    zh, en = RULES[kind].label
    device_zh, device_en = device_label(device) if device else ("设备", "Device")
    return zh.format(device=device_zh), en.format(device=device_en)


def condition_key(kind: AlertKind, device: str = "") -> str:
    """How a condition is stored: "kind" or "kind:device"."""
    return f"{kind.value}:{device}" if device else kind.value


def split_condition(key: str) -> tuple[AlertKind, str]:
    """The kind and device of a stored condition key."""
    kind, _, device = key.partition(":")
    return AlertKind(kind), device


def conditions(
    facts: KioskFacts, thresholds: Thresholds, previous: Iterable[str] = ()
) -> frozenset[str]:
    """The alert conditions that hold for a kiosk (keys as `condition_key` makes them).

    Offline keeps the previous non-offline conditions: an offline kiosk's devices are unknown.
    """
    if not facts.seen:
        return frozenset()
    if not facts.online:
        kept = {k for k in previous if split_condition(k)[0] is not AlertKind.OFFLINE}
        return frozenset({condition_key(AlertKind.OFFLINE), *kept})
    found: set[str] = set()
    for kind, fact in facts.devices.items():
        if is_paper_out(kind, fact) and fact.state is DeviceState.FAULTED:
            found.add(condition_key(AlertKind.PAPER_OUT))
        elif fact.state in (DeviceState.FAULTED, DeviceState.ABSENT):
            found.add(condition_key(AlertKind.DEVICE_FAULTED, kind))
        elif is_paper_near_end(kind, fact) and fact.state is DeviceState.DEGRADED:
            found.add(condition_key(AlertKind.PAPER_NEAR_END))
    if facts.outbox_pending > thresholds.outbox_backlog:
        found.add(condition_key(AlertKind.OUTBOX_FILLING))
    if facts.outbox_undeliverable > 0:
        found.add(condition_key(AlertKind.OUTBOX_UNDELIVERABLE))
    used = facts.outbox_used_percent
    if used is not None and used >= thresholds.outbox_full_percent:
        found.add(condition_key(AlertKind.OUTBOX_NEARLY_FULL))
    if facts.clock_skew is not None and abs(facts.clock_skew) > thresholds.clock_skew_seconds:
        found.add(condition_key(AlertKind.CLOCK_SKEW))
    if facts.starts_last_hour >= thresholds.crash_loop_starts:
        found.add(condition_key(AlertKind.CRASH_LOOP))
    return frozenset(found)


def _condition_detail(key: str, facts: KioskFacts) -> str:
    kind, device = split_condition(key)
    if kind is AlertKind.OUTBOX_FILLING:
        return f"outbox_pending={facts.outbox_pending}"
    if kind is AlertKind.OUTBOX_UNDELIVERABLE:
        return f"failed_or_quarantined={facts.outbox_undeliverable}"
    if kind is AlertKind.OUTBOX_NEARLY_FULL:
        return f"outbox_used_percent={facts.outbox_used_percent}"
    if kind is AlertKind.CLOCK_SKEW and facts.clock_skew is not None:
        return f"clock_skew_seconds={facts.clock_skew:.0f}"
    if kind is AlertKind.CRASH_LOOP:
        return f"starts_last_hour={facts.starts_last_hour}"
    if kind is AlertKind.OFFLINE:
        return ""
    fact = facts.devices.get(device or "receipt_printer")
    return fact.reason if fact is not None else ""


# -- one alert's life ------------------------------------------------------------------


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
        _notify(session, kiosk, alert, "raised", now)
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
        _notify(session, kiosk, alert, "cleared", now)
    session.commit()
    event(log, "alert_cleared", alert=alert_id, by=user)
    return alert


# -- what pages read -------------------------------------------------------------------


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


# -- notifications ---------------------------------------------------------------------


def _when(at: dt.datetime) -> str:
    china = at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")
    return f"{china} (北京时间 Beijing) / {at.astimezone(dt.UTC).isoformat()}"


def _notify(
    session: Session,
    kiosk: Kiosk,
    alert: Alert | None,
    event_name: str,
    now: dt.datetime,
    *,
    kind: AlertKind | None = None,
) -> None:
    kind = kind or AlertKind(alert.kind if alert else AlertKind.BACK_ONLINE)
    device = alert.device if alert is not None and kind is AlertKind(alert.kind) else ""
    severity = RULES[kind].severity if event_name != "back_online" else Severity.INFO
    what_zh, what_en = alert_label(kind, device)
    sev_zh, sev_en = SEVERITY_LABELS[severity]
    ev_zh, ev_en = EVENT_LABELS[event_name]
    subject = (
        f"[e-station] [{sev_zh} {sev_en}] {kiosk.kiosk_id} {ev_zh}：{what_zh} / {ev_en}: {what_en}"
    )
    lines = [
        f"终端 Kiosk: {kiosk.kiosk_id} {kiosk.name} ({kiosk.site})",
        f"{ev_zh} {ev_en}: {what_zh} / {what_en}",
        f"级别 Severity: {sev_zh} / {sev_en}",
        f"时间 Time: {_when(now)}",
    ]
    if alert is not None:
        state_zh, state_en = STATE_LABELS[AlertState(alert.state)]
        lines += [
            f"告警编号 Alert: #{alert.id}",
            f"状态 State: {state_zh} / {state_en}",
            f"首次发生 Opened: {_when(alert.opened_at)}",
        ]
        if alert.detail:
            lines.append(f"详情 Detail: {alert.detail}")
    payload = {
        "kiosk": {"kiosk_id": kiosk.kiosk_id, "name": kiosk.name, "site": kiosk.site},
        "alert": None
        if alert is None
        else {
            "id": alert.id,
            "kind": alert.kind,
            "device": alert.device,
            "severity": alert.severity,
            "state": alert.state,
            "detail": alert.detail,
            "opened_at": alert.opened_at.isoformat(),
            "occurrences": alert.occurrences,
        },
        "kind": kind.value,
        "severity": severity.value,
        "at": now.isoformat(),
        "text": {"zh-CN": f"{ev_zh}：{what_zh}", "en": f"{ev_en}: {what_en}"},
    }
    enqueue(
        session,
        kiosk_pk=kiosk.id,
        alert_pk=alert.id if alert is not None else None,
        event_name=event_name,
        severity=severity.value,
        subject=subject,
        body="\n".join(lines) + "\n",
        payload=payload,
        now=now,
    )


# -- evaluation: heartbeats and the sweep ----------------------------------------------


class Alerts:
    """Assesses kiosks, records their health and keeps their alerts in step; reminds."""

    def __init__(self, settings: AlertSettings, book: HealthBook | None = None) -> None:
        self.settings = settings
        self.thresholds = Thresholds(
            settings.outbox_backlog, settings.clock_skew_seconds, settings.crash_loop_starts
        )
        self.book = book or HealthBook()

    def assess(self, facts: KioskFacts) -> Assessment:
        """The kiosk's health under this controller's thresholds."""
        return assess(facts, self.thresholds)

    def observe(
        self,
        session: Session,
        kiosk: Kiosk,
        now: dt.datetime,
        *,
        online: bool,
        clock_skew: float | None = None,
        at: dt.datetime | None = None,
    ) -> Transition | None:
        """Assess the kiosk; on a change, record it and raise or clear alerts. No commit.

        `at` is when the change happened if not now (the moment a kiosk went offline).
        """
        facts = KioskFacts.of(kiosk, online=online, clock_skew=clock_skew)
        assessment = self.assess(facts)
        current = self.book.current(session, kiosk)
        previous = current.conditions if current is not None else []
        now_conditions = conditions(facts, self.thresholds, previous or [])
        transition = self.book.record(
            session, kiosk, facts, assessment, now_conditions, at or now, current
        )
        if transition is None:
            return None
        event(
            log,
            "kiosk_health",
            kiosk_id=kiosk.kiosk_id,
            before=transition.before or "none",
            after=assessment.health.value,
            reasons=",".join(assessment.keys),
        )
        for key in sorted(transition.conditions_after - transition.conditions_before):
            kind, device = split_condition(key)
            raise_alert(session, kiosk, kind, _condition_detail(key, facts), now=now, device=device)
        for key in sorted(transition.conditions_before - transition.conditions_after):
            kind, device = split_condition(key)
            if RULES[kind].auto_clear:
                self._auto_clear(session, kiosk, kind, device, now)
        return transition

    def _auto_clear(
        self, session: Session, kiosk: Kiosk, kind: AlertKind, device: str, now: dt.datetime
    ) -> None:
        alert = _open_alert(session, _open_key(kiosk.id, kind, device))
        if alert is None or not _close(session, alert, AUTO, now):
            return
        event(log, "alert_cleared", alert=alert.id, by=AUTO)
        if kind is AlertKind.OFFLINE:
            _notify(session, kiosk, alert, "back_online", now, kind=AlertKind.BACK_ONLINE)
        else:
            _notify(session, kiosk, alert, "cleared", now)

    def remind(self, session: Session, now: dt.datetime) -> int:
        """Queue a reminder of every open alert that is due one; how many. No commit."""
        if self.settings.reminder_max == 0:
            return 0
        due_before = now - dt.timedelta(minutes=self.settings.reminder_minutes)
        candidates = session.scalars(
            select(Alert).where(
                Alert.state == AlertState.OPEN.value,
                Alert.severity != Severity.INFO.value,
                Alert.reminders_sent < self.settings.reminder_max,
                Alert.last_notified_at <= due_before,
            )
        ).all()
        sent = 0
        for alert in candidates:
            # Of two replicas reminding at once, only the one whose UPDATE changes the row
            # queues the reminder.
            result = session.execute(
                update(Alert)
                .where(
                    Alert.id == alert.id,
                    Alert.state == AlertState.OPEN.value,
                    Alert.reminders_sent == alert.reminders_sent,
                )
                .values(reminders_sent=alert.reminders_sent + 1, last_notified_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                continue
            session.refresh(alert)
            kiosk = session.get(Kiosk, alert.kiosk_pk)
            if kiosk is not None:
                _notify(session, kiosk, alert, "reminder", now)
                sent += 1
        return sent
