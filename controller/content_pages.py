"""The content pages: county staff and ops admins manage jobs, policies, trainings, job
fairs, announcements, appointment slots and employers, one by one or by CSV import (and
slots by a series: every chosen weekday of a span, one window or slots of N minutes).

Routes only translate forms into calls on `ContentAdmin` (controller/services/
content_admin.py, with content_kinds, content_csv, content_rows and content_series beside
it), which validates, audits and bumps the county's content version; the route commits.
County staff act on their own county (their account's region); ops admins name the
county. Another county's item is the same 404 as an item that does not exist, and the
attempt is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session

from controller.auth.access import Role
from controller.auth.guard import ActorDep, FormDep, current_visit
from controller.clock import CHINA_TIME, china_today
from controller.deps import AuditDep, SessionDep
from controller.labels import Label
from controller.models import AppointmentSlot, Employer
from controller.rendering import county_scope, render
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.content_admin import ContentAdmin, content_version, county_of
from controller.services.content_csv import decode, read_rows
from controller.services.content_kinds import (
    COLUMNS,
    KIND_LABELS,
    CsvRefused,
    Kind,
    OutOfScope,
    Problem,
    Report,
    StillBooked,
    csv_template,
    iter_columns,
)
from controller.services.content_series import expand_series
from wire.vocabulary import AppointmentKind

router = APIRouter(default_response_class=HTMLResponse)

_SERIES_FORM = (
    "first_day",
    "last_day",
    "starts",
    "ends",
    "every",
    "service",
    "capacity",
    "where_zh",
    "where_en",
    "service_zh",
    "service_en",
)

_SAVED: Label = ("已保存，终端下次获取时生效", "Saved; kiosks list it from their next fetch")
_EXPIRED: Label = ("已下架", "Taken off the kiosks")
_IMPORTED: Label = ("已导入", "Imported")
_CHECKED: Label = ("试导入：未发现问题，尚未保存", "Dry run: no problems found, nothing stored")
_BOOKED: Label = ("该时段已有预约，不能删除", "Citizens booked places of it: it cannot be removed")


def _kind(raw: str) -> Kind | None:
    try:
        return Kind(raw)
    except ValueError:
        return None


def _no_such(what: str) -> PlainTextResponse:
    return PlainTextResponse(f"no such {what}", status_code=404)


def _scope(request: Request) -> tuple[bool, str | None]:
    """(is county staff, their region or None)."""
    visit = current_visit(request)
    user = visit.user if visit else None
    county = user is not None and user.role is Role.COUNTY_STAFF
    return county, county_scope(request) if county else None


def _page(
    request: Request,
    session: Session,
    kind: Kind,
    *,
    region: str = "",
    values: Mapping[str, str] | None = None,
    editing: bool = False,
    report: Report | None = None,
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
    series: Mapping[str, str] | None = None,
) -> HTMLResponse:
    county, scope = _scope(request)
    shown_region = scope if county else (region or None)
    items = ContentAdmin.listing(session, kind, shown_region)
    context: dict[str, Any] = {
        "page": "content",
        "kind": kind,
        "kinds": [(k, KIND_LABELS[k]) for k in Kind],
        "kind_label": KIND_LABELS[kind],
        "columns": list(iter_columns(kind)),
        "items": [_summary(kind, item) for item in items],
        "county_staff": county,
        "region": scope if county else region,
        "version": content_version(session, shown_region) if shown_region else None,
        "values": values or {},
        "editing": editing,
        "report": report,
        "done": done,
        "error": error,
        "today": request.app.state.runtime.clock(),
        "series": series or {"every": "", "weekdays": "1,2,3,4,5"},
        "services": list(AppointmentKind),
    }
    return render(request, "content.html", context, status)


def _summary(kind: Kind, item: Any) -> dict[str, Any]:
    if isinstance(item, AppointmentSlot):
        service = (item.display or {}).get("service")
        return {
            "code": item.code,
            "title": f"{service.get('zh-CN') if isinstance(service, dict) else service}"
            f" {item.starts}-{item.ends}",
            "detail": f"{item.taken} / {item.capacity}",
            "region": item.region_code or "",
            "from": item.day,
            "until": item.day,
        }
    if isinstance(item, Employer):
        return {
            "code": item.code,
            "title": item.name,
            "detail": item.credit_code,
            "region": item.region_code,
            "from": None,
            "until": None,
        }
    title = item.display.get("title")
    return {
        "code": item.code,
        "title": title.get("zh-CN") if isinstance(title, dict) else title,
        "detail": "",
        "region": item.region_code or "",
        "from": item.shows_from,
        "until": item.shows_until,
    }


@router.get("/content")
def content_home(request: Request, session: SessionDep) -> HTMLResponse:
    """The content pages open on jobs."""
    return _page(request, session, Kind.JOBS, region=request.query_params.get("region", ""))


@router.get("/content/{kind}")
def content_kind(request: Request, kind: str, session: SessionDep, region: str = "") -> Response:
    """A kind's items of the county, the form for a new one and the CSV import."""
    chosen = _kind(kind)
    if chosen is None:
        return _no_such("kind of content")
    return _page(request, session, chosen, region=region)


