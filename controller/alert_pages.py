"""The alerts page (`/alerts`): unresolved alerts worst first, acknowledged and cleared."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controller.auth.access import may
from controller.auth.guard import ActorDep
from controller.deps import AuditDep, SessionDep
from controller.labels import Label
from controller.rendering import current_role, render
from controller.services import alert_lifecycle, alert_views
from controller.services.alert_rules import (
    RULES,
    SEVERITY_LABELS,
    AlertKind,
    AlertState,
    Severity,
    alert_label,
)
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.errors import Conflict, NotFound

router = APIRouter(default_response_class=HTMLResponse)

ALERTS_ON_PAGE = 200


def _alerts_page(
    request: Request,
    session: Session,
    severity: str = "",
    kind: str = "",
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The unresolved alerts, worst first, filtered by severity and kind when those are known."""
    chosen_severity = Severity(severity) if severity in set(Severity) else None
    chosen_kind = AlertKind(kind) if kind in set(AlertKind) else None
    items = alert_views.open_alerts(
        session, severity=chosen_severity, kind=chosen_kind, limit=ALERTS_ON_PAGE
    )
    role = current_role(request)
    context = {
        "page": "alerts",
        "alerts": items,
        "severity": chosen_severity.value if chosen_severity else "",
        "kind": chosen_kind.value if chosen_kind else "",
        "severities": [(s.value, SEVERITY_LABELS[s]) for s in Severity],
        "kinds": [(k.value, alert_label(k)) for k, rule in RULES.items() if not rule.notify_only],
        "may_act": may(role, "POST", "/alerts/{alert_id}/clear"),
        "may_open_kiosk": may(role, "GET", "/kiosks/{kiosk_id}"),
        "limit": ALERTS_ON_PAGE,
        "done": done,
        "error": error,
        "open_state": AlertState.OPEN.value,
    }
    return render(request, "alerts.html", context, status)


@router.get("/alerts")
def alerts_page(
    request: Request, session: SessionDep, severity: str = "", kind: str = ""
) -> HTMLResponse:
    """Open and acknowledged alerts, worst first; `severity` and `kind` filter them."""
    return _alerts_page(request, session, severity, kind)


_NO_ALERT = ("没有这条告警", "No such alert")
_ALREADY_CLEARED = (
    "这条告警已被解除（可能是其他人或系统自动解除），无需再处理。",
    "This alert has already been cleared (by someone else or automatically); nothing to do.",
)


def _act_on_alert(
    request: Request,
    session: Session,
    audit: AuditLog,
    actor: Actor,
    alert_id: int,
    action: AuditAction,
) -> HTMLResponse:
    """Acknowledge or clear an alert as the signed-in user, audited; the alerts page after."""
    act = (
        alert_lifecycle.acknowledge
        if action is AuditAction.ALERT_ACKNOWLEDGED
        else alert_lifecycle.clear
    )
    now = request.app.state.runtime.clock()
    try:
        alert = act(session, alert_id, actor.name, now)
    except NotFound:
        session.rollback()
        return _alerts_page(request, session, error=_NO_ALERT, status=404)
    except Conflict:
        session.rollback()
        return _alerts_page(request, session, error=_ALREADY_CLEARED, status=409)
    audit.record(session, actor, action, target=str(alert.id), detail=f"kind={alert.kind}")
    session.commit()
    done = (
        (f"已确认告警 #{alert.id}", f"Alert #{alert.id} acknowledged")
        if action is AuditAction.ALERT_ACKNOWLEDGED
        else (f"已解除告警 #{alert.id}", f"Alert #{alert.id} cleared")
    )
    return _alerts_page(request, session, done=done)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_alert(
    request: Request, alert_id: int, session: SessionDep, audit: AuditDep, actor: ActorDep
) -> HTMLResponse:
    """Mark an alert as seen by the signed-in user (its reminders stop)."""
    return _act_on_alert(request, session, audit, actor, alert_id, AuditAction.ALERT_ACKNOWLEDGED)


@router.post("/alerts/{alert_id}/clear")
def clear_alert(
    request: Request, alert_id: int, session: SessionDep, audit: AuditDep, actor: ActorDep
) -> HTMLResponse:
    """Clear an alert by hand as the signed-in user (the channels are told)."""
    return _act_on_alert(request, session, audit, actor, alert_id, AuditAction.ALERT_CLEARED)


def install(app: FastAPI) -> None:
    """Add the alerts page to `app`."""
    app.include_router(router)
