"""The targeted push pages (岗位找人, 政策找人): who a published job or policy fits, and why.

A page per item (`/push/{kind}/{code}`, kind `jobs` or `policies`) lists the county's
registered citizens it fits with the reasons, masked; a field is unmasked with a reason
(Inbox.reveal, audited) and a citizen is marked contacted (audited). Routes translate
requests into calls on `Push` (controller/services/push.py) and commit. County staff reach
their own county's items only: another county's item is the same 404 as an unknown one,
and the attempt is audited. Who may call which route is in controller/auth/access.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session

from controller import region_codes
from controller.auth.access import APPLICATION_HANDLERS, PERSONAL_DATA_READERS, Role
from controller.auth.guard import ActorDep, FormDep, current_visit
from controller.deps import AuditDep, PushDep, SessionDep, TitlesDep
from controller.labels import Label
from controller.models import Transaction
from controller.rendering import county_scope, render
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.content import as_text
from controller.services.inbox_errors import InboxRefused
from controller.services.push import Item, Push, find_item
from controller.services.titles import ServiceTitles

router = APIRouter(default_response_class=HTMLResponse)

_KIND_LABELS: dict[str, Label] = {"jobs": ("岗位找人", "Job"), "policies": ("政策找人", "Policy")}


def _role(request: Request) -> Role | None:
    visit = current_visit(request)
    return visit.user.role if visit and visit.user else None


def _missing() -> Response:
    # As content_pages answers for an unknown item: nothing tells "another county's" apart.
    return PlainTextResponse("no such item", status_code=404)


def _item_or_refuse(
    request: Request, session: Session, audit: AuditLog, actor: Actor, kind: str, code: str
) -> Item | Response:
    """The item if this user may work on it; else the 404 (audited when it exists)."""
    item = find_item(session, kind, code)
    if item is None:
        return _missing()
    scope = county_scope(request)
    if scope is not None and (not scope or region_codes.county_of(scope) != item.region_code):
        audit.record(
            session, actor, AuditAction.CONTENT_REFUSED, target=f"{kind}:{code}",
            detail="push: outside region",
        )  # fmt: skip
        session.commit()
        return _missing()
    return item


def _page(
    request: Request,
    session: Session,
    push: Push,
    titles: ServiceTitles,
    item: Item,
    kind: str,
    *,
    revealed: Mapping[str, Sequence[str]] | None = None,
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
) -> HTMLResponse:
    scope = county_scope(request)
    found = push.fits_for(session, item, scope, revealed)
    role = _role(request)
    title = as_text(item.display.get("title", item.code))
    context: dict[str, Any] = {
        "page": "content",
        "kind": kind,
        "kind_label": _KIND_LABELS[kind],
        "item": item,
        "title": title if isinstance(title, str) else title.zh,
        "fits": found,
        "names": titles.names(session, {f.service for f in found}),
        "contacted": sum(1 for f in found if f.contacted_at is not None),
        "may_reveal": role in PERSONAL_DATA_READERS,
        "may_handle": role in APPLICATION_HANDLERS,
        "done": done,
        "error": error,
    }
    return render(request, "push.html", context, status)


@router.get("/push/{kind}/{code}")
def push_page(
    request: Request,
    kind: str,
    code: str,
    session: SessionDep,
    push: PushDep,
    titles: TitlesDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Who a job or policy fits, with the reasons, masked (the view is audited)."""
    item = _item_or_refuse(request, session, audit, actor, kind, code)
    if isinstance(item, Response):
        return item
    response = _page(request, session, push, titles, item, kind)
    audit.record(session, actor, AuditAction.VIEWED_PUSH, target=f"{kind}:{code}")
    session.commit()
    return response


def _registration(
    request: Request, session: Session, push: Push, item: Item, number: str
) -> Transaction | None:
    """The registration of this number among those the item is matched against here."""
    for row in push.registrations(session, item, county_scope(request)):
        if row.number == number:
            return row
    return None


def _item_and_registration(
    request: Request,
    form: Mapping[str, str],
    session: Session,
    push: Push,
    titles: ServiceTitles,
    audit: AuditLog,
    actor: Actor,
    kind: str,
    code: str,
) -> tuple[Item, Transaction, str] | Response:
    """The item (or the refusal) and the registration the form names (or the page with a 404)."""
    item = _item_or_refuse(request, session, audit, actor, kind, code)
    if isinstance(item, Response):
        return item
    number = form.get("number", "")
    row = _registration(request, session, push, item, number)
    if row is None:
        return _page(request, session, push, titles, item, kind,
                     error=("没有这条登记", "No such registration"), status=404)  # fmt: skip
    return item, row, number


@router.post("/push/{kind}/{code}/reveal")
def reveal(
    request: Request,
    kind: str,
    code: str,
    form: FormDep,
    session: SessionDep,
    push: PushDep,
    titles: TitlesDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Show a citizen's name or phone in full on this page, for a reason (audited)."""
    found = _item_and_registration(request, form, session, push, titles, audit, actor, kind, code)
    if isinstance(found, Response):
        return found
    item, row, number = found
    try:
        shown = push.reveal(session, actor, row, form.get("field", ""), form.get("reason", ""))
    except InboxRefused as err:
        session.rollback()
        return _page(request, session, push, titles, item, kind, error=(err.zh, err.en),
                     status=400)  # fmt: skip
    session.commit()
    return _page(request, session, push, titles, item, kind, revealed={number: [shown]})


@router.post("/push/{kind}/{code}/contacted")
def contacted(
    request: Request,
    kind: str,
    code: str,
    form: FormDep,
    session: SessionDep,
    push: PushDep,
    titles: TitlesDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Mark a citizen contacted about this item (audited; once per citizen and item)."""
    found = _item_and_registration(request, form, session, push, titles, audit, actor, kind, code)
    if isinstance(found, Response):
        return found
    item, row, number = found
    marked = push.mark_contacted(session, actor, item, row)
    session.commit()
    done: Label = (
        (f"{number} 已标记为已联系", f"{number} marked contacted")
        if marked
        else (f"{number} 此前已标记", f"{number} was marked already")
    )
    return _page(request, session, push, titles, item, kind, done=done)


def install(app: FastAPI) -> None:
    """Add the targeted push pages to `app`."""
    app.include_router(router)