@router.get("/content/{kind}/template.csv")
def content_template(kind: str) -> Response:
    """An empty CSV of the kind: its header row, UTF-8 with BOM (Excel opens it right)."""
    chosen = _kind(kind)
    if chosen is None:
        return _no_such("kind of content")
    return Response(
        ("\ufeff" + csv_template(chosen)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{chosen.value}.csv"'},
    )


@router.get("/content/{kind}/{code}")
def content_item(
    request: Request, kind: str, code: str, session: SessionDep, audit: AuditDep, actor: ActorDep
) -> Response:
    """One item's form, filled with what is stored."""
    chosen = _kind(kind)
    item = ContentAdmin.find(session, chosen, code) if chosen else None
    if chosen is None or item is None:
        return _no_such("item")
    county, scope = _scope(request)
    if county and item.region_code != scope:
        audit.record(
            session, actor, AuditAction.CONTENT_REFUSED, target=f"{kind}:{code}", detail="view"
        )
        session.commit()
        return _no_such("item")
    return _page(
        request,
        session,
        chosen,
        region=item.region_code or "",
        values=row_of(session, chosen, item),
        editing=True,
    )


def _region_for(request: Request, form: Mapping[str, str]) -> str:
    county, scope = _scope(request)
    return county_of(county, scope, form.get("region", ""))


@dataclass(frozen=True)
class _Change:
    """What every content change gets: the request, its form, the session, audit, actor."""

    request: Request
    form: Mapping[str, str]
    session: Session
    audit: AuditLog
    actor: Actor

    def target(self, kind: Kind, values: Mapping[str, str]) -> str | HTMLResponse:
        """The county the change goes to, or its refusal (403, audited, the form kept)."""
        try:
            return _region_for(self.request, self.form)
        except OutOfScope as err:
            return _refused(
                self.request, self.session, kind, self.actor, self.audit, str(err), values
            )

    def store(
        self, kind: Kind, region: str, rows: list[dict[str, str]], *, dry_run: bool, first_row: int
    ) -> Report:
        """Check (and unless a dry run, store) the rows; committed."""
        now = self.request.app.state.runtime.clock()
        report = ContentAdmin(self.audit).import_rows(
            self.session, self.actor, kind, region, rows, now, dry_run=dry_run, first_row=first_row
        )
        self.session.commit()
        return report


def _change(
    request: Request, form: FormDep, session: SessionDep, audit: AuditDep, actor: ActorDep
) -> _Change:
    return _Change(request, form, session, audit, actor)


ChangeDep = Annotated[_Change, Depends(_change)]


@router.post("/content/{kind}")
def save_item(kind: str, change: ChangeDep) -> Response:
    """Create or change one item from its form (validated as one CSV row)."""
    chosen = _kind(kind)
    if chosen is None:
        return _no_such("kind of content")
    request, session = change.request, change.session
    values = {c.name: change.form.get(c.name, "") for c in COLUMNS[chosen]}
    region = change.target(chosen, values)
    if isinstance(region, HTMLResponse):
        return region
    report = change.store(chosen, region, [values], dry_run=False, first_row=1)
    if not report.stored:
        return _page(
            request, session, chosen, region=region, values=values, report=report, status=400
        )
    return _page(request, session, chosen, region=region, done=_SAVED)


@router.post("/content/{kind}/{code}/expire")
def expire_item(kind: str, code: str, change: ChangeDep) -> Response:
    """Take an item off the kiosks from today (an employer leaves the list)."""
    chosen = _kind(kind)
    if chosen is None:
        return _no_such("kind of content")
    request, session = change.request, change.session
    now = request.app.state.runtime.clock()
    try:
        region = _region_for(request, change.form)
        ContentAdmin(change.audit).expire(session, change.actor, chosen, region, code, now)
    except OutOfScope:
        session.commit()  # the refusal's audit entry
        return _no_such("item")
    except StillBooked:
        session.rollback()
        return _page(request, session, chosen, region=region, error=_BOOKED, status=409)
    session.commit()
    return _page(request, session, chosen, region=region, done=_EXPIRED)


@router.post("/content/{kind}/import")
def import_csv(kind: str, change: ChangeDep) -> Response:
    """Check a CSV file of the kind and store it whole, or only report (dry run)."""
    chosen = _kind(kind)
    if chosen is None:
        return _no_such("kind of content")
    region = change.target(chosen, {})
    if isinstance(region, HTMLResponse):
        return region
    data: bytes | None = getattr(change.request.state, "upload", None)
    dry_run = change.form.get("dry_run", "") == "1"
    report = Report(kind=chosen, region_code=region, dry_run=dry_run)
    if not data:
        report.problems.append(Problem(0, "", "choose a CSV file to import"))
    else:
        try:
            rows, problems = read_rows(chosen, decode(data))
        except CsvRefused as err:
            rows, problems = [], [Problem(0, "", str(err))]
        report.problems.extend(problems)
        if not problems:
            report = change.store(chosen, region, rows, dry_run=dry_run, first_row=2)
    if report.problems:
        status = 400
        done = None
    else:
        status, done = 200, _CHECKED if dry_run else _IMPORTED
    return _page(
        change.request,
        change.session,
        chosen,
        region=region,
        report=report,
        done=done,
        status=status,
    )


@router.post("/content/slots/series")
def save_series(change: ChangeDep) -> Response:
    """Create (or change) the slots of a series: every chosen weekday of a span, with the
    same row report as an import; a dry run only reports."""
    form, request, session = change.form, change.request, change.session
    values = {name: form.get(name, "") for name in _SERIES_FORM}
    values["weekdays"] = ",".join(d for d in "1234567" if form.get(f"weekday_{d}"))
    region = change.target(Kind.SLOTS, {})
    if isinstance(region, HTMLResponse):
        return region
    now = request.app.state.runtime.clock()
    dry_run = form.get("dry_run", "") == "1"
    found, problems = expand_series(values, china_today(now))
    report = Report(kind=Kind.SLOTS, region_code=region, dry_run=dry_run, problems=problems)
    if not problems:
        report = change.store(Kind.SLOTS, region, found, dry_run=dry_run, first_row=1)
    if report.problems:
        return _page(
            request, session, Kind.SLOTS, region=region, series=values, report=report, status=400
        )
    done = _CHECKED if dry_run else _SAVED
    return _page(request, session, Kind.SLOTS, region=region, report=report, done=done)


def _refused(
    request: Request,
    session: Session,
    kind: Kind,
    actor: Actor,
    audit: AuditLog,
    why: str,
    values: Mapping[str, str],
) -> HTMLResponse:
    audit.record(session, actor, AuditAction.CONTENT_REFUSED, target=kind.value, detail=why[:200])
    session.commit()
    error = ("不能修改这个地区的内容", f"Refused: {why}")
    return _page(request, session, kind, values=values, error=error, status=403)


def row_of(session: Session, kind: Kind, item: Any) -> dict[str, str]:
    """A stored item as the cells of its form (the columns of its CSV)."""
    if isinstance(item, Employer):
        return {
            "id": item.code,
            "name": item.name,
            "credit_code": item.credit_code,
            "township": item.township_code or "",
            "contact_person": item.contact_person,
            "contact_phone": item.contact_phone,
        }
    if isinstance(item, AppointmentSlot):
        return _slot_row(item)
    values: dict[str, str] = {"id": item.code}
    display = item.display
    for part in ("title", "summary"):
        text = display.get(part)
        if isinstance(text, dict):
            values[f"{part}_zh"], values[f"{part}_en"] = text["zh-CN"], text["en"]
        elif text:
            values[f"{part}_zh"] = text
    values["qr"] = display.get("qr", "")
    ages = (display.get("criteria") or {}).get("age") or [None, None]
    values["age_min"], values["age_max"] = (str(a) if a is not None else "" for a in ages)
    values["publish_on"] = _day(item.shows_from)
    values["until"] = _day(item.shows_until)
    for name in ("area", "industry", "work_type", "category", "salary_min", "salary_max"):
        if hasattr(item, name):
            values[name] = "" if getattr(item, name) is None else str(getattr(item, name))
    for name in ("rank", "capacity"):
        if hasattr(item, name):
            values[name] = str(getattr(item, name))
    for name in ("starts_on", "enrol_until", "held_on"):
        if hasattr(item, name):
            values[name] = _day(getattr(item, name))
    if hasattr(item, "signup_closes_at"):
        values["signup_closes"] = f"{item.signup_closes_at.astimezone(CHINA_TIME):%Y-%m-%d %H:%M}"
    if getattr(item, "employer_code", None):
        employer = ContentAdmin.find(session, Kind.EMPLOYERS, item.employer_code)
        values["employer"] = employer.credit_code if employer else ""
    for label, value in display.get("rows", []):
        zh = label.get("zh-CN") if isinstance(label, dict) else label
        if zh == "岗位职责":
            values["duties_zh"] = value["zh-CN"] if isinstance(value, dict) else value
            values["duties_en"] = value["en"] if isinstance(value, dict) else ""
        elif zh == "招聘人数":
            text = value["en"] if isinstance(value, dict) else value
            values["openings"] = text
    return values


def _slot_row(slot: AppointmentSlot) -> dict[str, str]:
    values = {
        "service": slot.service_code or "",
        "date": slot.day.isoformat(),
        "starts": slot.starts,
        "ends": slot.ends,
        "capacity": str(slot.capacity),
    }
    for part in ("service", "where"):
        text = (slot.display or {}).get(part)
        if isinstance(text, dict):
            values[f"{part}_zh"], values[f"{part}_en"] = text["zh-CN"], text["en"]
        elif text:
            values[f"{part}_zh"] = text
    return values


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def install(app: FastAPI) -> None:
    """Add the content pages to `app`."""
    app.include_router(router)
