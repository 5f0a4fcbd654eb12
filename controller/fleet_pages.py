"""The fleet page (`/`): the kiosks of a region, worst health first, by page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from controller import region_codes
from controller.auth.access import may
from controller.deps import FleetDep, SessionDep
from controller.kiosk_pages import device_badges, kiosk_state
from controller.rendering import county_scope, current_role, render
from controller.services import fleet_view
from controller.services.fleet import OFFLINE_AFTER_MISSED_HEARTBEATS as OFFLINE_AFTER_MISSED

router = APIRouter(default_response_class=HTMLResponse)


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
    role = current_role(request)
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


def _kiosk_row(row: fleet_view.FleetRow, online: bool) -> dict[str, Any]:
    return {
        "kiosk": row.kiosk,
        "health": row.health,
        "state": kiosk_state(row.kiosk, online),
        "badges": device_badges(row.kiosk),
        "transactions": row.transactions,
    }


def install(app: FastAPI) -> None:
    """Add the fleet page to `app`."""
    app.include_router(router)
