"""The county inbox pages: the list, an application, its review, exports, dead letters.

Routes translate requests into calls on `Inbox` (controller/services/inbox.py), `Exporter`
(services/export.py) and `Handoff` (services/handoff.py), audit, and commit. Who may call
which is in controller/auth/access.py; the region is `rendering.county_scope`. An
application, export or region outside a county staff member's is refused: the page says
"not found" (404, as for a number that does not exist, so nothing tells them apart) or
"not yours" (403, a township in the filters), and the audit log records the attempt.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from controller import region_codes
from controller.auth.access import APPLICATION_HANDLERS, PERSONAL_DATA_READERS, Role, may
from controller.auth.guard import ActorDep, FormDep, UserDep, current_visit
from controller.deps import AuditDep, HandoffDep, InboxDep, RuntimeDep, SessionDep, TitlesDep
from controller.labels import Label
from controller.models import Transaction
from controller.rendering import county_scope, render
from controller.services import regions
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.errors import NotFound
from controller.services.export import Exporter
from controller.services.inbox import Inbox
from controller.services.inbox_errors import InboxRefused, StaleVersion
from controller.services.inbox_filters import Filters, parse_filters
from controller.services.inbox_review import REASON_MAX, STATUS_ORDER, TRANSITIONS
from controller.services.inbox_views import Cursor
from controller.services.status_words import REASONS, status_text
from wire import ApplicationStatus

router = APIRouter(default_response_class=HTMLResponse)

_NOT_YOURS = ("无权查看该地区的办件", "That region is outside yours")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters_from(request: Request, scope: str | None) -> Filters:
    q = request.query_params
    return parse_filters(
        scope,
        service=q.get("service", ""),
        status=q.get("status", ""),
        township=q.get("township", ""),
        date_from=q.get("from", ""),
        date_to=q.get("to", ""),
        assigned=q.get("assigned", ""),
    )


def _query_string(filters: Filters, **extra: str) -> str:
    """The filters as the query string of a link (tabs, next page, exports)."""
    values = {
        "service": filters.service,
        "status": filters.status,
        "township": filters.township,
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
        "assigned": filters.assigned,
    }
    values.update(extra)
    return urlencode({k: v for k, v in values.items() if v})


def _refused(
    request: Request,
    session: Session,
    audit: AuditLog,
    actor: Actor,
    target: str,
    detail: str,
    status: int = 403,
) -> HTMLResponse:
    """Record a refusal, then answer it: 404 as for no such application, else 403."""
    audit.record(session, actor, AuditAction.APPLICATION_REFUSED, target=target, detail=detail)
    session.commit()
    if status == 404:
        return render(request, "application_missing.html", {"number": target, "page": "inbox"}, 404)
    return render(request, "forbidden.html", {"page": "inbox", "why": _NOT_YOURS}, 403)


def _township_choices(session: Session, scope: str | None) -> list[tuple[str, str]]:
    """The townships a county staff member may filter by (those below their county)."""
    if not scope:
        return []
    county = region_codes.county_of(scope)
    if county is None:
        return []
    return [(r.code, r.name) for r in regions.children(session, county)]


@router.get("/inbox")
def inbox_page(
    request: Request,
    session: SessionDep,
    inbox: InboxDep,
    audit: AuditDep,
    actor: ActorDep,
    user: UserDep,
    after: str = "",
) -> HTMLResponse:
    """Applications of the staff member's region, newest first, filtered, 50 a page."""
    scope = county_scope(request)
    try:
        filters = _filters_from(request, scope)
    except InboxRefused as err:
        return _refused(request, session, audit, actor, "inbox", f"filters: {err.en}")
    page = inbox.page(session, scope, filters, Cursor.decode(after))
    audit.record(
        session,
        actor,
        AuditAction.VIEWED_INBOX,
        detail=f"{filters.describe()} rows={len(page.rows)}",
    )
    session.commit()
    context: dict[str, Any] = {
        "page": "inbox",
        "view": page,
        "filters": filters,
        "status_order": STATUS_ORDER,
        "tab_link": lambda status: "/inbox?" + _query_string(filters, status=status),
        "next_link": (
            "/inbox?" + _query_string(filters, after=page.next_cursor) if page.next_cursor else None
        ),
        "export_link": lambda kind, personal=False: (
            f"/inbox/export.{kind}?" + _query_string(filters, personal="1" if personal else "")
        ),
        "townships": _township_choices(session, scope),
        "may_handle": user.role in APPLICATION_HANDLERS,
        "may_personal": user.role in PERSONAL_DATA_READERS,
        "may_dead_letters": may(user.role, "GET", "/handoff"),
        "first_page": not after,
        "reasons": REASONS,
        "reason_max": REASON_MAX,
        "statuses": [s.value for s in ApplicationStatus],
    }
    return render(request, "inbox.html", context)


