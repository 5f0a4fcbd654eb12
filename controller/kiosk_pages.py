"""One kiosk's page (`/kiosks/{kiosk_id}`): its facts, health, alerts, devices and more.

Technicians see everything but the transactions. `visible_kiosk` decides whether the
signed-in user may see a kiosk at all (the site form asks it too); `device_badges` and
`kiosk_state` show a kiosk here and in the fleet list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controller.auth.access import TRANSACTION_READERS, in_region, may
from controller.auth.guard import ActorDep, UserDep, current_visit
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
from controller.labels import DEVICE_LABELS, Label, device_name, label, label_of
from controller.models import STATUS_NEVER_SEEN, Kiosk
from controller.rendering import current_role, render
from controller.services import alert_views, regions
from controller.services.audit import AuditAction
from controller.services.commands import KIND_LABELS as COMMAND_KINDS
from controller.services.enrollment import STATE_LABELS as ENROLLMENT_STATES
from controller.services.fleet import Fleet
from controller.services.health_history import HealthBook, HealthPeriod
from controller.services.health_reasons import HEALTH_LABELS, Health, Reason, describe
from controller.services.vitals import vital_rows
from controller.stats_charts import kiosk_figure

router = APIRouter(default_response_class=HTMLResponse)

RECENT_ON_KIOSK_PAGE = 50
ALERTS_ON_KIOSK_PAGE = 50
MAINTENANCE_ON_KIOSK_PAGE = 20
# The kiosk page's history: availability over both, health changes over the longer one.
AVAILABILITY_WINDOWS: tuple[tuple[dt.timedelta, str, str], ...] = (
    (dt.timedelta(hours=24), "最近 24 小时", "Last 24 h"),
    (dt.timedelta(days=7), "最近 7 天", "Last 7 days"),
)
TIMELINE_WINDOW = dt.timedelta(days=7)


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


def kiosk_state(kiosk: Kiosk, online: bool) -> str:
    """The status to show: what the kiosk said, unless it has gone quiet."""
    if kiosk.last_seen_at is None:
        return STATUS_NEVER_SEEN
    return kiosk.status if online else "offline"


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
    kiosk = visible_kiosk(request, session, fleet, kiosk_id)
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
    may_command = may(current_role(request), "POST", "/kiosks/{kiosk_id}/commands")
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
        "may_set_target": may(current_role(request), "GET", "/kiosks/{kiosk_id}/target"),
        "command_kinds": COMMAND_KINDS,
        "may_command": may_command,
        "may_open_attachment": may(
            current_role(request), "GET", "/kiosks/{kiosk_id}/commands/{command_id}/attachment"
        ),
        "health": kiosk_health(session, book, kiosk),
        "availability": [
            (zh, en, book.availability(session, kiosk, now - span, now))
            for span, zh, en in AVAILABILITY_WINDOWS
        ],
        "timeline": newest_first(book.timeline(session, kiosk, now - TIMELINE_WINDOW, now)),
        "alerts": alert_views.kiosk_alerts(session, kiosk, limit=ALERTS_ON_KIOSK_PAGE),
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
        "may_place": may(current_role(request), "GET", "/kiosks/{kiosk_id}/site"),
        "enrollment_state": ENROLLMENT_STATES.get(kiosk.state, (kiosk.state, kiosk.state)),
        "may_withdraw": may(current_role(request), "POST", "/enrollment/revoke"),
        "page": "fleet",
    }
    return render(request, "kiosk.html", context)


def visible_kiosk(request: Request, session: Session, fleet: Fleet, kiosk_id: str) -> Kiosk | None:
    """The kiosk if it exists and the signed-in user may see it: county staff get None for a
    kiosk outside their region, the same answer as for no kiosk, so a page never tells them
    that another county's kiosk exists."""
    kiosk = fleet.find(session, kiosk_id)
    role = current_role(request)
    if kiosk is None or role is None:
        return kiosk
    visit = current_visit(request)
    user_region = visit.user.region_code if visit and visit.user else None
    return kiosk if in_region(role, user_region, kiosk.region_code) else None


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


def install(app: FastAPI) -> None:
    """Add the kiosk page to `app`."""
    app.include_router(router)
