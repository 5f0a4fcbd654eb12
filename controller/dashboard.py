"""Server-rendered pages for ops and county staff: zh-CN first, English beneath.

Pages show masked values only; they are built from TransactionView, which has no sealed
column to leak. Who may open which page is decided by controller/auth/access.py (enforced
for every route by controller/auth/guard.py); pages that show personal data, even masked,
record who looked in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from controller import region_codes
from controller.auth.access import ROLE_LABELS, TRANSACTION_READERS, Role, in_region, may
from controller.auth.guard import ActorDep, FormDep, UserDep, current_visit
from controller.clock import CHINA_TIME
from controller.deps import (
    AuditDep,
    CommandsDep,
    FleetDep,
    HealthDep,
    IntakeDep,
    MaintenanceEventsDep,
    RatingsDep,
    SessionDep,
    TargetsDep,
)
from controller.models import STATUS_NEVER_SEEN, Kiosk
from controller.services import alerts as alert_service
from controller.services import fleet_view, regions
from controller.services.alerts import (
    SEVERITY_LABELS,
    STATE_LABELS,
    AlertKind,
    AlertState,
    Severity,
)
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.commands import KIND_LABELS as COMMAND_KINDS
from controller.services.enrollment import STATE_LABELS as ENROLLMENT_STATES
from controller.services.errors import Conflict, NotFound
from controller.services.fleet import OFFLINE_AFTER_MISSED_HEARTBEATS as OFFLINE_AFTER_MISSED
from controller.services.fleet import Fleet
from controller.services.health import (
    HEALTH_LABELS,
    Health,
    HealthBook,
    HealthPeriod,
    Reason,
    describe,
)
from controller.services.intake import status_text
from controller.services.ratelimit import RateLimited
from controller.services.vitals import vital_rows
from controller.stats_charts import kiosk_figure
from wire import ApplicationStatus, Bilingual, DeviceKind

_HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=_HERE / "templates")
# Block tags on their own lines leave no blank lines behind in the HTML.
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
router = APIRouter(default_response_class=HTMLResponse)

RECENT_ON_KIOSK_PAGE = 50
RECENT_ON_FLEET_PAGE = 100
ALERTS_ON_PAGE = 200
ALERTS_ON_KIOSK_PAGE = 50
MAINTENANCE_ON_KIOSK_PAGE = 20
# The kiosk page's history: availability over both, health changes over the longer one.
AVAILABILITY_WINDOWS: tuple[tuple[dt.timedelta, str, str], ...] = (
    (dt.timedelta(hours=24), "最近 24 小时", "Last 24 h"),
    (dt.timedelta(days=7), "最近 7 天", "Last 7 days"),
)
TIMELINE_WINDOW = dt.timedelta(days=7)
# The header counts these; info alerts are never raised as alerts that wait for someone.
HEADER_SEVERITIES = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR)

# (zh-CN, English) labels of codes only ops read; an unknown code is shown as it is (`label`).
# Services are not here: their titles come from the kiosks' catalogs (services/titles.py).
Label = tuple[str, str]

STATUS_LABELS = {
    "idle": ("空闲", "Idle"),
    "in_session": ("办理中", "In session"),
    "maintenance": ("维护中", "Maintenance"),
    "out_of_service": ("暂停服务", "Out of service"),
    "offline": ("离线", "Offline"),
    STATUS_NEVER_SEEN: ("未上线", "Never seen"),
}
DEVICE_LABELS = {
    "ok": ("正常", "OK"),
    "degraded": ("降级", "Degraded"),
    "faulted": ("故障", "Faulted"),
    "absent": ("未连接", "Absent"),
}
# The identity methods of flows/engine.py.
IDENTITY_LABELS = {
    "id_card": ("身份证", "ID card"),
    "social_card": ("社保卡", "Social security card"),
    "e_social_card": ("电子社保卡", "e-Social card QR"),
    "e_social_card_qr": ("电子社保卡", "e-Social card QR"),
    "typed": ("手工输入", "Typed in"),
}
# What a booking of a transaction came to (controller/services/booking.py).
BOOKING_LABELS = {
    "confirmed": ("已预约", "Booked"),
    "failed": ("预约未成功", "Not booked"),
}
SOURCE_LABELS = {
    "trainings": ("培训", "Training"),
    "job_fairs": ("招聘会", "Job fair"),
    "slots": ("预约时段", "Slot"),
}
# Heartbeats key devices by wire.DeviceKind; a kind this release does not know shows its key.
DEVICE_NAMES: dict[DeviceKind, str] = {
    DeviceKind.ID_CARD_READER: "身份证读卡器",
    DeviceKind.SOCIAL_CARD_READER: "社保卡读卡器",
    DeviceKind.RECEIPT_PRINTER: "打印机",
    DeviceKind.CAMERA: "摄像头",
}
# What a status means for the citizen, on the public receipt page.
APPLICATION_STATUS_NOTES: dict[str, Label] = {
    ApplicationStatus.RECEIVED: (
        "已收到，等待经办人员审核",
        "Received, waiting for review by staff",
    ),
    ApplicationStatus.REVIEWING: ("经办人员正在审核", "Staff are reviewing it"),
    ApplicationStatus.DONE: ("已办理完毕", "It has been dealt with"),
    ApplicationStatus.RETURNED: (
        "材料需补正，请按短信或电话通知办理",
        "Something is missing; please follow the message you receive",
    ),
    ApplicationStatus.BOOKING_FAILED: (
        "申请已收到，但所选名额已满，工作人员将与您联系",
        "Received, but the place you chose was taken; staff will contact you",
    ),
    ApplicationStatus.APPROVED: ("审核通过", "It has been approved"),
    ApplicationStatus.REJECTED: (
        "审核未通过，原因见下",
        "It was not approved; the reason is below",
    ),
}
# The reasons of a 1- or 2-star rating (flows/catalog/rating.yaml).
RATING_REASON_LABELS: dict[str, Label] = {
    "guide_unclear": ("办事指南不清楚或不准确", "The guidance was unclear or wrong"),
    "hard_to_use": ("操作复杂、不好用", "It was hard to use"),
    "device_fault": ("设备故障或反应慢", "The machine failed or was slow"),
    "too_long": ("办理时间过长", "It took too long"),
    "repeated_info": ("要求重复填写信息或提交材料", "The same information was asked twice"),
    "not_told_once": ("所需材料和条件未一次性告知", "Not told everything needed at once"),
    "result": ("办理结果不符合预期", "The result was not as expected"),
    "other": ("其他", "Something else"),
}
# A transaction that reached us this much later than it was made sat in the kiosk's outbox.
LATE_UPLOAD = dt.timedelta(minutes=10)


def device_name(kind: str) -> str:
    """What ops call a device kind of a heartbeat; a kind unknown here is shown as it is."""
    try:
        return DEVICE_NAMES[DeviceKind(kind)]
    except (ValueError, KeyError):
        return kind


def label(table: Mapping[str, Label], code: str) -> Label:
    """(zh-CN, English) for a code, falling back to the code itself."""
    return table.get(code, (code, ""))


def label_of(table: Mapping[Any, Label], code: str) -> Label:
    """(zh-CN, English) from a table keyed by a string enum, falling back to the code."""
    return table.get(code, (code, ""))


def pair(text: Bilingual) -> Label:
    """A wire text as the (zh-CN, English) pair the templates unpack."""
    return (text.zh, text.en)


def local_time(value: dt.datetime | None) -> str:
    """A UTC time as Beijing time for people: 2026-11-26 10:00:00."""
    if value is None:
        return "—"
    return value.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")


def time_ago(value: dt.datetime | None, now: dt.datetime) -> tuple[str, str]:
    """How long ago, in zh-CN and English: ("5 分钟前", "5 min ago")."""
    if value is None:
        return ("从未", "never")
    seconds = max(int((now - value).total_seconds()), 0)
    if seconds < 60:
        return ("刚刚", "just now")
    if seconds < 3600:
        return (f"{seconds // 60} 分钟前", f"{seconds // 60} min ago")
    if seconds < 86400:
        return (f"{seconds // 3600} 小时前", f"{seconds // 3600} h ago")
    return (f"{seconds // 86400} 天前", f"{seconds // 86400} d ago")


@dataclass(frozen=True)
class DeviceBadge:
    """One device's health as a coloured badge."""

    name: str
    label: str
    state: str
    zh: str
    en: str
    reason: str