def _export_prologue(
    request: Request,
    session: Session,
    inbox: Inbox,
    audit: AuditLog,
    actor: Actor,
    role: Role,
    kind: str,
) -> tuple[str | None, Filters, bool] | HTMLResponse:
    """Check and audit an export; (scope, filters, personal) or the refusal to answer."""
    scope = county_scope(request)
    personal = request.query_params.get("personal", "") == "1"
    try:
        filters = _filters_from(request, scope)
    except InboxRefused as err:
        return _refused(request, session, audit, actor, f"export.{kind}", f"filters: {err.en}")
    if personal and role not in PERSONAL_DATA_READERS:
        return _refused(request, session, audit, actor, f"export.{kind}", "personal data")
    total = (
        sum(inbox.counts(session, scope, filters).values())
        if not filters.status
        else (inbox.counts(session, scope, filters).get(filters.status, 0))
    )
    audit.record(
        session,
        actor,
        AuditAction.APPLICATIONS_EXPORTED,
        target=kind,
        detail=f"{filters.describe()} rows={total} personal={'yes' if personal else 'no'}",
    )
    session.commit()
    return scope, filters, personal


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _csv_answer(
    exporter: Exporter, scope: str | None, filters: Filters, personal: bool
) -> Response:
    """The list as CSV, streamed as it is read."""
    chunks: Iterator[bytes] = exporter.csv_chunks(scope, filters, personal)
    return StreamingResponse(
        chunks, media_type="text/csv; charset=utf-8", headers=_attachment("applications.csv")
    )


def _xlsx_answer(
    exporter: Exporter, scope: str | None, filters: Filters, personal: bool, data_dir: Path
) -> Response:
    """The list as XLSX, written row by row to a temporary file, then sent and removed."""
    handle, name = tempfile.mkstemp(suffix=".xlsx", dir=data_dir)
    path = Path(name)
    try:
        os.close(handle)
        exporter.write_xlsx(path, scope, filters, personal)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=XLSX_TYPE,
        headers=_attachment("applications.xlsx"),
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


# The formats an export comes in: /inbox/export.csv and /inbox/export.xlsx.
EXPORT_FORMATS = ("csv", "xlsx")


@router.get("/inbox/export.{fmt}")
def export(
    request: Request,
    fmt: str,
    session: SessionDep,
    inbox: InboxDep,
    audit: AuditDep,
    actor: ActorDep,
    user: UserDep,
    runtime: RuntimeDep,
    titles: TitlesDep,
) -> Response:
    """The filtered list as CSV (streamed) or XLSX (a temporary file), audited."""
    if fmt not in EXPORT_FORMATS:
        return PlainTextResponse("no such export format", status_code=404)
    checked = _export_prologue(request, session, inbox, audit, actor, user.role, fmt)
    if isinstance(checked, HTMLResponse):
        return checked
    scope, filters, personal = checked
    exporter = Exporter(runtime.db, runtime.intake, titles)
    if fmt == "csv":
        return _csv_answer(exporter, scope, filters, personal)
    return _xlsx_answer(exporter, scope, filters, personal, runtime.settings.data_dir)


