"""The catalog settings page: which services a county's kiosks offer, when, and the help phone.

`/targets` edits a county's target (county staff: their own county only; ops admins: any
county, chosen with `?region=`); `/kiosks/{id}/target` an ops admin's override for one
kiosk; `/groups` the named groups of kiosks (ops admins make them, put kiosks in them and
set each group's target at `/groups/{n}/target`). A kiosk follows its own, else its group's,
else its county's. The services to choose from are those the kiosks reported (controller/services/
titles.py). Opening hours are written as the manifest reads them, one day group after
another: `mon-fri 08:30-12:00 14:00-17:30; sat 09:00-12:00`, `always`, or empty for the
catalog's own. The controller checks the shape only; the kiosk's catalog validator judges
the rest and its verdict shows on the kiosk page. Every save is audited, and so is a county
staff member's attempt at another county (refused).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller import region_codes
from controller.auth.guard import ActorDep, FormDep
from controller.deps import AuditDep, FleetDep, SessionDep, TargetsDep
from controller.labels import Label
from controller.models import CatalogTarget, ServiceTitle
from controller.rendering import county_scope, render
from controller.services.audit import AuditAction
from controller.services.errors import BadMessage, Conflict
from controller.services.targets import TargetSpec
from wire import TargetService

router = APIRouter(default_response_class=HTMLResponse)

_GROUP = re.compile(r"\s*([a-z-]+)\s+(.+)")


def parse_hours(text: str) -> Any:
    """Opening hours as typed on the form, in the manifest's shape; BadMessage if unreadable.

    "" -> None (the catalog's own), "always", or "mon-fri 08:30-12:00 14:00-17:30; sat ...".
    """
    text = text.strip()
    if not text:
        return None
    if text == "always":
        return "always"
    days: dict[str, list[str]] = {}
    for part in filter(str.strip, text.split(";")):
        match = _GROUP.fullmatch(part.strip())
        if match is None:
            raise BadMessage(f"hours: {part.strip()!r} is not like 'mon-fri 08:30-12:00'")
        days[match.group(1)] = match.group(2).split()
    return days


def show_hours(hours: Any) -> str:
    """The form's text for stored hours (the inverse of parse_hours)."""
    if hours is None:
        return ""
    if hours == "always":
        return "always"
    return "; ".join(f"{day} {' '.join(spans)}" for day, spans in hours.items())


def _spec(form: Mapping[str, str], services: list[str]) -> TargetSpec:
    chosen = []
    for service in services:
        if form.get(f"offer_{service}") == "on":
            hours = parse_hours(form.get(f"hours_{service}", ""))
            try:
                chosen.append(TargetService(flow=service, hours=hours))
            except ValueError as err:
                raise BadMessage(f"{service}: {err}") from err
    if not chosen:
        raise BadMessage("offer at least one service")
    return TargetSpec(tuple(chosen), form.get("help_phone", "").strip())


def _titles(session: Session) -> list[ServiceTitle]:
    return list(session.scalars(select(ServiceTitle).order_by(ServiceTitle.service)))


def _rows(session: Session, spec: TargetSpec | None) -> list[dict[str, Any]]:
    chosen = {s.flow: s for s in spec.services} if spec else {}
    return [
        {
            "service": t.service,
            "title": (t.zh, t.en),
            "offered": spec is None or t.service in chosen,
            "hours": show_hours(chosen[t.service].hours) if t.service in chosen else "",
        }
        for t in _titles(session)
    ]


def _target_form(
    session: Session, targets: TargetsDep, row: CatalogTarget | None, action: str
) -> dict[str, Any]:
    """What targets.html needs to show one set of catalog settings and post it to `action`."""
    spec = targets.spec(row)
    return {
        "row": row,
        "rows": _rows(session, spec),
        "help_phone": spec.help_phone if spec else "",
        "action": action,
    }


def _save_or_clear(
    form: Mapping[str, str],
    session: Session,
    save: Callable[[TargetSpec], CatalogTarget],
    clear: Callable[[], object],
    cleared: str,
) -> str:
    """Save the posted settings, or with `clear` drop them; the audit line's detail."""
    if form.get("clear"):
        clear()
        return cleared
    spec = _spec(form, [t.service for t in _titles(session)])
    row = save(spec)
    return f"version={row.version} services={len(spec.services)}"


def _county_page(
    request: Request,
    session: Session,
    targets: TargetsDep,
    county: str,
    *,
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
) -> HTMLResponse:
    row = targets.county_row(session, county) if county else None
    context = {
        **_target_form(session, targets, row, "/targets"),
        "county": county,
        "fixed": county_scope(request) is not None,
        "done": done,
        "error": error,
        "page": "targets",
    }
    return render(request, "targets.html", context, status)


def _county_of(raw: str) -> str:
    try:
        return region_codes.county_of(region_codes.canonical(raw)) or ""
    except region_codes.BadRegionCode:
        return ""


@router.get("/targets")
def targets_page(
    request: Request, session: SessionDep, targets: TargetsDep, region: str = ""
) -> HTMLResponse:
    """The county's catalog settings (county staff: always their own county)."""
    scope = county_scope(request)
    county = _county_of(scope if scope is not None else region)
    return _county_page(request, session, targets, county)


@router.post("/targets")
def save_targets(
    request: Request,
    form: FormDep,
    session: SessionDep,
    targets: TargetsDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Save a county's catalog settings (audited); another county's staff are refused."""
    scope = county_scope(request)
    county = _county_of(form.get("region", ""))
    if scope is not None and (not county or _county_of(scope) != county):
        audit.record(
            session, actor, AuditAction.TARGET_REFUSED, target=county or form.get("region", ""),
            detail="outside region",
        )  # fmt: skip
        session.commit()
        refused = ("只能设置本县的服务。", "You may set your own county's services only.")
        return _county_page(request, session, targets, _county_of(scope), error=refused, status=403)
    if not county:
        error = ("请填写县级地区代码。", "Give a county's region code (6 digits).")
        return _county_page(request, session, targets, "", error=error, status=422)
    try:
        spec = _spec(form, [t.service for t in _titles(session)])
        row = targets.set_county(session, county, spec, actor.name)
    except BadMessage as err:
        return _county_page(
            request, session, targets, county, error=(str(err), str(err)), status=422
        )
    audit.record(
        session, actor, AuditAction.TARGET_SET, target=county,
        detail=f"version={row.version} services={len(spec.services)}",
    )  # fmt: skip
    session.commit()
    saved = ("已保存，终端将在下次心跳后更新。", "Saved: kiosks follow after their next heartbeat.")
    return _county_page(request, session, targets, county, done=saved)


@router.get("/kiosks/{kiosk_id}/target")
def kiosk_target_page(
    request: Request, kiosk_id: str, session: SessionDep, fleet: FleetDep, targets: TargetsDep
) -> HTMLResponse:
    """One kiosk's own catalog settings, which win over its county's."""
    kiosk = fleet.find(session, kiosk_id)
    if kiosk is None:
        return render(request, "not_found.html", {"kiosk_id": kiosk_id, "page": "fleet"}, 404)
    row = targets.kiosk_row(session, kiosk)
    action = f"/kiosks/{kiosk.kiosk_id}/target"
    context = {**_target_form(session, targets, row, action), "kiosk": kiosk, "page": "fleet"}
    return render(request, "targets.html", context)


@router.post("/kiosks/{kiosk_id}/target")
def save_kiosk_target(
    kiosk_id: str,
    form: FormDep,
    session: SessionDep,
    fleet: FleetDep,
    targets: TargetsDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Save (or with `clear`, drop) a kiosk's own settings, audited; back to its page."""
    kiosk = fleet.find(session, kiosk_id)
    if kiosk is None:
        raise BadMessage(f"no kiosk {kiosk_id}")
    detail = _save_or_clear(
        form,
        session,
        lambda spec: targets.set_kiosk(session, kiosk, spec, actor.name),
        lambda: targets.clear_kiosk(session, kiosk),
        "cleared: follows its county",
    )
    audit.record(session, actor, AuditAction.TARGET_SET, target=kiosk.kiosk_id, detail=detail)
    session.commit()
    return RedirectResponse(f"/kiosks/{kiosk.kiosk_id}#target", status_code=303)


def _groups_page(
    request: Request,
    session: Session,
    targets: TargetsDep,
    *,
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
) -> HTMLResponse:
    groups = [
        {
            "group": group,
            "members": targets.members(session, group),
            "target": targets.group_row(session, group),
        }
        for group in targets.groups(session)
    ]
    context = {"groups": groups, "done": done, "error": error, "page": "targets"}
    return render(request, "groups.html", context, status)


@router.get("/groups")
def groups_page(request: Request, session: SessionDep, targets: TargetsDep) -> HTMLResponse:
    """The kiosk groups: their kiosks and whether each sets a target."""
    return _groups_page(request, session, targets)


@router.post("/groups")
def add_group(
    request: Request,
    form: FormDep,
    session: SessionDep,
    targets: TargetsDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Make a new, empty group (audited)."""
    try:
        group = targets.add_group(session, form.get("name", ""), actor.name)
    except (BadMessage, Conflict) as err:
        code = 409 if isinstance(err, Conflict) else 422
        return _groups_page(request, session, targets, error=(str(err), str(err)), status=code)
    audit.record(session, actor, AuditAction.GROUP_ADDED, target=group.name)
    session.commit()
    return _groups_page(request, session, targets, done=("已建立。", f"Group {group.name} made."))


@router.post("/groups/members")
def set_member(
    request: Request,
    form: FormDep,
    session: SessionDep,
    fleet: FleetDep,
    targets: TargetsDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Put a kiosk in a group (out of its former one), or with no group name in none."""
    kiosk = fleet.find(session, form.get("kiosk_id", "").strip())
    name = form.get("group", "").strip()
    group = targets.group_named(session, name) if name else None
    if kiosk is None or (name and group is None):
        what = "终端编号或分组不存在。", "No such kiosk or group."
        return _groups_page(request, session, targets, error=what, status=422)
    targets.set_group_of(session, kiosk, group)
    audit.record(
        session, actor, AuditAction.KIOSK_GROUP_SET, target=kiosk.kiosk_id, detail=name or "-"
    )
    session.commit()
    done = (
        "已保存，终端将在下次心跳后更新。",
        "Saved: the kiosk follows after its next heartbeat.",
    )
    return _groups_page(request, session, targets, done=done)


@router.get("/groups/{group_pk}/target")
def group_target_page(
    request: Request, group_pk: int, session: SessionDep, targets: TargetsDep
) -> HTMLResponse:
    """A group's catalog settings, which win over its kiosks' counties'."""
    group = targets.group(session, group_pk)
    if group is None:
        missing = ("没有此分组。", "No such group.")
        return _groups_page(request, session, targets, error=missing, status=404)
    row = targets.group_row(session, group)
    action = f"/groups/{group.id}/target"
    context = {**_target_form(session, targets, row, action), "group": group, "page": "targets"}
    return render(request, "targets.html", context)


@router.post("/groups/{group_pk}/target")
def save_group_target(
    request: Request,
    group_pk: int,
    form: FormDep,
    session: SessionDep,
    targets: TargetsDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Save (or with `clear`, drop) a group's settings, audited; back to the groups."""
    group = targets.group(session, group_pk)
    if group is None:
        raise BadMessage(f"no group {group_pk}")
    try:
        detail = _save_or_clear(
            form,
            session,
            lambda spec: targets.set_group(session, group, spec, actor.name),
            lambda: targets.clear_group(session, group),
            "cleared: its kiosks follow their counties",
        )
    except BadMessage as err:
        return _groups_page(request, session, targets, error=(str(err), str(err)), status=422)
    audit.record(
        session, actor, AuditAction.TARGET_SET, target=f"group:{group.name}", detail=detail
    )
    session.commit()
    return RedirectResponse("/groups", status_code=303)


def install(app: FastAPI) -> None:
    """Add the catalog settings pages to `app`."""
    app.include_router(router)