def device_badges(kiosk: Kiosk) -> list[DeviceBadge]:
    """The kiosk's devices from its last heartbeat, faults first."""
    order = {"faulted": 0, "degraded": 1, "absent": 2, "ok": 3}
    badges = []
    for name, health in kiosk.devices.items():
        state = str(health.get("state", "")) if isinstance(health, dict) else ""
        reason = str(health.get("reason", "")) if isinstance(health, dict) else ""
        zh, en = label(DEVICE_LABELS, state)
        badges.append(DeviceBadge(name, device_name(name), state, zh, en, reason))
    return sorted(badges, key=lambda b: (order.get(b.state, 4), b.name))


def late_by(created_at: dt.datetime, received_at: dt.datetime) -> tuple[str, str] | None:
    """How much later than made a transaction arrived, when that is worth telling ops."""
    delay = received_at - created_at
    if delay < LATE_UPLOAD:
        return None
    hours, minutes = divmod(int(delay.total_seconds()) // 60, 60)
    if hours:
        return (f"迟 {hours} 小时上传", f"uploaded {hours} h later")
    return (f"迟 {minutes} 分钟上传", f"uploaded {minutes} min later")


def kiosk_state(kiosk: Kiosk, online: bool) -> str:
    """The status to show: what the kiosk said, unless it has gone quiet."""
    if kiosk.last_seen_at is None:
        return STATUS_NEVER_SEEN
    return kiosk.status if online else "offline"


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
            counts = alert_service.alert_counts(session)
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


@router.get("/")
def fleet_page(
    request: Request,
    session: SessionDep,
    fleet: FleetDep,
    region: str = "",
    q: str = "",
    page: str = "1",
) -> HTMLResponse:
    """The fleet inside a region (county staff: inside theirs), worst health first, by page."""
    scope = county_scope(request)
    chosen: str | None = None
    if region and region_codes.is_region_code(region):
        chosen = region_codes.canonical(region)
        if scope is not None and not (scope and region_codes.contains(scope, chosen)):
            chosen = None  # outside their region: show theirs
    now = request.app.state.runtime.clock()
    view = fleet_view.fleet_page(
        session,
        now=now,
        online_within=dt.timedelta(seconds=fleet.heartbeat_seconds * OFFLINE_AFTER_MISSED),
        region=chosen,
        scope=scope,
        search=q,
        page=int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1,
    )
    rows = [_kiosk_row(r, fleet.is_online(r.kiosk, now)) for r in view.rows]
    role = _role(request)
    context = {
        "rows": rows,
        "view": view,
        "severity_order": fleet_view.SEVERITY_ORDER,
        "level_label": lambda code: region_codes.LEVEL_LABELS[region_codes.level_of(code)],
        "may_place": may(role, "GET", "/kiosks/{kiosk_id}/site"),
        "may_open_kiosk": may(role, "GET", "/kiosks/{kiosk_id}"),
        "page": "fleet",
    }
    return render(request, "fleet.html", context)


def _role(request: Request) -> Role | None:
    visit = current_visit(request)
    return visit.user.role if visit and visit.user else None


def _kiosk_row(row: fleet_view.FleetRow, online: bool) -> dict[str, Any]:
    return {
        "kiosk": row.kiosk,
        "health": row.health,
        "state": kiosk_state(row.kiosk, online),
        "badges": device_badges(row.kiosk),
        "transactions": row.transactions,
    }


@router.get("/kiosks/{kiosk_id}")
def kiosk_page(
    request: Request,
    kiosk_id: str,
    session: SessionDep,
    fleet: FleetDep,
    intake: IntakeDep,
    ratings: RatingsDep,
    book: HealthDep,
    audit: AuditDep,
    actor: ActorDep,
    user: UserDep,
    commands: CommandsDep,
    targets: TargetsDep,
    maintenance: MaintenanceEventsDep,
) -> HTMLResponse:
    """One kiosk: facts, health and its history, alerts, devices, maintenance, ratings,
    transactions.

    Technicians see everything but the transactions (masked personal data is still
    personal data): what they need to mend a kiosk is its health and devices.
    """
    kiosk = _visible_kiosk(request, session, fleet, kiosk_id)
    if kiosk is None:
        return render(request, "not_found.html", {"kiosk_id": kiosk_id, "page": "fleet"}, 404)
    sees_transactions = user.role in TRANSACTION_READERS
    transactions = []
    if sees_transactions:
        transactions = intake.recent(session, kiosk=kiosk, limit=RECENT_ON_KIOSK_PAGE)
        audit.record(
            session,
            actor,
            AuditAction.VIEWED_KIOSK,
            target=kiosk.kiosk_id,
            detail=f"transactions={len(transactions)}",
        )
    may_command = may(_role(request), "POST", "/kiosks/{kiosk_id}/commands")
    if may_command:
        commands.watch(kiosk)  # its heartbeats come quicker while someone may send one
    recent_commands = commands.recent(session, kiosk)
    target = targets.view(session, kiosk)
    state = kiosk_state(kiosk, fleet.is_online(kiosk))
    maintenance_since = (
        maintenance.in_maintenance_since(session, kiosk) if state == "maintenance" else None
    )
    maintenance_events = maintenance.recent(session, kiosk, limit=MAINTENANCE_ON_KIOSK_PAGE)
    session.commit()
    now = request.app.state.runtime.clock()
    context = {
        "kiosk": kiosk,
        "commands": recent_commands,
        "target": target,
        "may_set_target": may(_role(request), "GET", "/kiosks/{kiosk_id}/target"),
        "command_kinds": COMMAND_KINDS,
        "may_command": may_command,
        "may_open_attachment": may(
            _role(request), "GET", "/kiosks/{kiosk_id}/commands/{command_id}/attachment"
        ),
        "health": kiosk_health(session, book, kiosk),
        "availability": [
            (zh, en, book.availability(session, kiosk, now - span, now))
            for span, zh, en in AVAILABILITY_WINDOWS
        ],
        "timeline": newest_first(book.timeline(session, kiosk, now - TIMELINE_WINDOW, now)),
        "alerts": alert_service.kiosk_alerts(session, kiosk, limit=ALERTS_ON_KIOSK_PAGE),
        "state": state,
        "maintenance_since": maintenance_since,
        "maintenance_events": maintenance_events,
        "devices": device_badges(kiosk),
        "vitals": vital_rows(kiosk.vitals),
        "transaction_count": fleet.transaction_count(session, kiosk),
        "transactions": transactions,
        "sees_transactions": sees_transactions,
        "ratings": ratings.summary(session, kiosk),
        "per_day": kiosk_figure(session, kiosk, now),
        "limit": RECENT_ON_KIOSK_PAGE,
        "lineage": regions.lineage(session, kiosk.region_code) if kiosk.region_code else [],
        "may_place": may(_role(request), "GET", "/kiosks/{kiosk_id}/site"),
        "enrollment_state": ENROLLMENT_STATES.get(kiosk.state, (kiosk.state, kiosk.state)),
        "may_withdraw": may(_role(request), "POST", "/enrollment/revoke"),
        "page": "fleet",
    }
    return render(request, "kiosk.html", context)


def _visible_kiosk(request: Request, session: Session, fleet: Fleet, kiosk_id: str) -> Kiosk | None:
    """The kiosk if it exists and the signed-in user may see it: county staff get None for a
    kiosk outside their region, the same answer as for no kiosk, so a page never tells them
    that another county's kiosk exists."""
    kiosk = fleet.find(session, kiosk_id)
    role = _role(request)
    if kiosk is None or role is None:
        return kiosk
    visit = current_visit(request)
    user_region = visit.user.region_code if visit and visit.user else None
    return kiosk if in_region(role, user_region, kiosk.region_code) else None


_PLACED = ("已保存站点与地区", "Site and region saved")


def _site_page(
    request: Request,
    session: Session,
    kiosk: Kiosk,
    form: Mapping[str, str] | None = None,
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The form that places a kiosk in the region tree, with its site's name and address."""
    values = form or {
        "region_code": kiosk.region_code or "",
        "site": kiosk.site,
        "address": kiosk.address,
    }
    code = values.get("region_code", "")
    context = {
        "kiosk": kiosk,
        "values": values,
        "lineage": regions.lineage(session, kiosk.region_code) if kiosk.region_code else [],
        # The picker: the chosen code's children, or the provinces.
        "choices": regions.children(session, code if regions.find(session, code) else None),
        "chosen": regions.find(session, code) if code else None,
        "level_label": lambda c: region_codes.LEVEL_LABELS[region_codes.level_of(c)],
        "may_open_kiosk": may(_role(request), "GET", "/kiosks/{kiosk_id}"),
        "done": done,
        "error": error,
        "page": "fleet",
    }
    return render(request, "site.html", context, status)


@router.get("/kiosks/{kiosk_id}/site")
def site_page(
    request: Request, kiosk_id: str, session: SessionDep, fleet: FleetDep, region: str = ""
) -> HTMLResponse:
    """Where a kiosk stands: its region (picked down the tree), site name and address."""
    kiosk = _visible_kiosk(request, session, fleet, kiosk_id)
    if kiosk is None:
        return render(request, "not_found.html", {"kiosk_id": kiosk_id, "page": "fleet"}, 404)
    form = None
    if region:
        # A step down the picker keeps what is typed in the other fields as stored.
        form = {"region_code": region, "site": kiosk.site, "address": kiosk.address}
    return _site_page(request, session, kiosk, form)


@router.post("/kiosks/{kiosk_id}/site")
def place_kiosk(
    request: Request,
    kiosk_id: str,
    form: FormDep,
    session: SessionDep,
    fleet: FleetDep,
    audit: AuditDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Save a kiosk's region, site name and address (audited)."""
    kiosk = _visible_kiosk(request, session, fleet, kiosk_id)
    if kiosk is None:
        return render(request, "not_found.html", {"kiosk_id": kiosk_id, "page": "fleet"}, 404)
    values = {name: form.get(name, "") for name in ("region_code", "site", "address")}
    try:
        changes = regions.place_kiosk(
            session, kiosk, values["region_code"], values["site"], values["address"]
        )
    except regions.RegionRefused as err:
        session.rollback()
        return _site_page(request, session, kiosk, values, error=(err.zh, err.en), status=400)
    if changes:
        audit.record(
            session,
            actor,
            AuditAction.KIOSK_PLACED,
            target=kiosk.kiosk_id,
            detail=" ".join(changes),
        )
    session.commit()
    return _site_page(request, session, kiosk, done=_PLACED)


@dataclass(frozen=True)
class HealthNow:
    """A kiosk's health as its page shows it."""

    health: Health
    reasons: Label
    since: dt.datetime | None


def kiosk_health(session: Session, book: HealthBook, kiosk: Kiosk) -> HealthNow:
    """The kiosk's current health and why; grey, never seen, before its first assessment."""
    row = book.current(session, kiosk)
    if row is None:
        return HealthNow(Health.GREY, label_of(HEALTH_LABELS, Health.GREY), None)
    reasons = [Reason.from_key(key) for key in row.reasons or []]
    return HealthNow(Health(row.health), describe(reasons), row.since)


def newest_first(periods: list[HealthPeriod]) -> list[HealthPeriod]:
    """A timeline's periods, the latest first, as the kiosk page lists them."""
    return list(reversed(periods))


@router.get("/transactions")
def transactions_page(
    request: Request, session: SessionDep, intake: IntakeDep, audit: AuditDep, actor: ActorDep
) -> HTMLResponse:
    """The latest transactions across the fleet, or a county staff's region (audited)."""
    scope = county_scope(request)
    transactions = (
        [] if scope == "" else intake.recent(session, limit=RECENT_ON_FLEET_PAGE, region=scope)
    )
    audit.record(
        session, actor, AuditAction.VIEWED_TRANSACTIONS, detail=f"transactions={len(transactions)}"
    )
    session.commit()
    context = {
        "transactions": transactions,
        "limit": RECENT_ON_FLEET_PAGE,
        "page": "transactions",
    }
    return render(request, "transactions.html", context)


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
    items = alert_service.open_alerts(
        session, severity=chosen_severity, kind=chosen_kind, limit=ALERTS_ON_PAGE
    )
    visit = current_visit(request)
    role = visit.user.role if visit and visit.user else None
    context = {
        "page": "alerts",
        "alerts": items,
        "severity": chosen_severity.value if chosen_severity else "",
        "kind": chosen_kind.value if chosen_kind else "",
        "severities": [(s.value, SEVERITY_LABELS[s]) for s in Severity],
        "kinds": [
            (k.value, alert_service.alert_label(k))
            for k, rule in alert_service.RULES.items()
            if not rule.notify_only
        ],
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
        alert_service.acknowledge
        if action is AuditAction.ALERT_ACKNOWLEDGED
        else alert_service.clear
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


@router.get("/r/{number}")
def receipt_page(
    request: Request, number: str, session: SessionDep, intake: IntakeDep, k: str = ""
) -> HTMLResponse:
    """What a citizen sees after scanning a receipt's QR: received or not, nothing personal.

    The QR's link carries the receipt key (`?k=`); without the right key the page is the
    same 404 as for an unknown number, so numbers cannot be walked. Limited per client
    address (429).
    """
    asker = request.client.host if request.client else "unknown"
    context: dict[str, Any] = {"number": number, "txn": None, "page": "receipt"}
    try:
        found = intake.receipt(session, number, k, asker)
    except RateLimited as err:
        response = render(request, "receipt.html", context | {"retry_after": err.retry_after}, 429)
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    return render(request, "receipt.html", context | {"txn": found}, 200 if found else 404)


def install(app: FastAPI) -> None:
    """Add the ops pages and their stylesheet to `app` (sign-in pages: controller.auth.pages)."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