def _role_of(request: Request) -> Role | None:
    visit = current_visit(request)
    return visit.user.role if visit and visit.user else None


@dataclass(frozen=True)
class _Case:
    """What every route on one application gets: the request, session, inbox, audit, actor."""

    request: Request
    session: Session
    inbox: Inbox
    audit: AuditLog
    actor: Actor

    def find(self, number: str) -> Transaction | HTMLResponse:
        """The application in the user's scope, or the 404 (audited if it exists elsewhere)."""
        request, session = self.request, self.session
        row = self.inbox.find(session, county_scope(request), number)
        if row is not None:
            return row
        if self.inbox.exists(session, number):
            return _refused(request, session, self.audit, self.actor, number, "outside region", 404)
        context = {"number": number, "page": "inbox"}
        return render(request, "application_missing.html", context, 404)

    def page(
        self,
        row: Transaction,
        *,
        revealed: tuple[str, ...] = (),
        done: Label | None = None,
        error: Label | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        """The application's page, with what was done or what went wrong."""
        role = _role_of(self.request)
        context: dict[str, Any] = {
            "page": "inbox",
            "d": self.inbox.detail(row, self.session, revealed),
            "next_statuses": sorted(TRANSITIONS.get(row.status, frozenset())),
            "reasons": REASONS,
            "reason_max": REASON_MAX,
            "may_handle": role in APPLICATION_HANDLERS,
            "may_reveal": role in PERSONAL_DATA_READERS,
            "done": done,
            "error": error,
        }
        return render(self.request, "application.html", context, status)

    def refused(self, row: Transaction, err: InboxRefused) -> HTMLResponse:
        """A change the inbox refused: nothing kept, the page says why (400)."""
        self.session.rollback()
        return self.page(row, error=(err.zh, err.en), status=400)

    def stale(self, number: str, err: StaleVersion) -> HTMLResponse:
        """A change made on an old version: nothing kept, the page as it is now (409)."""
        self.session.rollback()
        fresh = self.inbox.find(self.session, county_scope(self.request), number)
        if fresh is None:  # pragma: no cover - applications are never deleted
            raise err
        return self.page(fresh, error=(err.user_message or "", str(err)), status=409)


def _case(
    request: Request, session: SessionDep, inbox: InboxDep, audit: AuditDep, actor: ActorDep
) -> _Case:
    return _Case(request, session, inbox, audit, actor)


CaseDep = Annotated[_Case, Depends(_case)]


@router.get("/inbox/{number}")
def application_page(number: str, case: CaseDep) -> HTMLResponse:
    """One application: its items and answers (masked), bookings, notes, history (audited)."""
    found = case.find(number)
    if isinstance(found, HTMLResponse):
        return found
    case.audit.record(case.session, case.actor, AuditAction.VIEWED_APPLICATION, target=found.number)
    case.session.commit()
    return case.page(found)


@router.post("/inbox/{number}/reveal")
def reveal_field(number: str, form: FormDep, case: CaseDep) -> HTMLResponse:
    """Show one field in full on this page, for a reason given (audited); masked again after."""
    found = case.find(number)
    if isinstance(found, HTMLResponse):
        return found
    field, reason = form.get("field", ""), form.get("reason", "")
    try:
        shown = case.inbox.reveal(case.session, case.actor, found, field, reason)
    except InboxRefused as err:
        return case.refused(found, err)
    case.session.commit()
    return case.page(found, revealed=(shown,))


def _version(form: Mapping[str, str]) -> int:
    raw = form.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else -1


@router.post("/inbox/{number}/status")
def change_status(number: str, form: FormDep, case: CaseDep) -> HTMLResponse:
    """Move an application on, with the version the staff member saw (409 if stale)."""
    found = case.find(number)
    if isinstance(found, HTMLResponse):
        return found
    try:
        case.inbox.change_status(
            case.session,
            case.actor,
            found,
            _version(form),
            form.get("status", ""),
            form.get("reason_code", ""),
            form.get("reason_text", ""),
        )
    except StaleVersion as err:
        return case.stale(number, err)
    except InboxRefused as err:
        return case.refused(found, err)
    case.session.commit()
    zh, en = _status_words(found.status)
    return case.page(found, done=(f"已改为：{zh}", f"Now: {en}"))


def _status_words(status: str) -> Label:
    words = status_text(status)
    return (words.zh, words.en)


@router.post("/inbox/{number}/assign")
def assign(number: str, form: FormDep, case: CaseDep) -> HTMLResponse:
    """Give an application to a staff member (or to nobody), versioned like a status change."""
    found = case.find(number)
    if isinstance(found, HTMLResponse):
        return found
    try:
        case.inbox.assign(case.session, case.actor, found, _version(form), form.get("username", ""))
    except StaleVersion as err:
        return case.stale(number, err)
    case.session.commit()
    return case.page(found, done=("已分派", "Assigned"))


@router.post("/inbox/{number}/notes")
def add_note(number: str, form: FormDep, case: CaseDep) -> HTMLResponse:
    """Add a note for colleagues (audited, without its text)."""
    found = case.find(number)
    if isinstance(found, HTMLResponse):
        return found
    try:
        case.inbox.add_note(case.session, case.actor, found, form.get("text", ""))
    except InboxRefused as err:
        return case.refused(found, err)
    case.session.commit()
    return case.page(found, done=("已添加备注", "Note added"))


@router.post("/inbox/bulk")
def bulk(
    request: Request,
    form: FormDep,
    session: SessionDep,
    inbox: InboxDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Move the ticked applications on at once; each one versioned and audited by itself."""
    picked = [
        (name.removeprefix("pick:"), _version({"version": value}))
        for name, value in form.items()
        if name.startswith("pick:")
    ]
    result = inbox.bulk_status(
        session,
        actor,
        county_scope(request),
        picked,
        form.get("status", ""),
        form.get("reason_code", ""),
        form.get("reason_text", ""),
    )
    context = {"page": "inbox", "result": result}
    return render(request, "inbox_bulk.html", context, 200 if result.changed else 409)


@router.get("/handoff")
def dead_letters(request: Request, session: SessionDep, handoff: HandoffDep) -> HTMLResponse:
    """Hand-offs to the province system given up on, to send again."""
    context = {
        "page": "inbox",
        "letters": handoff.dead_letters(session, county_scope(request)),
        "enabled": handoff.settings.enabled,
    }
    return render(request, "handoff.html", context)


@router.post("/handoff/{letter_id}/retry")
def retry_letter(
    request: Request,
    letter_id: int,
    session: SessionDep,
    handoff: HandoffDep,
    audit: AuditDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Send a dead letter again at the next delivery pass (audited)."""
    scope = county_scope(request)
    try:
        number = handoff.retry(session, scope, letter_id)
    except NotFound:
        session.rollback()
        context = {"page": "inbox", "letters": handoff.dead_letters(session, scope),
                   "enabled": handoff.settings.enabled,
                   "error": ("没有这条待重发记录", "No such dead letter")}  # fmt: skip
        return render(request, "handoff.html", context, 404)
    audit.record(
        session, actor, AuditAction.HANDOFF_RETRIED, target=number, detail=f"letter={letter_id}"
    )
    session.commit()
    context = {"page": "inbox", "letters": handoff.dead_letters(session, scope),
               "enabled": handoff.settings.enabled,
               "done": (f"{number} 将重新发送", f"{number} will be sent again")}  # fmt: skip
    return render(request, "handoff.html", context)


def install(app: FastAPI) -> None:
    """Add the inbox pages to `app`."""
    app.include_router(router)
