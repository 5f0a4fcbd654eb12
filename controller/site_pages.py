"""Where a kiosk stands (`/kiosks/{kiosk_id}/site`): its region, site name and address."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controller import region_codes
from controller.auth.access import may
from controller.auth.guard import ActorDep, FormDep
from controller.deps import AuditDep, FleetDep, SessionDep
from controller.kiosk_pages import visible_kiosk
from controller.labels import Label
from controller.models import Kiosk
from controller.rendering import current_role, render
from controller.services import regions
from controller.services.audit import AuditAction

router = APIRouter(default_response_class=HTMLResponse)

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
        "may_open_kiosk": may(current_role(request), "GET", "/kiosks/{kiosk_id}"),
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
    kiosk = visible_kiosk(request, session, fleet, kiosk_id)
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
    kiosk = visible_kiosk(request, session, fleet, kiosk_id)
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


def install(app: FastAPI) -> None:
    """Add the site form to `app`."""
    app.include_router(router)
