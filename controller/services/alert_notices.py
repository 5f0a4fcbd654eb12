"""The notifications of an alert: raised, reminder, cleared, back_online, in both languages.

Each is queued in notify.py's outbox (webhook payload, e-mail subject and body) inside the
caller's transaction; the per-kiosk hourly limit is applied on delivery.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from controller.clock import CHINA_TIME
from controller.models import Alert, Kiosk
from controller.services.alert_rules import (
    RULES,
    SEVERITY_LABELS,
    STATE_LABELS,
    AlertKind,
    AlertState,
    Label,
    Severity,
    alert_label,
)
from controller.services.notify import enqueue

EVENT_LABELS: dict[str, Label] = {
    "raised": ("告警", "Alert"),
    "reminder": ("提醒", "Reminder"),
    "cleared": ("已解除", "Cleared"),
    "back_online": ("恢复", "Recovered"),
}


def _when(at: dt.datetime) -> str:
    china = at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")
    return f"{china} (北京时间 Beijing) / {at.astimezone(dt.UTC).isoformat()}"


def queue_notification(
    session: Session,
    kiosk: Kiosk,
    alert: Alert | None,
    event_name: str,
    now: dt.datetime,
    *,
    kind: AlertKind | None = None,
) -> None:
    """Queue the notification of an alert's event (or of a kiosk back online); no commit."""
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
