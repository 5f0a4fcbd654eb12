"""How every dashboard page is rendered: zh-CN first, English beneath.

One Jinja environment over templates/, the header every page shows (its links, the alert
counts, the signed-in user) and who is looking (`current_role`, `county_scope`). Pages
show masked values only; they are built from TransactionView, which has no sealed column
to leak. Who may open which page is decided by controller/auth/access.py (enforced for
every route by controller/auth/guard.py); pages that show personal data, even masked,
record who looked in the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from controller import region_codes
from controller.auth.access import ROLE_LABELS, Role, may
from controller.auth.guard import current_visit
from controller.labels import (
    APPLICATION_STATUS_NOTES,
    BOOKING_LABELS,
    IDENTITY_LABELS,
    RATING_REASON_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    label,
    label_of,
    late_by,
    local_time,
    pair,
    time_ago,
)
from controller.services import alert_views
from controller.services.alert_rules import SEVERITY_LABELS, STATE_LABELS, Severity
from controller.services.health_reasons import HEALTH_LABELS
from controller.services.status_words import status_text

_HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=_HERE / "templates")
# Block tags on their own lines leave no blank lines behind in the HTML.
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

# The header counts these; info alerts are never raised as alerts that wait for someone.
HEADER_SEVERITIES = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR)

# The header's links, each shown only to those who may open it.
NAV: tuple[tuple[str, str, str, str], ...] = (
    ("fleet", "/", "终端总览", "Fleet"),
    ("transactions", "/transactions", "最近业务", "Transactions"),
    ("inbox", "/inbox", "办件审核", "Inbox"),
    ("alerts", "/alerts", "告警", "Alerts"),
    ("stats", "/stats", "统计", "Statistics"),
    ("figures", "/figures", "县域统计", "County figures"),
    ("content", "/content", "内容管理", "Content"),
    ("targets", "/targets", "服务设置", "Catalog settings"),
    ("enrollment", "/enrollment", "终端注册", "Enrollment"),
    ("updates", "/updates", "软件更新", "Updates"),
    ("audit", "/audit", "审计日志", "Audit log"),
    ("accounts", "/accounts", "账户管理", "Accounts"),
)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page from templates/, with the helpers and the signed-in user every page uses."""
    runtime = request.app.state.runtime
    now = runtime.clock()
    visit = current_visit(request)
    user = visit.user if visit else None
    role: Role | None = user.role if user else None
    counts = None
    if user is not None and may(role, "GET", "/alerts"):
        # One grouped query of its own, so every page (the refusals too) shows the counts.
        with runtime.db.session() as session:
            counts = alert_views.alert_counts(session)
    base = {
        "user": user,
        "role_label": ROLE_LABELS.get(role, ("", "")) if role else ("", ""),
        "csrf_token": visit.csrf if visit else "",
        "nav": [item for item in NAV if user is not None and may(role, "GET", item[1])],
        "now": now,
        "local_time": local_time,
        "ago": lambda value: time_ago(value, now),
        "status_label": lambda code: label(STATUS_LABELS, code),
        "identity_label": lambda code: label(IDENTITY_LABELS, code),
        "txn_status_label": lambda code: pair(status_text(code)),
        "txn_status_note": lambda code: label(APPLICATION_STATUS_NOTES, code),
        "booking_label": lambda code: label(BOOKING_LABELS, code),
        "source_label": lambda code: label(SOURCE_LABELS, code),
        "reason_label": lambda code: label(RATING_REASON_LABELS, code),
        "late_by": late_by,
        "heartbeat_seconds": runtime.settings.heartbeat_seconds,
        "alert_counts": counts,
        "header_severities": HEADER_SEVERITIES,
        "severity_label": lambda code: label_of(SEVERITY_LABELS, code),
        "alert_state_label": lambda code: label_of(STATE_LABELS, code),
        "health_label": lambda code: label_of(HEALTH_LABELS, code),
    }
    return templates.TemplateResponse(request, name, base | context, status_code=status)


def county_scope(request: Request) -> str | None:
    """The region a county staff account is limited to (canonical); None for other roles.

    "" for county staff without a valid region: they see nothing (access.in_region).
    """
    visit = current_visit(request)
    user = visit.user if visit else None
    if user is None or user.role is not Role.COUNTY_STAFF:
        return None
    try:
        return region_codes.canonical(user.region_code or "")
    except region_codes.BadRegionCode:
        return ""


def current_role(request: Request) -> Role | None:
    """The signed-in user's role, None for nobody signed in."""
    visit = current_visit(request)
    return visit.user.role if visit and visit.user else None


def install(app: FastAPI) -> None:
    """Serve the pages' stylesheet and scripts under /static."""
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
